import { test } from "node:test";
import assert from "node:assert/strict";
import { virtualCapture } from "../lib/data/capture";
import type { PoseSet } from "../lib/data/dataset";
import { computeStats, denormalize3d, inputJoints, normalize, rootCentred } from "../lib/data/preprocess";
import { mulberry32, normal } from "../lib/core/rng";
import { jointIndex } from "../lib/pose/skeleton";
import { maxAbsDiff } from "./helpers";

/** A small pose set: random standing poses seen by S1's cameras. */
function makeSet(frames: number, seed: number): PoseSet {
  const r = mulberry32(seed);
  const world = new Float32Array(frames * 17 * 3);
  for (let f = 0; f < frames; f++)
    for (let j = 0; j < 17; j++) {
      world[(f * 17 + j) * 3] = 200 * normal(r);
      world[(f * 17 + j) * 3 + 1] = 200 * normal(r);
      world[(f * 17 + j) * 3 + 2] = 100 + 100 * j + 30 * normal(r);
    }
  const { views } = virtualCapture(world, "S1");
  const n = frames * 4;
  const set: PoseSet = {
    n,
    poses3d: new Float32Array(n * 51),
    poses2d: new Float32Array(n * 34),
    visible: new Uint8Array(n * 17).fill(1),
    action: new Int32Array(n),
    actions: ["Walking"],
    sourceAction: new Int32Array(n),
    sourceActions: ["walk"],
    subject: new Int32Array(n),
    subjects: ["x"],
    camera: new Int8Array(n),
    rig: new Int32Array(n),
    rigs: ["S1"],
    sequence: new Int32Array(n),
    sequences: ["fixture"],
    frame: new Int32Array(n),
  };
  views.forEach((v, c) => {
    set.poses3d.set(v.poses3dCamMm, c * frames * 51);
    set.poses2d.set(v.poses2dPx, c * frames * 34);
    set.camera.fill(c, c * frames, (c + 1) * frames);
  });
  return set;
}

test("thesis mode: z-scored training inputs and targets, exact round trip back to mm", () => {
  const train = makeSet(200, 1);
  const stats = computeStats(train, "thesis");
  assert.equal(stats.joints2d.length, 16);
  assert.ok(!stats.joints2d.includes(0), "root removed from the 2D input");
  const nz = normalize(train, stats);
  assert.equal(nz.dimIn, 32);
  assert.equal(nz.dimOut, 48);
  for (const [arr, dim] of [
    [nz.x, 32],
    [nz.y, 48],
  ] as const) {
    for (let d = 0; d < dim; d++) {
      let s = 0,
        s2 = 0;
      for (let i = 0; i < nz.n; i++) {
        s += arr[i * dim + d];
        s2 += arr[i * dim + d] ** 2;
      }
      assert.ok(Math.abs(s / nz.n) < 1e-4 && Math.abs(s2 / nz.n - 1) < 1e-3, `dim ${d}`);
    }
  }
  // 2D keeps perspective: inputs are not root-centred, so the raw mean of the 2D x's is the image position.
  assert.ok(stats.mean2d[0] > 100 && stats.mean2d[0] < 900);
  const back = denormalize3d(nz.y, stats);
  assert.ok(maxAbsDiff(back, rootCentred(train)) < 1e-2, "denormalize(normalize(y)) == root-centred ground truth, mm");
});

test("test data uses the training statistics; invisible joints are masked to the mean", () => {
  const train = makeSet(100, 2),
    test_ = makeSet(50, 3);
  const stats = computeStats(train);
  test_.visible[5 * 17 + jointIndex("LWrist")] = 0;
  const nz = normalize(test_, stats);
  const k = stats.joints2d.indexOf(jointIndex("LWrist"));
  assert.equal(nz.mask[5 * 16 + k], 0);
  assert.equal(nz.x[5 * 32 + k * 2], 0);
  assert.equal(nz.x[5 * 32 + k * 2 + 1], 0);
  // A hand computation for one visible value.
  const j = stats.joints2d[0];
  assert.ok(Math.abs(nz.x[0] - (test_.poses2d[j * 2] - stats.mean2d[0]) / stats.std2d[0]) < 1e-5);
});

test("martinez keeps the hip and drops Neck/Nose; videopose3d uses screen coordinates and metres", () => {
  const m = inputJoints("martinez");
  assert.equal(m.length, 16);
  assert.ok(m.includes(jointIndex("Hip")) && !m.includes(jointIndex("Neck/Nose")));
  const set = makeSet(20, 4);
  const stats = computeStats(set, "videopose3d");
  const nz = normalize(set, stats);
  assert.equal(nz.dimIn, 34);
  assert.ok(nz.x.every((v) => v >= -1.2 && v <= 1.2));
  // 3D in metres, root-centred: back to mm exactly.
  assert.ok(maxAbsDiff(denormalize3d(nz.y, stats), rootCentred(set)) < 1e-2);
  const raw = (set.poses2d[jointIndex("Hip") * 2] / 1000) * 2 - 1;
  assert.ok(Math.abs(nz.x[0] - raw) < 1e-6);
});

test("non-finite input is an error naming the sample", () => {
  const set = makeSet(10, 5);
  const stats = computeStats(set);
  set.poses2d[3 * 34 + 4] = NaN;
  assert.throws(
    () => normalize(set, stats),
    /normalize: sample 3 \(sequence fixture, frame 0\) has a non-finite 2D value/,
  );
});
