/**
 * In the wild, from keypoints to 3D: the COCO-17 input derived from mocap through the cameras, training-time
 * joint dropout and 2D noise, the missing-joints evaluation on a tiny trained lifter, and the lift-images CLI
 * on a folder with two real photos, a corrupt JPEG and a text file.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { mulberry32 } from "../lib/core/rng";
import {
  COCO_BODY,
  COCO_FROM_H36M,
  COCO_INPUT_DIM,
  cocoFeatures,
  cocoKeypointsFromPoseSet,
  corruptKeypoints,
  dropKeypoints,
  keypointsFromDetection,
  NUM_COCO,
} from "../lib/data/coco-input";
import type { PoseSet } from "../lib/data/dataset";
import { missingJointsTable } from "../lib/eval/missing-joints";
import { H36M_INTRINSICS } from "../lib/pose/camera";
import { COCO_KEYPOINTS, cocoIndex, jointIndex, NUM_JOINTS } from "../lib/pose/skeleton";
import {
  DEFAULT_WILD_CONFIG,
  loadWildRun,
  trainWildRun,
  type WildLiftConfig,
  type WildRun,
  wildBatches,
  wildData,
} from "../lib/train/wild-run";
import { compareWithBlazePose, liftKeypoints } from "../lib/wild/lift";
import { BLAZEPOSE_LANDMARKS } from "../lib/wild/landmarks";
import { humanModelsDir } from "../lib/wild/models";
import { mocapDataDir, scratchDir } from "./helpers";

const data = mocapDataDir();

/** A one-sample PoseSet holding a given camera-space pose, seen by camera `camera`. */
function oneSampleSet(poses3d: number[], camera: number): PoseSet {
  return {
    n: 1,
    poses3d: Float32Array.from(poses3d),
    poses2d: new Float32Array(NUM_JOINTS * 2),
    visible: new Uint8Array(NUM_JOINTS).fill(1),
    action: new Int32Array(1),
    actions: ["a"],
    sourceAction: new Int32Array(1),
    sourceActions: ["a"],
    subject: new Int32Array(1),
    subjects: ["S1"],
    camera: Int8Array.of(camera),
    rig: new Int32Array(1),
    rigs: ["S1"],
    sequence: new Int32Array(1),
    sequences: ["s"],
    frame: new Int32Array(1),
  };
}

/** A tiny lifter that still learns (val P1 ≈ 100 mm after 8 epochs on 494 samples, about 5 s). */
const tinyCfg: WildLiftConfig = {
  ...DEFAULT_WILD_CONFIG,
  name: "wild-tiny",
  sources: ["cmu"],
  trainEveryNth: 20,
  testEveryNth: 40,
  hidden: 128,
  layers: 2,
  latentDim: 16,
  epochs: 8,
  batchSize: 64,
  lr: 3e-3,
};

