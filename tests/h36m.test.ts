import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { h36mCameras, worldToImage } from "../lib/pose/camera";
import { loadH36mSplit } from "../lib/data/dataset";
import { h36mActionOf, loadH36m2d, loadH36m3d } from "../lib/data/h36m";
import { writeNpz } from "../lib/data/formats/npy";
import { mulberry32 } from "../lib/core/rng";
import { H36M32_KEPT } from "../lib/pose/skeleton";
import { InputError } from "../lib/core/errors";
import { maxAbsDiff, scratchDir } from "./helpers";

const dir = scratchDir("h36m");
const hasNumpy = spawnSync("/usr/bin/python3", ["-c", "import numpy"]).status === 0;

/** A standing-ish 32-joint pose in metres near the world origin, jittered per frame. */
function fixturePoses(frames: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(frames * 32 * 3);
  for (let f = 0; f < frames; f++)
    for (let j = 0; j < 32; j++) {
      a[(f * 32 + j) * 3] = (r() - 0.5) * 0.6;
      a[(f * 32 + j) * 3 + 1] = (r() - 0.5) * 0.6;
      a[(f * 32 + j) * 3 + 2] = 0.1 + r() * 1.6;
    }
  return a;
}

const SUBJECTS = ["S1", "S5", "S6", "S7", "S8", "S9", "S11"];
const ACTIONS = ["Walking 1", "Directions", "TakingPhoto"];
const file3d = path.join(dir, "data_3d_h36m_flat.npz");
const fixture: Record<string, { data: Float32Array; shape: number[] }> = {};
SUBJECTS.forEach((s, si) =>
  ACTIONS.forEach((a, ai) => {
    fixture[`${s}/${a}`] = { data: fixturePoses(5 + si + ai, si * 10 + ai), shape: [5 + si + ai, 32, 3] };
  }),
);
writeNpz(file3d, fixture);

test("the converted data_3d_h36m layout loads: 17 of 32 joints, mm, merged action names, S11 Directions dropped", () => {
  const seqs = loadH36m3d(file3d);
  assert.equal(seqs.length, SUBJECTS.length * ACTIONS.length - 1);
  assert.ok(!seqs.some((s) => s.subject === "S11" && s.sourceAction === "Directions"));
  const s = seqs.find((q) => q.subject === "S5" && q.sourceAction === "Walking 1")!;
  assert.equal(s.action, "Walking");
  assert.equal(seqs.find((q) => q.sourceAction === "TakingPhoto")!.action, "Photo");
  const src = fixture["S5/Walking 1"].data;
  for (let k = 0; k < 17; k++)
    for (let d = 0; d < 3; d++) assert.ok(Math.abs(s.poses[k * 3 + d] - src[H36M32_KEPT[k] * 3 + d] * 1000) < 1e-3);
});

test("the H36M fixture splits as Protocol 1 and projects through each subject's own cameras", () => {
  const train = loadH36mSplit(file3d, "train"),
    val = loadH36mSplit(file3d, "val"),
    test = loadH36mSplit(file3d, "test");
  assert.deepEqual([...train.subjects].sort(), ["S1", "S5", "S6", "S7", "S8"]);
  assert.deepEqual([...val.subjects].sort(), ["S1", "S5", "S6", "S7", "S8"]);
  assert.deepEqual([...test.subjects].sort(), ["S11", "S9"]);
  const frames = (subs: string[], actions = ACTIONS, drop = 0) =>
    subs.reduce((n, s) => n + actions.reduce((m, a) => m + fixture[`${s}/${a}`].shape[0], 0), 0) - drop;
  // Validation: of each training subject's sequences sorted by name (Directions, TakingPhoto,
  // Walking 1), the one at position 1 is held out.
  const trainSubjects = ["S1", "S5", "S6", "S7", "S8"];
  assert.equal(train.n, 4 * frames(trainSubjects, ["Directions", "Walking 1"]));
  assert.equal(val.n, 4 * frames(trainSubjects, ["TakingPhoto"]));
  assert.deepEqual(
    [...new Set(val.sequences)].sort(),
    trainSubjects.map((s) => `${s}/TakingPhoto`),
  );
  assert.equal(test.n, 4 * frames(["S9", "S11"], ACTIONS, fixture["S11/Directions"].shape[0]));
  // Sample 0 of the test set: independently project its world pose with camera 0 of its subject.
  const subj = test.subjects[test.subject[0]],
    seq = test.sequences[test.sequence[0]];
  const world = loadH36m3d(file3d)
    .find((s) => `${s.subject}/${s.sourceAction}` === seq)!
    .poses.subarray(0, 51);
  const uv = worldToImage(world, h36mCameras(subj)[test.camera[0]]);
  assert.ok(maxAbsDiff(test.poses2d.subarray(0, 34), uv) < 1e-3);
});

