/**
 * Virtual cameras (lib/data/virtual-camera.ts): hand-placed cameras against coordinates derived
 * here, rigidity, the inverse of the H36M capture, and the augmented batches of a lifter run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { captureViews } from "../lib/data/capture";
import type { PoseSet } from "../lib/data/dataset";
import { computeStats, denormalize3d, normalize } from "../lib/data/preprocess";
import {
  DEFAULT_VIRTUAL_CAMERAS,
  drawVirtualCamera,
  type VirtualCamera,
  viewThrough,
  virtualViews,
  worldPoseOf,
} from "../lib/data/virtual-camera";
import { mulberry32 } from "../lib/core/rng";
import { H36M_INTRINSICS, h36mCameras } from "../lib/pose/camera";
import { BONES, NUM_JOINTS, ROOT } from "../lib/pose/skeleton";
import { liftBatches, trainRun } from "../lib/train/lifter-run";
import { scratchDir } from "./helpers";
import { parseConfig } from "../lib/train/config";
import { presetConfig } from "../lib/train/presets";

await initBackend({ quiet: true });

/** A standing pose in the world (mm, z up, floor z = 0): joints spread in x, y and z. */
function standingPose(dx = 0, lean = 0): Float32Array {
  const p = new Float32Array(NUM_JOINTS * 3);
  for (let j = 0; j < NUM_JOINTS; j++) {
    p[j * 3] = 100 * Math.sin(j * 1.3) + dx + lean * j;
    p[j * 3 + 1] = 120 * Math.cos(j * 0.7);
    p[j * 3 + 2] = 950 + 40 * j - (j % 4) * 180;
  }
  return p;
}

/** Poses seen by the 4 cameras of S1 as a PoseSet (sample = camera × pose). */
function capturedSet(worlds: Float32Array[]): PoseSet {
  const cams = h36mCameras("S1");
  const n = worlds.length * cams.length;
  const set: PoseSet = {
    n,
    poses3d: new Float32Array(n * NUM_JOINTS * 3),
    poses2d: new Float32Array(n * NUM_JOINTS * 2),
    visible: new Uint8Array(n * NUM_JOINTS),
    action: new Int32Array(n),
    actions: ["standing"],
    sourceAction: new Int32Array(n),
    sourceActions: ["standing"],
    subject: new Int32Array(n),
    subjects: ["fixture"],
    camera: new Int8Array(n),
    rig: new Int32Array(n),
    rigs: ["S1"],
    sequence: new Int32Array(n),
    sequences: ["fixture"],
    frame: new Int32Array(n),
  };
  worlds.forEach((w, f) => {
    captureViews(w, cams).forEach((v, c) => {
      const i = f * cams.length + c;
      set.poses3d.set(v.poses3dCamMm, i * NUM_JOINTS * 3);
      set.poses2d.set(v.poses2dPx, i * NUM_JOINTS * 2);
      set.visible.set(v.visible, i * NUM_JOINTS);
      set.camera[i] = c;
      set.frame[i] = f;
    });
  });
  return set;
}

const fixedCamera = (over: Partial<VirtualCamera>): VirtualCamera => ({
  azimuthDeg: 0,
  elevationDeg: 0,
  distanceMm: 5000,
  offAxisDeg: [0, 0],
  intrinsics: H36M_INTRINSICS[0],
  ...over,
});

function view(world: ArrayLike<number>, cam: VirtualCamera) {
  const out = {
    poses3d: new Float32Array(NUM_JOINTS * 3),
    poses2d: new Float32Array(NUM_JOINTS * 2),
    visible: new Uint8Array(NUM_JOINTS),
    at: 0,
  };
  viewThrough(world, cam, out);
  return out;
}

/** A world pose with the root at r and one joint at r + w. */
function withJoint(w: [number, number, number]): Float64Array {
  const p = new Float64Array(NUM_JOINTS * 3);
  const r = [200, -300, 900];
  for (let j = 0; j < NUM_JOINTS; j++) for (let k = 0; k < 3; k++) p[j * 3 + k] = r[k];
  for (let k = 0; k < 3; k++) p[3 + k] = r[k] + w[k];
  return p;
}