test("COCO keypoints from 3D joints: hand-computed projections, the correspondence, eyes and ears missing", () => {
  const cam = H36M_INTRINSICS[1];
  const pose = new Array(NUM_JOINTS * 3).fill(0);
  for (let j = 0; j < NUM_JOINTS; j++) pose[j * 3 + 2] = 4000; // every joint on the optical axis …
  // … except LWrist at (400, −200, 4000) mm: x = 0.1, y = −0.05 before distortion.
  pose[jointIndex("LWrist") * 3] = 400;
  pose[jointIndex("LWrist") * 3 + 1] = -200;
  const kp = cocoKeypointsFromPoseSet(oneSampleSet(pose, 1));
  // On the optical axis a point lands on the principal point, whatever the distortion.
  const nose = cocoIndex("nose");
  assert.ok(
    Math.abs(kp.xy[nose * 2] - cam.centerPx[0]) < 1e-3 && Math.abs(kp.xy[nose * 2 + 1] - cam.centerPx[1]) < 1e-3,
  );
  // By hand, camera 55011271: r² = 0.0125; radial = 1 + k1 r² + k2 r⁴ + k3 r⁶; tan = p1 x + p2 y;
  // u = fx (x (radial + tan) + p1 r²) + cx, v = fy (y (radial + tan) + p2 r²) + cy.
  const r2 = 0.0125;
  const radial = 1 + -0.1942136287689209 * r2 + 0.2404085397720337 * r2 ** 2 + 0.006819975562393665 * r2 ** 3;
  const tan = -0.0016190266469493508 * 0.1 + -0.0027408944442868233 * -0.05;
  const u = 1149.6756591796875 * (0.1 * (radial + tan) + -0.0016190266469493508 * r2) + 508.8486328125;
  const v = 1147.5916748046875 * (-0.05 * (radial + tan) + -0.0027408944442868233 * r2) + 508.0649108886719;
  const lw = cocoIndex("left_wrist");
  assert.ok(Math.abs(kp.xy[lw * 2] - u) < 1e-2, `left_wrist u ${kp.xy[lw * 2]} vs ${u}`);
  assert.ok(Math.abs(kp.xy[lw * 2 + 1] - v) < 1e-2, `left_wrist v ${kp.xy[lw * 2 + 1]} vs ${v}`);
  // By hand: radial = 0.997610, tan = −0.0000248 → u = 1149.68 · 0.099738 + 508.85, v = 1147.59 · (−0.049914) + 508.06.
  assert.ok(Math.abs(u - 623.52) < 0.01 && Math.abs(v - 450.78) < 0.01, `hand values ${u}, ${v}`);
  for (const k of ["left_eye", "right_eye", "left_ear", "right_ear"] as const)
    assert.equal(kp.mask[cocoIndex(k)], 0, k);
  assert.equal(COCO_BODY.length, 13);
  for (const k of COCO_BODY) assert.equal(kp.mask[k], 1);
  assert.equal(COCO_FROM_H36M.left_ankle, "LFoot");
});

test("COCO keypoints of real mocap equal the set's own 2D at the matching H36M joints", { skip: data.skip }, () => {
  const set = wildData(tinyCfg, data.dir).val;
  const kp = cocoKeypointsFromPoseSet(set);
  let worst = 0;
  for (let i = 0; i < set.n; i++) {
    for (const k of COCO_BODY) {
      const j = jointIndex(COCO_FROM_H36M[COCO_KEYPOINTS[k]]!);
      for (let c = 0; c < 2; c++)
        worst = Math.max(
          worst,
          Math.abs(kp.xy[(i * NUM_COCO + k) * 2 + c] - set.poses2d[(i * NUM_JOINTS + j) * 2 + c]),
        );
      assert.equal(kp.mask[i * NUM_COCO + k], set.visible[i * NUM_JOINTS + j]);
    }
  }
  assert.ok(worst < 0.05, `largest difference ${worst} px`);
});

test("features: centred on the visible keypoints, scaled by their RMS radius (hand-computed)", () => {
  const xy = new Float32Array(NUM_COCO * 2),
    mask = new Uint8Array(NUM_COCO);
  const put = (name: (typeof COCO_KEYPOINTS)[number], x: number, y: number) => {
    const k = cocoIndex(name);
    xy[k * 2] = x;
    xy[k * 2 + 1] = y;
    mask[k] = 1;
  };
  put("left_hip", 100, 100);
  put("right_hip", 106, 100);
  put("nose", 103, 104);
  xy[cocoIndex("left_knee") * 2] = 999; // missing: ignored
  const f = cocoFeatures({ n: 1, xy, mask });
  // centre (103, 101.333); squared distances 9 + 1.778, 9 + 1.778, 0 + 7.111 → mean 9.5556, radius 3.0912
  const c = [103, 304 / 3],
    s = Math.sqrt((2 * (9 + 16 / 9) + 64 / 9) / 3);
  const lh = cocoIndex("left_hip"),
    nose = cocoIndex("nose"),
    lk = cocoIndex("left_knee");
  assert.ok(Math.abs(f[lh * 2] - (100 - c[0]) / s) < 1e-5 && Math.abs(f[lh * 2 + 1] - (100 - c[1]) / s) < 1e-5);
  assert.ok(Math.abs(f[nose * 2 + 1] - (104 - c[1]) / s) < 1e-5);
  assert.equal(f[lk * 2], 0);
  assert.equal(f[NUM_COCO * 2 + lk], 0);
  assert.equal(f[NUM_COCO * 2 + lh], 1);
  assert.equal(f.length, COCO_INPUT_DIM);
  // The same keypoints moved and scaled give the same features.
  const moved = xy.map((v, i) => (i % 2 ? 3 * v - 50 : 3 * v + 20));
  const g = cocoFeatures({ n: 1, xy: moved, mask });
  for (let i = 0; i < f.length; i++)
    if (mask[i >> 1] || i >= NUM_COCO * 2) assert.ok(Math.abs(f[i] - g[i]) < 1e-4, `feature ${i}`);
  assert.throws(
    () => cocoFeatures({ n: 1, xy, mask: Uint8Array.from(mask, (m, k) => (k === nose ? m : 0)) }),
    /sample 0 has 1 visible keypoints/,
  );
});