test("wrong shape, dtype, non-finite values and unknown actions are clear errors", () => {
  const bad = (name: string, arrays: Parameters<typeof writeNpz>[1]) => {
    const f = path.join(dir, name);
    writeNpz(f, arrays);
    return f;
  };
  assert.throws(
    () => loadH36m3d(bad("shape.npz", { "S1/Walking": { data: new Float32Array(10 * 31 * 3), shape: [10, 31, 3] } })),
    /shape\.npz \[S1\/Walking\]: expected shape \[frames, 32, 3\] \(or \[frames, 17, 3\]\), got \[10, 31, 3\]/,
  );
  assert.throws(
    () => loadH36m3d(bad("dtype.npz", { "S1/Walking": { data: new Int32Array(2 * 32 * 3), shape: [2, 32, 3] } })),
    /dtype\.npz \[S1\/Walking\]: expected float32 or float64 positions, got dtype '<i4'/,
  );
  const nan = new Float32Array(2 * 32 * 3);
  nan[100] = NaN;
  assert.throws(
    () => loadH36m3d(bad("nan.npz", { "S1/Walking": { data: nan, shape: [2, 32, 3] } })),
    /nan\.npz \[S1\/Walking\]: value 100 \(frame 1\) is not finite/,
  );
  assert.throws(
    () => loadH36m3d(bad("action.npz", { "S1/Dancing 2": { data: new Float32Array(2 * 32 * 3), shape: [2, 32, 3] } })),
    /unknown action "Dancing 2"; expected one of Directions, Discussion/,
  );
  assert.throws(
    () => loadH36m3d(bad("keys.npz", { positions: { data: new Float32Array(3), shape: [3] } })),
    /expected keys "<subject>\/<action>"/,
  );
  assert.throws(() => h36mActionOf("Walking 1 extra"), /unknown action/);
});

