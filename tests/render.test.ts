/**
 * The image modality (lib/data/render.ts): determinism, joints on drawn limbs, sides, occlusion, errors.
 * Every assert.ok carries a message: a failing one without it (node then rebuilds the message from the
 * source) hung this file's run for minutes under tsx.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { captureMocap, loadMocap, type PoseSet } from "../lib/data/dataset";
import { applyCrop, partIndex, RENDER_PARTS, renderBatch, renderPose } from "../lib/data/render";
import { H36M_INTRINSICS, projectToImage } from "../lib/pose/camera";
import { type H36M_JOINTS, jointIndex, NUM_JOINTS } from "../lib/pose/skeleton";
import { mulberry32, sampleIndices } from "../lib/core/rng";
import { maxAbsDiff, mocapDataDir } from "./helpers";

const data = mocapDataDir();
const skip = data.skip;

let cached: PoseSet | undefined;
/** Real poses: a few CMU and Bandai sequences seen by the 4 cameras of their rigs. */
function realSet(): PoseSet {
  cached ??= captureMocap(
    loadMocap({
      dir: data.dir,
      filter: (f) => /\/(02_01|05_01|13_1[0-9])\.bvh$|dataset-1_(walk|dance|kick)_normal_001/.test(f),
    }),
    "train",
    { everyNth: 5, ignoreSplits: true },
  );
  return cached;
}

/** Pixel (col, row) of image b as [r, g, b]. */
function pixel(images: Float32Array, size: number, b: number, col: number, row: number): number[] {
  const q = ((b * size + row) * size + col) * 3;
  return [images[q], images[q + 1], images[q + 2]];
}

/** A person 4 m in front of the camera, facing it (camera axes: x right, y down, z forward), arms down. */
function standingPose(): Float64Array {
  const p = new Float64Array(NUM_JOINTS * 3);
  const set = (name: (typeof H36M_JOINTS)[number], x: number, y: number, z = 4000) =>
    p.set([x, y, z], jointIndex(name) * 3);
  set("Hip", 0, 100);
  set("Spine", 0, -150);
  set("Thorax", 0, -400);
  set("Neck/Nose", 0, -520);
  set("Head", 0, -630);
  // Facing the camera: the person's right is on the image's left (−x).
  set("RHip", -120, 100);
  set("RKnee", -130, 550);
  set("RFoot", -130, 950);
  set("LHip", 120, 100);
  set("LKnee", 130, 550);
  set("LFoot", 130, 950);
  set("RShoulder", -180, -400);
  set("RElbow", -230, -120);
  set("RWrist", -250, 130);
  set("LShoulder", 180, -400);
  set("LElbow", 230, -120);
  set("LWrist", 250, 130);
  return p;
}

test("deterministic for a seed; different seeds give different images and crops", { skip }, () => {
  const set = realSet();
  const idx = sampleIndices(set.n, 24, mulberry32(3));
  const a = renderBatch(set, idx, {}, 7),
    b = renderBatch(set, idx, {}, 7),
    c = renderBatch(set, idx, {}, 8);
  assert.equal(a.images.length, 24 * 64 * 64 * 3);
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.crops, b.crops);
  let diff = 0;
  for (let i = 0; i < a.images.length; i++) diff += Math.abs(a.images[i] - c.images[i]);
  assert.ok(diff / a.images.length > 0.05, `seeds 7 and 8 differ by only ${diff / a.images.length} per value`);
  assert.ok(
    a.crops.some((cr, i) => cr.x0Px !== c.crops[i].x0Px),
    "the crop jitter does not depend on the seed",
  );
  // A sample looks the same in any batch (its look depends on the seed and its index in the set).
  const single = renderBatch(set, [idx[5]], {}, 7);
  assert.deepEqual(single.images, a.images.subarray(5 * 64 * 64 * 3, 6 * 64 * 64 * 3));
  // renderPose gives the same image as renderBatch for that sample.
  const i = idx[5];
  const one = renderPose(set.poses3d.subarray(i * 51, (i + 1) * 51), set.camera[i], {}, 7, i);
  assert.deepEqual(one.images, single.images);
  // Ranges: signed in [−1, 1], unit in [0, 1], and unit = (signed + 1) / 2.
  const u = renderBatch(set, idx, { range: "unit" }, 7);
  assert.ok(a.images.every((v) => v >= -1 && v <= 1) && u.images.every((v) => v >= 0 && v <= 1), "values out of range");
  assert.ok(
    maxAbsDiff(
      u.images,
      a.images.map((v) => (v + 1) / 2),
    ) < 1e-6,
    "unit ≠ (signed + 1) / 2",
  );
});