test("detector keypoints: below the threshold, or eyes and ears, count as missing", () => {
  const kps = COCO_KEYPOINTS.map((name, i) => ({ name, x: i, y: 2 * i, score: i % 2 ? 0.44 : 0.46 }));
  const kp = keypointsFromDetection(kps, 0.45);
  COCO_KEYPOINTS.forEach((name, i) => assert.equal(kp.mask[i], COCO_FROM_H36M[name] && i % 2 === 0 ? 1 : 0, name));
  assert.throws(() => keypointsFromDetection(kps.slice(1)), /expected 17 COCO keypoints, got 16/);
});

test("joint dropout and 2D noise: the same seed gives the same corruption; counts and noise level as asked", () => {
  const n = 4000;
  const base = {
    n,
    xy: new Float32Array(n * NUM_COCO * 2).map((_, i) => (i * 37) % 500),
    mask: new Uint8Array(n * NUM_COCO),
  };
  for (let i = 0; i < n; i++) for (const k of COCO_BODY) base.mask[i * NUM_COCO + k] = 1;
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const o = { dropProb: 0.5, maxDropped: 4, noisePx: 3 };
  const a = corruptKeypoints(base, rows, o, mulberry32(11)),
    b = corruptKeypoints(base, rows, o, mulberry32(11));
  const c = corruptKeypoints(base, rows, o, mulberry32(12));
  assert.deepEqual(a.xy, b.xy);
  assert.deepEqual(a.mask, b.mask);
  assert.notDeepEqual(a.mask, c.mask);
  let dropped = 0,
    corrupted = 0,
    sq = 0,
    cnt = 0;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (const k of COCO_BODY) {
      if (!a.mask[i * NUM_COCO + k]) {
        d++;
        continue;
      }
      for (let e = 0; e < 2; e++) {
        sq += (a.xy[(i * NUM_COCO + k) * 2 + e] - base.xy[(i * NUM_COCO + k) * 2 + e]) ** 2;
        cnt++;
      }
    }
    assert.ok(d <= 4, `sample ${i} lost ${d}`);
    dropped += d;
    corrupted += d > 0 ? 1 : 0;
  }
  // Half the samples lose 1–4 keypoints (mean 2.5): about 0.5 · 2.5 = 1.25 per sample.
  assert.ok(Math.abs(corrupted / n - 0.5) < 0.03, `corrupted fraction ${corrupted / n}`);
  assert.ok(Math.abs(dropped / n - 1.25) < 0.08, `dropped per sample ${dropped / n}`);
  assert.ok(Math.abs(Math.sqrt(sq / cnt) - 3) < 0.1, `noise σ ${Math.sqrt(sq / cnt)}`);
  // Exactly k missing per sample for evaluation, and the input is left alone.
  const four = dropKeypoints(base, 4, mulberry32(1));
  for (let i = 0; i < 50; i++) assert.equal(COCO_BODY.filter((k) => !four.mask[i * NUM_COCO + k]).length, 4);
  assert.equal(COCO_BODY.filter((k) => !base.mask[k]).length, 0);
});

// ---------- a tiny trained lifter ----------

let runsRoot = "";
let run: WildRun | undefined;

before(async () => {
  await initBackend({ quiet: true });
  if (data.skip) return;
  runsRoot = scratchDir("wild-lift-runs");
  run = await trainWildRun(tinyCfg, wildData(tinyCfg, data.dir), { runsDir: runsRoot, verbose: false });
});