test("VideoPose3D's pickled files convert with scripts/convert_h36m.py and load", {
  skip: hasNumpy ? false : "python3-numpy not installed",
}, () => {
  const py = `
import numpy as np, sys
rng = np.random.default_rng(0)
pos = {s: {"Walking 1": rng.normal(size=(4, 32, 3)).astype(np.float32), "Eating": rng.normal(size=(3, 32, 3)).astype(np.float32)} for s in ["S1", "S9"]}
np.savez_compressed(sys.argv[1] + "/data_3d_h36m.npz", positions_3d=pos)
kp = {s: {"Walking 1": [rng.normal(size=(4, 17, 2)).astype(np.float32) * 100 + 500 for c in range(4)]} for s in ["S1", "S9"]}
np.savez_compressed(sys.argv[1] + "/data_2d_h36m_gt.npz", positions_2d=kp, metadata={"layout_name": "h36m", "num_joints": 17, "keypoints_symmetry": [[4,5,6,11,12,13],[1,2,3,14,15,16]]})
print(float(pos["S9"]["Eating"][2, 27, 1]), float(kp["S1"]["Walking 1"][3][2, 16, 0]))`;
  const r = spawnSync("/usr/bin/python3", ["-c", py, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const [eating, kpv] = r.stdout.trim().split(" ").map(Number);
  const c = spawnSync(
    "/usr/bin/python3",
    ["scripts/convert_h36m.py", path.join(dir, "data_3d_h36m.npz"), path.join(dir, "data_2d_h36m_gt.npz")],
    { encoding: "utf8" },
  );
  assert.equal(c.status, 0, c.stderr);
  const seqs = loadH36m3d(path.join(dir, "data_3d_h36m_flat.npz"));
  const s = seqs.find((q) => q.subject === "S9" && q.sourceAction === "Eating")!;
  // Joint 27 of 32 is kept as index 16 (RWrist); metres → mm.
  assert.ok(Math.abs(s.poses[(2 * 17 + 16) * 3 + 1] - eating * 1000) < 1e-2);
  const det = loadH36m2d(path.join(dir, "data_2d_h36m_gt_flat.npz"));
  assert.equal(det.layout, "h36m");
  assert.ok(Math.abs(det.get("S1", "Walking 1", 3)[(2 * 17 + 16) * 2] - kpv) < 1e-3);
  assert.throws(() => det.get("S5", "Walking 1", 0), /no detections for subject S5/);
});

test("nothing non-finite leaves the H36M loaders: values are checked after the metres → mm conversion", () => {
  const f = path.join(dir, "big.npz");
  const big = new Float32Array(2 * 32 * 3);
  big[(1 * 32 + H36M32_KEPT[3]) * 3 + 2] = 1e38; // finite in metres (float32), Infinity in mm
  writeNpz(f, { "S1/Walking": { data: big, shape: [2, 32, 3] } });
  assert.throws(
    () => loadH36m3d(f),
    (e: unknown) =>
      e instanceof InputError &&
      e.file === f &&
      e.field === "data" &&
      e.message.startsWith(
        `${f} [S1/Walking]: value ${(1 * 32 + H36M32_KEPT[3]) * 3 + 2} (frame 1) is not finite (${Math.fround(1e38)}; Infinity mm)`,
      ),
  );
  // 1e35 m stays finite in mm and loads (range plausibility is not the loader's job).
  big[(1 * 32 + H36M32_KEPT[3]) * 3 + 2] = 1e35;
  writeNpz(f, { "S1/Walking": { data: big, shape: [2, 32, 3] } });
  assert.ok(loadH36m3d(f)[0].poses.every(Number.isFinite));
});

test("2D detections: metadata, dtype and non-finite keypoints are InputErrors", () => {
  const meta = (text: string) => ({ data: Uint8Array.from(Buffer.from(text)), shape: [Buffer.byteLength(text)] });
  const kp = new Float32Array(3 * 17 * 2).fill(500);
  const write = (name: string, arrays: Parameters<typeof writeNpz>[1]) => {
    const f = path.join(dir, name);
    writeNpz(f, arrays);
    return f;
  };
  const ok = write("kp.npz", {
    metadata: meta('{"layout_name": "h36m", "num_joints": 17}'),
    "S1/Walking/0": { data: kp, shape: [3, 17, 2] },
  });
  assert.equal(loadH36m2d(ok).get("S1", "Walking", 0)[5], 500);
  const cases: [string, Parameters<typeof writeNpz>[1], string, RegExp][] = [
    ["null.npz", { metadata: meta("null") }, "metadata", /\[metadata\]: expected a JSON object/],
    [
      "layout.npz",
      { metadata: meta('{"layout_name": "coco", "num_joints": 17}') },
      "metadata",
      /keypoint layout "coco" with "17" joints; expected "h36m" with 17/,
    ],
    [
      "int.npz",
      {
        metadata: meta('{"layout_name": "h36m"}'),
        "S1/Walking/0": { data: new Int32Array(3 * 17 * 2), shape: [3, 17, 2] },
      },
      "dtype",
      /\[S1\/Walking\/0\]: expected float32 or float64 keypoints/,
    ],
    [
      "inf.npz",
      {
        metadata: meta('{"layout_name": "h36m"}'),
        "S1/Walking/0": { data: Float32Array.from(kp, (v, i) => (i === 7 ? -Infinity : v)), shape: [3, 17, 2] },
      },
      "data",
      /value 7 \(frame 0\) is not finite/,
    ],
  ];
  for (const [name, arrays, field, re] of cases) {
    const f = write(name, arrays);
    assert.throws(
      () => loadH36m2d(f),
      (e: unknown) => e instanceof InputError && e.file === f && e.field === field && re.test(e.message),
      name,
    );
  }
});

test("the H36M loader passes limits on to the archive reader", () => {
  assert.throws(
    () => loadH36m3d(file3d, { limits: { maxNpzBytes: 1000 } }),
    (e: unknown) => e instanceof InputError && e.field === "entry size" && /\(maxNpzBytes\)/.test(e.message),
  );
});