test("the camera's projection of the joints, through the returned crop, lands on drawn limbs (300 real poses)", {
  skip,
}, () => {
  const set = realSet();
  for (const size of [64, 128]) {
    const idx = sampleIndices(set.n, 300, mulberry32(size));
    const opts = { size, labels: true };
    const { images, crops, labels } = renderBatch(set, idx, opts, 11);
    const bg = renderBatch(set, idx, { ...opts, person: false }, 11).images;
    let visible = 0,
      onLimb = 0,
      inCrop = 0;
    for (let b = 0; b < idx.length; b++) {
      const i = idx[b];
      // Projected independently of the renderer: camera-space pose → distorted projection → crop.
      const uv = projectToImage(set.poses3d.subarray(i * 51, (i + 1) * 51), H36M_INTRINSICS[set.camera[i]]);
      assert.ok(maxAbsDiff(uv, set.poses2d.subarray(i * 34, (i + 1) * 34)) < 1e-2, `sample ${i}: projection ≠ poses2d`);
      const out = applyCrop(uv, crops[b]);
      for (let j = 0; j < NUM_JOINTS; j++) {
        if (!set.visible[i * NUM_JOINTS + j]) continue;
        visible++;
        const col = Math.floor(out[j * 2]),
          row = Math.floor(out[j * 2 + 1]);
        if (col < 0 || row < 0 || col >= size || row >= size) continue;
        inCrop++;
        const drawn = pixel(images, size, b, col, row),
          back = pixel(bg, size, b, col, row);
        const differs = Math.max(...drawn.map((v, c) => Math.abs(v - back[c]))) > 0.05;
        if (differs && labels![(b * size + row) * size + col] >= 0) onLimb++;
      }
    }
    assert.equal(inCrop, visible, `${size} px: ${visible - inCrop} visible joints fall outside the crop`);
    assert.ok(onLimb / visible > 0.99, `${size} px: only ${onLimb} of ${visible} projected joints are on drawn limbs`);
  }
});

test("with no jitter the crop is the square box around the joints with the margin, centred", { skip }, () => {
  const set = realSet();
  const idx = sampleIndices(set.n, 20, mulberry32(5));
  const marginFrac = 0.2,
    size = 96;
  const { crops } = renderBatch(set, idx, { size, marginFrac, jitterPx: 0, jitterScale: 0 }, 1);
  for (let b = 0; b < idx.length; b++) {
    const i = idx[b];
    const out = applyCrop(set.poses2d.subarray(i * 34, (i + 1) * 34), crops[b]);
    const xs = Array.from({ length: NUM_JOINTS }, (_, j) => out[j * 2]),
      ys = Array.from({ length: NUM_JOINTS }, (_, j) => out[j * 2 + 1]);
    const w = Math.max(...xs) - Math.min(...xs),
      h = Math.max(...ys) - Math.min(...ys);
    // The largest extent spans size / (1 + 2·margin) output pixels, and the box is centred.
    assert.ok(Math.abs(Math.max(w, h) - size / (1 + 2 * marginFrac)) < 0.05, `sample ${i}: extent ${Math.max(w, h)}`);
    assert.ok(Math.abs((Math.max(...xs) + Math.min(...xs)) / 2 - size / 2) < 0.05, `sample ${i}: not centred in x`);
    assert.ok(Math.abs((Math.max(...ys) + Math.min(...ys)) / 2 - size / 2) < 0.05, `sample ${i}: not centred in y`);
  }
});