after(() => run?.lifter.dispose());

test("wild batches: the same seed gives the same tensors; no tensors leak", { skip: data.skip }, () => {
  const d = wildData(tinyCfg, data.dir);
  const src = wildBatches(d.train, tinyCfg);
  const idx = Int32Array.from({ length: 64 }, (_, i) => i * 3);
  const start = tf.memory().numTensors;
  const a = src.batch(idx, 5),
    b = src.batch(idx, 5),
    c = src.batch(idx, 6);
  assert.deepEqual(a.x.shape, [64, COCO_INPUT_DIM]);
  assert.deepEqual(a.x.dataSync(), b.x.dataSync());
  assert.notDeepEqual(a.x.dataSync(), c.x.dataSync());
  assert.deepEqual(a.y.dataSync(), c.y.dataSync());
  tf.dispose([a, b, c].flatMap((t) => [t.x, t.y]));
  assert.equal(tf.memory().numTensors, start);
});

test("missing joints: P1 on the test split for 0, 1, 2, 4 missing keypoints grows as joints go missing", {
  skip: data.skip,
}, () => {
  const d = wildData(tinyCfg, data.dir);
  const rows = missingJointsTable(run!.lifter, run!.stats, d.test, { seed: 3, bestOf: 3 });
  assert.deepEqual(
    rows.map((r) => r.missing),
    [0, 1, 2, 4],
  );
  for (const r of rows) {
    assert.ok(Number.isFinite(r.p1) && r.p1 > 10 && r.p1 < 1000, `P1 ${r.p1}`);
    assert.ok(r.p1BestOfN! <= r.p1 + 1e-6, `best of 3 ${r.p1BestOfN} vs ${r.p1}`);
  }
  assert.ok(rows[3].p1 > rows[0].p1, `P1 with 4 missing (${rows[3].p1}) should exceed P1 with none (${rows[0].p1})`);
  assert.ok(rows[3].p2 > rows[1].p2 && rows[1].p2 > rows[0].p2, `P2 should grow: ${rows.map((r) => r.p2.toFixed(1))}`);
  // Same seed, same table.
  assert.deepEqual(missingJointsTable(run!.lifter, run!.stats, d.test, { seed: 3, counts: [2] })[0].p1, rows[2].p1);
});

test("a run folder reloads to the same lifter; lifting one detection leaks no tensors", { skip: data.skip }, () => {
  const back = loadWildRun(run!.dir);
  try {
    const kps = COCO_KEYPOINTS.map((name, i) => ({ name, x: 300 + 10 * (i % 3), y: 100 + 40 * i, score: 0.9 }));
    const start = tf.memory().numTensors;
    const a = liftKeypoints(run!.lifter, run!.stats, kps, { confThreshold: 0.45, hypotheses: 3, seed: 1 });
    const b = liftKeypoints(back.lifter, back.stats, kps, { confThreshold: 0.45, hypotheses: 3, seed: 1 });
    assert.equal(tf.memory().numTensors, start);
    assert.deepEqual(a.pose3dMm, b.pose3dMm);
    assert.equal(a.hypothesesMm.length, 3);
    assert.equal(a.pose3dMm[jointIndex("Hip") * 3], 0);
    assert.ok(a.pose3dMm.every(Number.isFinite));
    // BlazePose-style world landmarks made from our own pose (m, same frame) agree with it up to the Thorax/
    // Neck differences: P-MPJPE is small but not zero, and a scaled copy is aligned away entirely.
    const byJoint = (name: string) => {
      const map: Record<string, string> = {
        left_shoulder: "LShoulder",
        right_shoulder: "RShoulder",
        left_elbow: "LElbow",
        right_elbow: "RElbow",
        left_wrist: "LWrist",
        right_wrist: "RWrist",
        left_hip: "LHip",
        right_hip: "RHip",
        left_knee: "LKnee",
        right_knee: "RKnee",
        left_ankle: "LFoot",
        right_ankle: "RFoot",
        nose: "Neck/Nose",
      };
      return map[name] ? jointIndex(map[name] as never) : jointIndex("Hip");
    };
    const world = BLAZEPOSE_LANDMARKS.map((name) => {
      const j = byJoint(name);
      return {
        name,
        x: (2 * a.pose3dMm[j * 3]) / 1000,
        y: (2 * a.pose3dMm[j * 3 + 1]) / 1000,
        z: (2 * a.pose3dMm[j * 3 + 2]) / 1000,
      };
    });
    const cmp = compareWithBlazePose(a.pose3dMm, world);
    assert.equal(cmp.sharedJoints.length, 15);
    assert.ok(cmp.pMpjpeMm < 40, `P-MPJPE ${cmp.pMpjpeMm}`);
  } finally {
    back.lifter.dispose();
  }
});

