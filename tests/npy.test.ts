import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatNpy, parseNpy, readNpy, readNpz, writeNpz } from "../lib/data/formats/npy";
import { scratchDir } from "./helpers";

const dir = scratchDir("npy");
const hasNumpy = spawnSync("/usr/bin/python3", ["-c", "import numpy"]).status === 0;

test("npz round trip for every supported dtype, stored and deflated", () => {
  const arrays = {
    f4: { data: Float32Array.from([1.5, -2, 3e-8, 4]), shape: [2, 2] },
    f8: { data: Float64Array.from([Math.PI]), shape: [1] },
    i4: { data: Int32Array.from([-7, 8, 9]), shape: [3] },
    u1: { data: Uint8Array.from([0, 255]), shape: [2, 1] },
    i2: { data: Int16Array.from([-300]), shape: [] as number[] },
  };
  for (const compress of [true, false]) {
    const f = path.join(dir, `rt-${compress}.npz`);
    writeNpz(f, arrays, { compress });
    const back = readNpz(f);
    for (const [k, v] of Object.entries(arrays)) {
      assert.deepEqual(back.get(k)!.shape, v.shape, k);
      assert.deepEqual(Array.from(back.get(k)!.data), Array.from(v.data), k);
    }
  }
});

test("numpy reads what we write and we read what numpy writes", { skip: hasNumpy ? false : "python3-numpy not installed" }, () => {
  const ours = path.join(dir, "ours.npz");
  writeNpz(ours, { a: { data: Float32Array.from({ length: 24 }, (_, i) => i / 3), shape: [2, 3, 4] } });
  const theirs = path.join(dir, "theirs.npz");
  const py = `
import numpy as np, sys
a = np.load(sys.argv[1])["a"]
assert a.shape == (2, 3, 4) and a.dtype == np.float32, (a.shape, a.dtype)
assert np.allclose(a.ravel(), np.arange(24) / 3)
np.savez_compressed(sys.argv[2], x=np.arange(12, dtype=np.float64).reshape(3, 4) * 0.5, y=np.array([1, 2, 3], dtype=np.int32))
np.save(sys.argv[3], np.ones((2, 2), dtype=np.float32))`;
  const r = spawnSync("/usr/bin/python3", ["-c", py, ours, theirs, path.join(dir, "one.npy")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const t = readNpz(theirs);
  assert.deepEqual(t.get("x")!.shape, [3, 4]);
  assert.equal(t.get("x")!.data[11], 5.5);
  assert.deepEqual(Array.from(t.get("y")!.data), [1, 2, 3]);
  assert.deepEqual(Array.from(readNpy(path.join(dir, "one.npy")).data), [1, 1, 1, 1]);
});

test("pickled object arrays are refused with a message naming the file", () => {
  // A .npy with an object dtype, as numpy writes for a dict saved with allow_pickle.
  const header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
  const buf = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), Buffer.from([header.length + 1, 0]), Buffer.from(header + "\n"), Buffer.from([0x80, 0x02])]);
  assert.throws(() => parseNpy(buf, "data_3d_h36m.npz [positions_3d.npy]"), /data_3d_h36m\.npz \[positions_3d\.npy\]: holds a pickled object array \(dtype '\|O'\); hpe3d refuses to unpickle.*convert_h36m\.py/);
});

test("a real VideoPose3D-style pickled npz is refused", { skip: hasNumpy ? false : "python3-numpy not installed" }, () => {
  const f = path.join(dir, "pickled.npz");
  const r = spawnSync("/usr/bin/python3", ["-c", "import numpy as np, sys; np.savez_compressed(sys.argv[1], positions_3d={'S1': {'Walking': np.zeros((2, 32, 3))}})", f], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.throws(() => readNpz(f), new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\[positions_3d\\.npy\\]: holds a pickled object array`));
});

test("truncated and corrupt files are errors, not wrong numbers", () => {
  const f = path.join(dir, "good.npz");
  writeNpz(f, { a: { data: Float32Array.from({ length: 1000 }, (_, i) => i), shape: [1000] } }, { compress: false });
  const bytes = fs.readFileSync(f);
  const cut = path.join(dir, "cut.npz");
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
  assert.throws(() => readNpz(cut), /cut\.npz: not a \.npz \(zip\) archive, or truncated/);
  const flipped = Buffer.from(bytes);
  flipped[200] ^= 0xff; // inside the array payload
  const bad = path.join(dir, "bad.npz");
  fs.writeFileSync(bad, flipped);
  assert.throws(() => readNpz(bad), /bad\.npz \[a\.npy\]: CRC mismatch: the file is corrupt/);
  const npy = formatNpy({ data: Float32Array.from([1, 2, 3, 4]), shape: [4] });
  assert.throws(() => parseNpy(npy.subarray(0, npy.length - 4), "x.npy"), /x\.npy: truncated data: shape \[4\] <f4 needs 16 bytes, file has 12/);
  assert.throws(() => readNpz(path.join(dir, "missing.npz")), /missing\.npz: file not found/);
});