test("left and right limbs have different colours: blues on the left wrist, reds on the right", { skip }, () => {
  const set = realSet();
  const idx = sampleIndices(set.n, 300, mulberry32(9));
  const size = 64;
  const { images, crops, labels } = renderBatch(set, idx, { size, labels: true, range: "unit" }, 4);
  const sides = {
    LWrist: { part: partIndex("lForearm"), own: 0, blue: 0 },
    RWrist: { part: partIndex("rForearm"), own: 0, blue: 0 },
  };
  let both = 0,
    bothDiffer = 0;
  for (let b = 0; b < idx.length; b++) {
    const i = idx[b];
    const out = applyCrop(
      projectToImage(set.poses3d.subarray(i * 51, (i + 1) * 51), H36M_INTRINSICS[set.camera[i]]),
      crops[b],
    );
    const seen: number[][] = [];
    for (const [name, s] of Object.entries(sides)) {
      const j = jointIndex(name as "LWrist" | "RWrist");
      const col = Math.floor(out[j * 2]),
        row = Math.floor(out[j * 2 + 1]);
      if (labels![(b * size + row) * size + col] !== s.part) continue; // the wrist is hidden behind something else
      s.own++;
      const [r, , bl] = pixel(images, size, b, col, row);
      if (bl > r) s.blue++;
      seen.push(pixel(images, size, b, col, row));
    }
    if (seen.length === 2) {
      both++;
      if (Math.max(...seen[0].map((v, c) => Math.abs(v - seen[1][c]))) > 0.2) bothDiffer++;
    }
  }
  // Most wrists are in view; every left one is blue (b > r), every right one red (r > b).
  assert.ok(
    sides.LWrist.own > 150 && sides.RWrist.own > 150,
    `wrists in view: L ${sides.LWrist.own}, R ${sides.RWrist.own}`,
  );
  assert.equal(sides.LWrist.blue, sides.LWrist.own, "a left wrist is not blue");
  assert.equal(sides.RWrist.blue, 0, "a right wrist is blue");
  assert.equal(bothDiffer, both, `${both - bothDiffer} of ${both} images have both wrists in nearly the same colour`);
});

test("occlusion: a forearm in front of the torso covers it, the same forearm behind it is hidden", () => {
  const size = 128,
    opts = { size, labels: true, jitterPx: 0, jitterScale: 0, background: "solid" as const, noise: 0 };
  const render = (wristZ: number, elbowZ: number) => {
    const p = standingPose();
    // The right forearm crosses the body: the wrist on the optical axis (projects to the principal point at any depth).
    p.set([-230, -120, elbowZ], jointIndex("RElbow") * 3);
    p.set([0, -100, wristZ], jointIndex("RWrist") * 3);
    const r = renderPose(p, 0, opts, 1);
    const uv = applyCrop(projectToImage(p, H36M_INTRINSICS[0]), r.crops[0]);
    // A point on the forearm a little before the wrist, over the belly.
    const j = jointIndex("RWrist"),
      e = jointIndex("RElbow");
    const col = Math.floor(uv[j * 2] + 0.15 * (uv[e * 2] - uv[j * 2])),
      row = Math.floor(uv[j * 2 + 1] + 0.15 * (uv[e * 2 + 1] - uv[j * 2 + 1]));
    return { label: r.labels![row * size + col], colour: pixel(r.images, size, 0, col, row) };
  };
  const front = render(3600, 3800),
    behind = render(4400, 4200);
  assert.equal(RENDER_PARTS[front.label].name, "rForearm");
  assert.ok(
    front.colour[0] > front.colour[1] && front.colour[0] > front.colour[2],
    `front: expected a red forearm, got ${front.colour}`,
  );
  assert.equal(
    RENDER_PARTS[behind.label].group,
    "torso",
    `behind: expected the torso, got ${RENDER_PARTS[behind.label].name}`,
  );
  assert.ok(
    behind.colour[1] > behind.colour[0] && behind.colour[1] > behind.colour[2],
    `behind: expected the green torso, got ${behind.colour}`,
  );
});

