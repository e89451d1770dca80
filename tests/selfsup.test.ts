/**
 * The 2D-only lifter: geometry helpers against hand-computed values, the priors, depth-flip counting,
 * no tensor leak per step, and training on the shared data through a set whose 3D cannot be read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import type { PoseSet } from "../lib/data/dataset";
import { experimentData, subsample } from "../lib/data/experiment";
import { rootCentred } from "../lib/data/preprocess";
import { depthFlips } from "../lib/eval/depth-flips";
import { normalize2d, projectPoses, rotatePoses, SelfSupLifter, skeletonPriors } from "../lib/models/selfsup";
import { cameraElevationDeg } from "../lib/pose/camera";
import { H36M_PARENTS, jointIndex, NUM_JOINTS } from "../lib/pose/skeleton";
import {
  DEFAULT_SELFSUP_CONFIG,
  parseSelfSupConfig,
  type SelfSupConfig,
  trainSelfSup,
  validateSelfSupConfig,
} from "../lib/train/selfsup-run";
import { maxAbsDiff, mocapDataDir, scratchDir } from "./helpers";

const data = mocapDataDir();
const TINY: SelfSupConfig = {
  ...DEFAULT_SELFSUP_CONFIG,
  name: "tiny-selfsup",
  hidden: 64,
  layers: 3,
  criticHidden: 32,
  criticBlocks: 1,
  trainEveryNth: 40,
  testEveryNth: 40,
  epochs: 4,
  batchSize: 128,
  lr: 1e-3,
};

test("a 90° azimuth turns x into −z and z into x; 90° elevation turns y into z; inverse undoes both", async () => {
  await initBackend({ quiet: true });
  const X = tf.tensor3d([
    [
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ],
  ]);
  const r = (az: number, el: number, inv = false) =>
    rotatePoses(X, tf.tensor1d([az]), tf.tensor1d([el]), inv)
      .arraySync()[0]
      .flat();
  assert.ok(maxAbsDiff(r(Math.PI / 2, 0), [0, 0, -1, 1, 0, 0, 0, 1, 0]) < 1e-6);
  assert.ok(maxAbsDiff(r(0, Math.PI / 2), [1, 0, 0, 0, -1, 0, 0, 0, 1]) < 1e-6);
  const Y = rotatePoses(X, tf.tensor1d([0.7]), tf.tensor1d([-0.3]));
  const back = rotatePoses(Y, tf.tensor1d([0.7]), tf.tensor1d([-0.3]), true);
  assert.ok(maxAbsDiff(back.dataSync(), X.dataSync()) < 1e-6);
});

test("new views turn about the person's vertical axis, tilted by the camera elevation: points on it stay, inverse undoes", async () => {
  await initBackend({ quiet: true });
  const e = (12 * Math.PI) / 180;
  const m = new SelfSupLifter({ ...TINY, critic: false, elevationDeg: 12 }, 1);
  // The world's up direction in a camera pitched down by e (y down, z forward): (0, −cos e, −sin e).
  const up = [0, -Math.cos(e), -Math.sin(e)];
  const side = [1, 0, 0]; // horizontal, perpendicular to the axis: turned by α within the person's floor plane
  const X = tf.tensor3d([[up.map((v) => 2 * v), side]]);
  const az = tf.tensor1d([Math.PI / 2]),
    none = tf.tensor1d([0]);
  const Y = m.turn(X, az, none).arraySync()[0];
  assert.ok(
    maxAbsDiff(
      Y[0],
      up.map((v) => 2 * v),
    ) < 1e-5,
    `a point on the vertical axis moved: ${Y[0]}`,
  );
  // x turned 90° about the tilted axis: Ry(90°) sends x to −z, then the tilt Rx(e) gives (0, sin e, −cos e):
  // still horizontal (perpendicular to up), now pointing away from the camera.
  assert.ok(maxAbsDiff(Y[1], [0, Math.sin(e), -Math.cos(e)]) < 1e-5, `side point: ${Y[1]}`);
  const el = tf.tensor1d([0.2]);
  const back = m.turn(m.turn(X, az, el), az, el, true);
  assert.ok(maxAbsDiff(back.dataSync(), X.dataSync()) < 1e-5);
  // Elevation 0: the camera's own y axis (rotatePoses).
  const flat = new SelfSupLifter({ ...TINY, critic: false, elevationDeg: 0 }, 1);
  assert.ok(maxAbsDiff(flat.turn(X, az, el).dataSync(), rotatePoses(X, az, el).dataSync()) < 1e-6);
  m.dispose();
  flat.dispose();
});

test("camera elevation: a camera pitched θ below the horizon reads θ; the mean of several", () => {
  // Camera-to-world rotation about world x by φ = −(90° + θ) sends the optical axis (0, 0, 1) to (0, cos θ, −sin θ).
  const cam = (deg: number) => {
    const phi = -((90 + deg) * Math.PI) / 180;
    return { orientation: [Math.cos(phi / 2), Math.sin(phi / 2), 0, 0] as const, translationMm: [0, 0, 1500] as const };
  };
  assert.ok(Math.abs(cameraElevationDeg([cam(10)]) - 10) < 1e-9);
  assert.ok(Math.abs(cameraElevationDeg([cam(10), cam(16), cam(-2)]) - 8) < 1e-9);
  assert.throws(() => cameraElevationDeg([]), /no cameras/);
});

test("projection: c·(x, y)/(c + z); 2D normalization: root-centred, RMS distance 1", async () => {
  await initBackend({ quiet: true });
  const P = projectPoses(
    tf.tensor3d([
      [
        [1, 2, 10],
        [3, -4, 0],
      ],
    ]),
    10,
  ).dataSync();
  assert.ok(maxAbsDiff(P, [0.5, 1, 3, -4]) < 1e-6);
  const pts = Array.from({ length: NUM_JOINTS }, (_, j) => [100 + (j === 0 ? 0 : 3), 50 + (j === 0 ? 0 : 4)]);
  const { p, scale } = normalize2d(tf.tensor3d([pts]));
  // Every non-root joint is 5 px from the root: RMS over the 16 = 5; normalized offsets (0.6, 0.8).
  assert.ok(Math.abs(scale.dataSync()[0] - 5) < 1e-4);
  assert.ok(maxAbsDiff(p.dataSync().slice(2, 4), [0.6, 0.8]) < 1e-5);
});

test("priors: 0 for a symmetric pose; a longer left femur gives the hand-computed symmetry term", async () => {
  await initBackend({ quiet: true });
  // A pose whose every bone has length 1: each joint 1 below its parent (y) — degenerate but symmetric.
  const pose = new Float32Array(NUM_JOINTS * 3);
  for (let j = 0; j < NUM_JOINTS; j++) {
    const p = H36M_PARENTS[j];
    if (p >= 0) for (let d = 0; d < 3; d++) pose[j * 3 + d] = pose[p * 3 + d] + (d === 1 ? 1 : 0);
  }
  const sym = skeletonPriors(tf.tensor3d(pose, [1, NUM_JOINTS, 3]));
  assert.ok(sym.symmetry.dataSync()[0] < 1e-8 && sym.ratio.dataSync()[0] < 1e-8);
  // LKnee 1 further from LHip (femur length 2, and the subtree moves with it).
  const k = jointIndex("LKnee"),
    f = jointIndex("LFoot");
  pose[k * 3 + 1] += 1;
  pose[f * 3 + 1] += 1;
  const asym = skeletonPriors(tf.tensor3d(pose, [1, NUM_JOINTS, 3]));
  // Mean bone length 17/16; ratios: femur 2·16/17, its mirror 16/17: one pair of 6 differs by 16/17.
  const want = (16 / 17) ** 2 / 6;
  assert.ok(Math.abs(asym.symmetry.dataSync()[0] - want) < 1e-5, `${asym.symmetry.dataSync()[0]} vs ${want}`);
});

test("depth flips: the depth-mirrored ground truth counts as flipped, the ground truth does not", () => {
  const gt = new Float32Array(2 * NUM_JOINTS * 3);
  for (let i = 0; i < gt.length; i++) gt[i] = ((i * 7919) % 400) - 200;
  for (let f = 0; f < 2; f++) for (let d = 0; d < 3; d++) gt[f * NUM_JOINTS * 3 + d] = 0;
  const mirror = gt.map((v, i) => (i % 3 === 2 ? -v : v));
  assert.equal(depthFlips(gt, gt).frameShare, 0);
  assert.equal(depthFlips(mirror, gt).frameShare, 1);
  assert.ok(Object.values(depthFlips(mirror, gt).perJoint).every((v) => Number.isNaN(v) || v === 1));
  // Zero depth is equally far from both: half a flip.
  const flat = gt.map((v, i) => (i % 3 === 2 ? 0 : v));
  assert.equal(depthFlips(flat, gt).frameShare, 0.5);
});

test("each training step leaves no tensor behind", async () => {
  await initBackend({ quiet: true });
  const m = new SelfSupLifter(validateSelfSupConfig({ ...TINY }), 3);
  const x = tf.randomUniform([32, NUM_JOINTS * 2], 0, 1000, "float32", 1) as tf.Tensor2D;
  const ctx = (s: number) => ({ epoch: 0, globalStep: s, progress: 0, seed: s, values: { lr: 1e-3 } });
  for (const step of m.steps) tf.dispose(Object.values(step.run({ x }, ctx(0)))); // burn-in
  const before = tf.memory().numTensors;
  for (let s = 1; s < 3; s++) for (const step of m.steps) tf.dispose(Object.values(step.run({ x }, ctx(s))));
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    m.steps.map((s) => s.name),
    ["critic", "lifter"],
  );
  m.dispose();
  x.dispose();
});

test("trains on 2D only: the training set's 3D accessor throws, and the 2D losses fall", {
  skip: data.skip,
  timeout: 300_000,
}, async () => {
  await initBackend({ quiet: true });
  const d = experimentData({
    sources: TINY.sources,
    inputMode: "thesis",
    trainEveryNth: TINY.trainEveryNth,
    testEveryNth: TINY.testEveryNth,
    dataDir: data.dir,
  });
  const reads: string[] = [];
  const no3d = new Proxy(d.train, {
    get(target, key, recv) {
      if (key === "poses3d") throw new Error("the 3D ground truth of the training split was read");
      reads.push(String(key));
      return Reflect.get(target, key, recv);
    },
  }) as PoseSet;
  assert.throws(() => no3d.poses3d, /3D ground truth/);
  const r = await trainSelfSup(TINY, { train: no3d }, { runsDir: scratchDir("selfsup-runs"), verbose: false });
  assert.deepEqual([...new Set(reads)].sort(), ["n", "poses2d"]);
  const first = r.history[0].terms,
    last = r.history.at(-1)!.terms;
  for (const t of ["lifter.reprojection", "lifter.cycle2d"])
    assert.ok(last[t] < first[t] * 0.8, `${t}: ${first[t]} → ${last[t]}`);
  // Scored on the test split with its 3D (evaluation only): finite, scale-free errors.
  const test3d = subsample(d.test, 4);
  const { predictSelfSup } = await import("../lib/train/selfsup-run");
  const flips = depthFlips(predictSelfSup(r.model, test3d), rootCentred(test3d));
  assert.ok(flips.frameShare >= 0 && flips.frameShare <= 1);
  r.model.dispose();
});

test("run configs written before the camera elevation read as elevation 0; a half-written one is refused", () => {
  const { elevationDeg: _e, learnElevation: _l, ...old } = { ...DEFAULT_SELFSUP_CONFIG, name: "old-run" };
  const cfg = parseSelfSupConfig(JSON.parse(JSON.stringify(old)), "old/config.json");
  assert.equal(cfg.elevationDeg, 0);
  assert.equal(cfg.learnElevation, false);
  assert.ok(DEFAULT_SELFSUP_CONFIG.elevationDeg > 10 && DEFAULT_SELFSUP_CONFIG.elevationDeg < 16);
  assert.throws(() => parseSelfSupConfig({ ...old, learnElevation: true }, "half/config.json"), /elevationDeg/);
});