test("a level camera at azimuth 0 sees world up as −y, world +y as −x, world +x as depth (x right, y down, z forward)", () => {
  const cases: [[number, number, number], [number, number, number]][] = [
    [
      [0, 0, 400],
      [0, -400, 5000],
    ],
    [
      [0, 1000, 0],
      [-1000, 0, 5000],
    ],
    [
      [500, 0, 0],
      [0, 0, 5500],
    ],
  ];
  for (const [w, expected] of cases) {
    const v = view(withJoint(w), fixedCamera({}));
    for (let k = 0; k < 3; k++)
      assert.ok(
        Math.abs(v.poses3d[3 + k] - expected[k]) < 1e-3,
        `joint at ${w}: ${Array.from(v.poses3d.subarray(3, 6))}`,
      );
    for (let k = 0; k < 3; k++)
      assert.ok(Math.abs(v.poses3d[ROOT * 3 + k] - [0, 0, 5000][k]) < 1e-3, "root on the optical axis at 5 m");
  }
  // Azimuth 90°: forward (0, 1, 0), down (0, 0, −1), right = down × forward = (1, 0, 0): world +x is to the right.
  const az = view(withJoint([700, 0, 0]), fixedCamera({ azimuthDeg: 90 }));
  assert.ok(
    Math.abs(az.poses3d[3] - 700) < 1e-3 && Math.abs(az.poses3d[5] - 5000) < 1e-3,
    `azimuth 90°: ${Array.from(az.poses3d.subarray(3, 6))}`,
  );
});

test("a camera looking down by e sees a point h above the root at (0, −h cos e, d − h sin e)", () => {
  for (const e of [10, 30]) {
    const h = 600,
      rad = (e * Math.PI) / 180;
    const v = view(withJoint([0, 0, h]), fixedCamera({ elevationDeg: e }));
    const expected = [0, -h * Math.cos(rad), 5000 - h * Math.sin(rad)];
    for (let k = 0; k < 3; k++)
      assert.ok(
        Math.abs(v.poses3d[3 + k] - expected[k]) < 1e-3,
        `e ${e}: ${Array.from(v.poses3d.subarray(3, 6))} vs ${expected}`,
      );
  }
  // Off-axis: the root's ray has direction (tan θx, tan θy, 1).
  const off = view(withJoint([0, 0, 0]), fixedCamera({ offAxisDeg: [8, -5] }));
  assert.ok(Math.abs(off.poses3d[0] / off.poses3d[2] - Math.tan((8 * Math.PI) / 180)) < 1e-6);
  assert.ok(Math.abs(off.poses3d[1] / off.poses3d[2] - Math.tan((-5 * Math.PI) / 180)) < 1e-6);
});

test("drawn cameras stay in their ranges, keep bone lengths, put the person in the image, and repeat with the seed", () => {
  const world = standingPose();
  const r1 = mulberry32(5),
    r2 = mulberry32(5);
  let inside = 0;
  for (let t = 0; t < 200; t++) {
    const c = drawVirtualCamera(r1),
      c2 = drawVirtualCamera(r2);
    assert.deepEqual(c, c2, "same seed, same camera");
    const R = DEFAULT_VIRTUAL_CAMERAS;
    assert.ok(c.azimuthDeg >= R.azimuthDeg[0] && c.azimuthDeg <= R.azimuthDeg[1]);
    assert.ok(c.elevationDeg >= R.elevationDeg[0] && c.elevationDeg <= R.elevationDeg[1]);
    assert.ok(c.distanceMm >= R.distanceMm[0] && c.distanceMm <= R.distanceMm[1]);
    const k =
      c.intrinsics.focalLengthPx[0] /
      H36M_INTRINSICS.find((i) => c.intrinsics.id === `virtual(${i.id})`)!.focalLengthPx[0];
    assert.ok(k >= R.focalScale[0] - 1e-9 && k <= R.focalScale[1] + 1e-9, `focal scale ${k}`);
    const v = view(world, c);
    for (const [a, b] of BONES) {
      const len = (p: ArrayLike<number>) =>
        Math.hypot(p[a * 3] - p[b * 3], p[a * 3 + 1] - p[b * 3 + 1], p[a * 3 + 2] - p[b * 3 + 2]);
      assert.ok(Math.abs(len(v.poses3d) - len(world)) < 1e-2, "rigid: bone lengths kept");
    }
    inside += v.visible.reduce((s, x) => s + x, 0) / NUM_JOINTS;
  }
  assert.ok(inside / 200 > 0.95, `most joints project inside the image (${((100 * inside) / 200).toFixed(1)} %)`);
});