// ---------- the CLI ----------

function imagesDir(): string {
  const base = process.env.HPE_DATA_DIR ? path.resolve(process.env.HPE_DATA_DIR) : path.resolve("..", "shared", "data");
  return path.join(base, "images");
}
function detectorSkip(): string | false {
  if (data.skip) return data.skip;
  try {
    humanModelsDir();
  } catch (e) {
    if (process.env.CI) throw e;
    return (e as Error).message;
  }
  return fs.existsSync(imagesDir()) ? false : `no photos in ${imagesDir()}`;
}

test("lift-images: JSON per photo, a clear error for a corrupt JPEG and a text file, exit 1", {
  skip: detectorSkip(),
}, () => {
  const dir = scratchDir("wild-lift-cli");
  const imgs = path.join(dir, "in"),
    out = path.join(dir, "out");
  fs.mkdirSync(imgs);
  for (const f of ["human-standing-suit.jpg", "coco-000000000785-skier.jpg"])
    fs.copyFileSync(path.join(imagesDir(), f), path.join(imgs, f));
  fs.writeFileSync(
    path.join(imgs, "broken.jpg"),
    fs.readFileSync(path.join(imagesDir(), "human-standing-casual.jpg")).subarray(0, 3000),
  );
  fs.writeFileSync(path.join(imgs, "notes.txt"), "not a photo\n");
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/hpe.ts",
      "lift-images",
      "--images",
      imgs,
      "--out",
      out,
      "--run",
      run!.dir,
      "--hypotheses",
      "3",
    ],
    {
      encoding: "utf8",
      env: { ...process.env, HPE_RUNS_DIR: runsRoot },
    },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /broken\.jpg: not a readable image \(expected JPEG, PNG or WebP\)/);
  assert.match(r.stderr, /notes\.txt: not a readable image/);
  assert.match(r.stderr, /2 of 4 files failed/);
  for (const f of ["human-standing-suit.jpg", "coco-000000000785-skier.jpg"]) {
    const j = JSON.parse(fs.readFileSync(path.join(out, `${f}.json`), "utf8"));
    assert.ok(j.people.length >= 1, f);
    const p = j.people[0];
    assert.deepEqual(
      p.keypoints.map((k: { name: string }) => k.name),
      [...COCO_KEYPOINTS],
    );
    for (const k of p.keypoints)
      assert.ok(
        k.x >= 0 && k.x < j.width && k.y >= 0 && k.y < j.height && k.score >= 0 && k.score <= 1,
        `${f} ${k.name}`,
      );
    assert.equal(Object.keys(p.joints3dMm).length, NUM_JOINTS);
    assert.deepEqual(p.joints3dMm.Hip, [0, 0, 0]);
    assert.equal(p.hypothesesMm.length, 3);
    assert.ok(Number.isFinite(p.blazepose.pMpjpeMm) && p.blazepose.pMpjpeMm > 0);
    assert.ok(j.timingsMs.totalMs > 0 && j.timingsMs.detectMs > 0);
  }
  for (const f of ["broken.jpg", "notes.txt"]) {
    const j = JSON.parse(fs.readFileSync(path.join(out, `${f}.json`), "utf8"));
    assert.match(j.error, new RegExp(`${f.replace(".", "\\.")}: not a readable image`));
  }
  const bad = spawnSync(process.execPath, ["--import", "tsx", "scripts/hpe.ts", "lift-images", "--images", imgs], {
    encoding: "utf8",
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--out is required/);
});