test("a hand-built pose facing the camera has its right arm on the image's left, drawn in red", () => {
  const size = 64,
    p = standingPose();
  const r = renderPose(p, 2, { size, labels: true, range: "unit", noise: 0 }, 3);
  const uv = applyCrop(projectToImage(p, H36M_INTRINSICS[2]), r.crops[0]);
  const at = (name: "LElbow" | "RElbow") => {
    const j = jointIndex(name),
      col = Math.floor(uv[j * 2]),
      row = Math.floor(uv[j * 2 + 1]);
    return { col, label: RENDER_PARTS[r.labels![row * size + col]].group, rgb: pixel(r.images, size, 0, col, row) };
  };
  const L = at("LElbow"),
    R = at("RElbow");
  assert.ok(R.col < size / 2 && L.col > size / 2, `RElbow at column ${R.col}, LElbow at ${L.col}`);
  assert.equal(R.label, "rightArm");
  assert.equal(L.label, "leftArm");
  assert.ok(R.rgb[0] > R.rgb[2] && L.rgb[2] > L.rgb[0], `R ${R.rgb}, L ${L.rgb}`);
});

test("the nose shows on a person facing the camera and hides on the same person turned around", () => {
  const size = 96,
    opts = { size, labels: true, jitterPx: 0, jitterScale: 0 };
  const front = standingPose();
  // Turned 180° about the vertical through the pelvis: x → −x, z → 8000 − z (the left side now on the image's left).
  const back = Float64Array.from(front, (v, k) => (k % 3 === 0 ? -v : k % 3 === 2 ? 8000 - v : v));
  const count = (p: Float64Array, group: string) => {
    const { labels } = renderPose(p, 1, opts, 2);
    return labels!.filter((l) => l >= 0 && RENDER_PARTS[l].group === group).length;
  };
  const frontNose = count(front, "face"),
    backNose = count(back, "face"),
    frontHead = count(front, "head"),
    backHead = count(back, "head");
  assert.ok(frontNose > 3, `front: ${frontNose} nose pixels`);
  assert.equal(backNose, 0, `back: ${backNose} nose pixels`);
  // The nose hides part of the head from the front only.
  assert.equal(
    backHead,
    frontHead + frontNose,
    `head pixels: front ${frontHead} + nose ${frontNose} vs back ${backHead}`,
  );
});

test("bad input errors name the field", () => {
  const p = standingPose();
  assert.throws(() => renderPose(p.subarray(0, 48), 0), /poseCamMm: expected 17 joints × 3 = 51 values .*got 48/);
  const nan = Float64Array.from(p);
  nan[jointIndex("LWrist") * 3 + 1] = NaN;
  assert.throws(() => renderPose(nan, 0), /poseCamMm joint LWrist \(13\): coordinate y is NaN/);
  const behind = Float64Array.from(p);
  behind[jointIndex("Head") * 3 + 2] = -10;
  assert.throws(() => renderPose(behind, 0), /joint Head .*Z = -10 mm/);
  assert.throws(() => renderPose(p, 0, { size: 8 }), /opts\.size: expected an integer .*16–512, got 8/);
  assert.throws(() => renderPose(p, 0, { size: 64.5 }), /opts\.size/);
  assert.throws(() => renderPose(p, 0, { marginFrac: -1 }), /opts\.marginFrac/);
  assert.throws(() => renderPose(p, 0, { range: "bytes" as "unit" }), /opts\.range/);
  assert.throws(() => renderPose(p, 0, { colour: true } as object), /unknown option "colour"/);
  assert.throws(() => renderPose(p, 7), /camera: expected an H36M camera index 0–3, got 7/);
  const set = { n: 2, poses3d: new Float32Array([...p, ...p]), camera: new Int8Array([0, 1]) };
  assert.throws(() => renderBatch(set, [0, 2]), /indices\[1\]: expected an integer sample index in 0–1, got 2/);
  assert.throws(
    () => renderBatch({ ...set, poses3d: new Float32Array(50) }, [0]),
    /set\.poses3d: expected \[n=2, 17, 3\]/,
  );
  assert.throws(() => renderBatch({ ...set, camera: new Int8Array([0, 9]) }, [1]), /set\.camera\[1\]/);
  const bad = Float32Array.from(set.poses3d);
  bad[51 + jointIndex("RFoot") * 3] = Infinity;
  assert.throws(() => renderBatch({ ...set, poses3d: bad }, [0, 1]), /set\.poses3d sample 1 joint RFoot .*Infinity/);
});