test("worldPoseOf undoes the H36M capture, and virtualViews replaces poses but keeps labels", () => {
  const worlds = [standingPose(0), standingPose(300, 10)];
  const set = capturedSet(worlds);
  for (let i = 0; i < set.n; i++) {
    const w = worldPoseOf(set, i),
      truth = worlds[set.frame[i]];
    for (let k = 0; k < w.length; k++)
      assert.ok(Math.abs(w[k] - truth[k]) < 0.05, `sample ${i} value ${k}: ${w[k]} vs ${truth[k]}`);
  }
  const idx = [1, 6, 6];
  const v = virtualViews(set, idx, mulberry32(9));
  assert.equal(v.n, 3);
  assert.deepEqual(Array.from(v.frame), [0, 1, 1]);
  assert.deepEqual(Array.from(v.camera), [1, 2, 2]);
  // Two draws for the same sample give two different views of the same pose.
  assert.notDeepEqual(v.poses2d.subarray(NUM_JOINTS * 2, NUM_JOINTS * 4), v.poses2d.subarray(NUM_JOINTS * 4));
  assert.throws(
    () => worldPoseOf({ ...set, camera: Int8Array.from(set.camera, () => 7) }, 0),
    /names camera 7 of rig S1/,
  );
});

test("lifter batches: share 0 leaves every row, share 1 replaces every row with a normalized virtual view, seeded", () => {
  const worlds = Array.from({ length: 8 }, (_, f) => standingPose(f * 50, f));
  const set = capturedSet(worlds);
  const stats = computeStats(set, "martinez");
  const base = normalize(set, stats);
  const idx = Int32Array.from([0, 5, 9, 31]);
  const n0 = tf.memory().numTensors;
  const rows = (src: ReturnType<typeof liftBatches>, seed: number) => {
    const b = src.batch(idx, seed);
    const r = { x: b.x.dataSync().slice(), y: b.y.dataSync().slice() };
    tf.dispose([b.x, b.y]);
    return r;
  };
  const plain = rows(liftBatches(base, { share: 0, set, stats }), 3);
  const expectX = Float32Array.from(
    Array.from(idx).flatMap((i) => Array.from(base.x.subarray(i * base.dimIn, (i + 1) * base.dimIn))),
  );
  assert.deepEqual(plain.x, expectX, "share 0: the normalized rows");
  const all = liftBatches(base, { share: 1, set, stats });
  const a = rows(all, 3),
    b = rows(all, 3),
    c = rows(all, 4);
  assert.deepEqual(a, b, "same batch seed, same views");
  assert.notDeepEqual(a.x, c.x, "another seed, other views");
  for (let k = 0; k < idx.length; k++)
    assert.notDeepEqual(
      a.x.subarray(k * base.dimIn, (k + 1) * base.dimIn),
      expectX.subarray(k * base.dimIn, (k + 1) * base.dimIn),
    );
  // The targets are the same poses, turned: bone lengths (mm, after denormalizing) equal the originals'.
  const pred = denormalize3d(a.y, stats);
  for (let k = 0; k < idx.length; k++) {
    const world = worlds[set.frame[idx[k]]];
    for (const [p, q] of BONES) {
      const len = (arr: ArrayLike<number>, o: number) =>
        Math.hypot(
          arr[o + p * 3] - arr[o + q * 3],
          arr[o + p * 3 + 1] - arr[o + q * 3 + 1],
          arr[o + p * 3 + 2] - arr[o + q * 3 + 2],
        );
      assert.ok(Math.abs(len(pred, k * NUM_JOINTS * 3) - len(world, 0)) < 0.05, `row ${k} bone ${p}-${q}`);
    }
  }
  assert.equal(tf.memory().numTensors, n0, "no tensors leak");
  assert.throws(
    () => liftBatches(base, { share: 1, set: { ...set, n: 3 }, stats }),
    /virtual cameras' set has 3 samples/,
  );
});

test("config: virtualCameras is a share in [0, 1]; a run asking for it without the training set is refused", async () => {
  const cfg = presetConfig("baseline");
  assert.equal(parseConfig({ ...cfg, virtualCameras: 0.5 }, "test config").virtualCameras, 0.5);
  assert.throws(() => parseConfig({ ...cfg, virtualCameras: 1.5 }, "test config"), /virtualCameras/);
  assert.throws(() => parseConfig({ ...cfg, virtualCameras: "half" }, "test config"), /virtualCameras/);
  const set = capturedSet([standingPose()]);
  const stats = computeStats(set, "martinez");
  const x = normalize(set, stats);
  await assert.rejects(
    trainRun(
      { ...cfg, name: "virtual-no-set", virtualCameras: 0.5, epochs: 1 },
      { train: x, val: { x, set }, stats },
      { runsDir: scratchDir("virtual-camera-runs"), verbose: false },
    ),
    /virtualCameras = 0.5 needs the training set/,
  );
});
