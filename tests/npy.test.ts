import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatNpy, parseNpy, readNpy, readNpz, writeNpz } from "../lib/data/formats/npy";
import { InputError } from "../lib/core/errors";
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

test("numpy reads what we write and we read what numpy writes", {
  skip: hasNumpy ? false : "python3-numpy not installed",
}, () => {
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
  const buf = Buffer.concat([
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
    Buffer.from([header.length + 1, 0]),
    Buffer.from(header + "\n"),
    Buffer.from([0x80, 0x02]),
  ]);
  assert.throws(
    () => parseNpy(buf, "data_3d_h36m.npz [positions_3d.npy]"),
    /data_3d_h36m\.npz \[positions_3d\.npy\]: holds a pickled object array \(dtype '\|O'\); hpe3d refuses to unpickle.*convert_h36m\.py/,
  );
});

test("a real VideoPose3D-style pickled npz is refused", {
  skip: hasNumpy ? false : "python3-numpy not installed",
}, () => {
  const f = path.join(dir, "pickled.npz");
  const r = spawnSync(
    "/usr/bin/python3",
    [
      "-c",
      "import numpy as np, sys; np.savez_compressed(sys.argv[1], positions_3d={'S1': {'Walking': np.zeros((2, 32, 3))}})",
      f,
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.throws(
    () => readNpz(f),
    new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\[positions_3d\\.npy\\]: holds a pickled object array`),
  );
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
  assert.throws(
    () => parseNpy(npy.subarray(0, npy.length - 4), "x.npy"),
    /x\.npy: truncated data: shape \[4\] <f4 needs 16 bytes, file has 12/,
  );
  assert.throws(() => readNpz(path.join(dir, "missing.npz")), /missing\.npz: file not found/);
});

/** Assert `fn` throws an InputError naming `file` and `field`, with a message matching `re`. */
function throwsInput(fn: () => unknown, file: string, field: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field, e.message);
    assert.ok(e.message.startsWith(file), e.message);
    assert.match(e.message, re);
    return true;
  });
}

/** A .npy with a hand-written header (version 1.0) and `payload` after it. */
function npyWithHeader(header: string, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const h = header + " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const len = Buffer.alloc(2);
  len.writeUInt16LE(h.length);
  return Buffer.concat([
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
    len,
    Buffer.from(h, "latin1"),
    payload,
  ]);
}

test("npy shapes: (,,,), negative and malformed shapes are refused; () is a scalar, (5,) a vector", () => {
  for (const shape of [",,,", "-1,", "2,,3", "3 4", "1e3,", "0x10,"]) {
    throwsInput(
      () => parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${shape}), }`), "s.npy"),
      "s.npy",
      "shape",
      /s\.npy: bad shape/,
    );
  }
  const four = new Uint8Array(Float32Array.from([1, 2, 3, 4]).buffer);
  assert.deepEqual(
    parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }`, four), "v.npy").shape,
    [4],
  );
  assert.deepEqual(
    parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }`, four), "m.npy").shape,
    [2, 2],
  );
  assert.deepEqual(
    Array.from(
      parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (), }`, four.subarray(0, 4)), "s.npy")
        .data,
    ),
    [1],
  );
});

test("npy declared sizes are checked against the data before anything is allocated", () => {
  // 10^11 × 3 float32 declared, 16 bytes present: an error, not a 1.2 TB allocation.
  const four = new Uint8Array(16);
  throwsInput(
    () =>
      parseNpy(
        npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 3), }`, four),
        "huge.npy",
      ),
    "huge.npy",
    "shape",
    /truncated data: shape \[100000000000, 3\] <f4 needs 1200000000000 bytes, file has 16/,
  );
  // More data than the shape needs is corruption too.
  throwsInput(
    () => parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`, four), "long.npy"),
    "long.npy",
    "shape",
    /needs 12 bytes, but 16 follow the header \(4 extra\)/,
  );
  throwsInput(
    () => parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }`, four), "f.npy"),
    "f.npy",
    "fortran_order",
    /Fortran-ordered/,
  );
  const v9 = npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }`, four);
  v9[6] = 9;
  throwsInput(() => parseNpy(v9, "v9.npy"), "v9.npy", "version", /unsupported \.npy format version 9\.0/);
  // The file size limit applies before reading.
  const f = path.join(dir, "four.npy");
  fs.writeFileSync(f, formatNpy({ data: Float32Array.from([1, 2, 3, 4]), shape: [4] }));
  throwsInput(
    () => readNpy(f, { limits: { maxArrayFileBytes: 50 } }),
    f,
    "size",
    /file size 144 bytes exceeds the limit of 50 bytes \(maxArrayFileBytes\); raise it/,
  );
  assert.deepEqual(Array.from(readNpy(f).data), [1, 2, 3, 4]);
});

test("finite: true refuses NaN and ±Infinity in float arrays", () => {
  const f = path.join(dir, "nan.npy");
  fs.writeFileSync(f, formatNpy({ data: Float64Array.from([1, 2, Infinity]), shape: [3] }));
  assert.equal(readNpy(f).data[2], Infinity); // a plain read returns the numbers as stored
  throwsInput(() => readNpy(f, { finite: true }), f, "data", /element 2 of shape \[3\] is not finite \(Infinity\)/);
  const z = path.join(dir, "nan.npz");
  writeNpz(z, {
    ok: { data: Float32Array.from([1]), shape: [1] },
    bad: { data: Float32Array.from([0, NaN]), shape: [2] },
  });
  throwsInput(
    () => readNpz(z, { finite: true }),
    z,
    "data",
    /nan\.npz \[bad\.npy\]: element 1 of shape \[2\] is not finite \(NaN\)/,
  );
});

/** Offsets of the central directory records of a .npz written by writeNpz. */
function centralRecords(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i++) if (buf.readUInt32LE(i) === 0x02014b50) out.push(i);
  return out;
}

test("duplicate .npz entries are refused, not silently replaced", () => {
  const f = path.join(dir, "dup.npz");
  writeNpz(f, { a: { data: Float32Array.from([1]), shape: [1] }, b: { data: Float32Array.from([2]), shape: [1] } });
  const buf = fs.readFileSync(f);
  // Rename entry "b.npy" to "a.npy" in its local and central headers (CRCs cover data, not names).
  for (let i = buf.indexOf("b.npy"); i >= 0; i = buf.indexOf("b.npy", i + 1)) buf.write("a", i, "latin1");
  fs.writeFileSync(f, buf);
  throwsInput(() => readNpz(f), f, "entries", /dup\.npz: duplicate entry "a\.npy": each array name may appear once/);
});

test("npz sizes: a huge declared size is refused before inflating; a stream past its declared size stops at once", () => {
  const f = path.join(dir, "bomb.npz");
  // 20 MB of zeros deflate to about 20 KB.
  writeNpz(f, { z: { data: new Uint8Array(20_000_000), shape: [20_000_000] } });
  const buf = fs.readFileSync(f);
  assert.ok(buf.length < 100_000, `${buf.length}`);
  const [cd] = centralRecords(buf);
  // Declared uncompressed size 1000 bytes (central directory offset 24, local header offset 22).
  const small = Buffer.from(buf);
  small.writeUInt32LE(1000, cd + 24);
  small.writeUInt32LE(1000, 22);
  fs.writeFileSync(f, small);
  const rssBefore = process.memoryUsage().rss;
  const t0 = Date.now();
  throwsInput(
    () => readNpz(f),
    f,
    "entry size",
    /bomb\.npz \[z\.npy\]: decompresses to more than its declared 1000 bytes/,
  );
  assert.ok(Date.now() - t0 < 500, `${Date.now() - t0} ms`);
  assert.ok(process.memoryUsage().rss - rssBefore < 15_000_000, "inflated well past the declared size");
  // Declared 4 GB: over maxNpzBytes, refused before anything is inflated.
  const huge = Buffer.from(buf);
  huge.writeUInt32LE(0xfffffff0, cd + 24);
  fs.writeFileSync(f, huge);
  throwsInput(
    () => readNpz(f),
    f,
    "entry size",
    /entries declare 4294967280 bytes uncompressed \(up to "z\.npy"\), over the limit of 1073741824 \(maxNpzBytes\); raise it/,
  );
  // The limit is a setting: a genuine file over it loads when the limit is raised.
  fs.writeFileSync(f, buf);
  throwsInput(() => readNpz(f, { limits: { maxNpzBytes: 1_000_000 } }), f, "entry size", /over the limit of 1000000/);
  assert.equal(readNpz(f).get("z")!.data.length, 20_000_000);
});

test("corrupt zip structures are InputErrors naming the file", () => {
  const f = path.join(dir, "zip.npz");
  writeNpz(f, { a: { data: Float32Array.from([1, 2]), shape: [2] } }, { compress: false });
  const buf = fs.readFileSync(f);
  const [cd] = centralRecords(buf);
  const eocd = buf.length - 22;
  const cases: [string, (b: Buffer) => void, string, RegExp][] = [
    [
      "count",
      (b) => b.writeUInt16LE(3000, eocd + 10),
      "entries",
      /declares 3000 entries, more than a \d+-byte file can hold/,
    ],
    [
      "entries",
      (b) => b.writeUInt16LE(5, eocd + 10),
      "entries",
      /declares 5 entries, over the limit of 4 \(maxNpzEntries\)/,
    ],
    [
      "cd offset",
      (b) => b.writeUInt32LE(5, eocd + 16),
      "central directory",
      /corrupt zip central directory \(entry 0\)/,
    ],
    ["zip64", (b) => b.writeUInt32LE(0xffffffff, eocd + 16), "zip64", /corrupt zip64 archive: no zip64 locator/],
    ["name length", (b) => b.writeUInt16LE(60000, cd + 28), "central directory", /entry 0 runs past the end/],
    [
      "local offset",
      (b) => b.writeUInt32LE(1_000_000, cd + 42),
      "local header",
      /zip\.npz \[a\.npy\]: corrupt zip entry header/,
    ],
    [
      "stored size",
      (b) => b.writeUInt32LE(130, cd + 24),
      "entry size",
      /stored entry declares 130 bytes but holds 136/,
    ],
    ["method", (b) => b.writeUInt16LE(12, cd + 10), "method", /unsupported zip compression method 12/],
  ];
  for (const [name, edit, field, re] of cases) {
    const b = Buffer.from(buf);
    edit(b);
    fs.writeFileSync(f, b);
    throwsInput(() => readNpz(f, name === "entries" ? { limits: { maxNpzEntries: 4 } } : {}), f, field, re);
  }
});
