/**
 * lib/eval/hypotheses.ts on hand-made poses: 2 frames × 2 joints × 3 hypotheses, every
 * distance worked out by hand below (Pythagorean triples where possible), then a 17-joint
 * case that checks the root is left out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ambiguityCoverage,
  bestOfNCurve,
  coverage,
  hypothesisMean,
  hypothesisReport,
  hypothesisSpread,
  pearson,
} from "../lib/eval/hypotheses";
import { NUM_JOINTS } from "../lib/pose/skeleton";

const J = 2;
/** Poses [frames][joints][xyz] → flat [n, J, 3]. */
const flat = (p: number[][][]) => Float64Array.from(p.flat(2));

// Hypotheses h0, h1, h2; frame 0 then frame 1; joint 0 then joint 1.
const H = [
  flat([
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    [
      [1, 1, 1],
      [0, 0, 0],
    ],
  ]),
  flat([
    [
      [3, 4, 0],
      [0, 0, 6],
    ],
    [
      [1, 1, 1],
      [2, 0, 0],
    ],
  ]),
  flat([
    [
      [0, 0, 0],
      [0, 8, 0],
    ],
    [
      [1, 1, 1],
      [4, 0, 0],
    ],
  ]),
];
// Means by hand: f0j0 (1, 4/3, 0), f0j1 (0, 8/3, 2), f1j0 (1, 1, 1), f1j1 (2, 0, 0).
// Truth = mean + an offset: f0j0 + (0,0,3) → 3 from the mean; f0j1 + (0,0,10) → 10;
// f1j0 + (0,0,1) → 1; f1j1 + (0,2,0) → 2.
const GT = flat([
  [
    [1, 4 / 3, 3],
    [0, 8 / 3, 12],
  ],
  [
    [1, 1, 2],
    [2, 2, 0],
  ],
]);
// Pairwise distances: f0j0 {5, 0, 5} → 10/3; f0j1 {6, 8, 10} → 8; f1j0 {0, 0, 0} → 0; f1j1 {2, 4, 2} → 8/3.
const SPREAD = [10 / 3, 8, 0, 8 / 3];

const near = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-9) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("the spread is the mean pairwise distance, the mean the mean", () => {
  near(hypothesisSpread(H, J), SPREAD, "spread");
  near(hypothesisMean(H, J), [1, 4 / 3, 0, 0, 8 / 3, 2, 1, 1, 1, 2, 0, 0], "mean");
  near(hypothesisSpread([H[0]], J), [0, 0, 0, 0], "one hypothesis has no spread");
});

test("Pearson's r on a hand-computed series, and NaN without variance", () => {
  // means 2 and 13/3; Σ da·db = 5, Σ da² = 2, Σ db² = 114/9 → r = 5 / √(2 · 114/9) = 15 / √228.
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 7]) - 15 / Math.sqrt(228)) < 1e-12);
  assert.equal(pearson([1, 2, 3], [-1, -3, -5]), -1);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
});

test("coverage: within the spread, and within each radius quantile", () => {
  // Truth distances to the mean: 3, 10, 1, 2; spreads 10/3, 8, 0, 8/3 → covered: f0j0, f1j1.
  // Hypothesis distances to the mean, sorted: f0j0 [5/3, 5/3, 10/3]; f0j1 [10/3, √208/3, √292/3];
  // f1j0 [0, 0, 0]; f1j1 [0, 2, 2].
  //   q = 0.3 → 1st smallest: none covered (3 > 5/3, 10 > 10/3, 1 > 0, 2 > 0);
  //   q = 0.5 → 2nd smallest: f1j1 only (2 ≤ 2);
  //   q = 1   → the largest: f0j0 (3 ≤ 10/3) and f1j1.
  const c = coverage(H, GT, { joints: J, quantiles: [0.3, 0.5, 1] });
  assert.equal(c.withinSpread, 0.5);
  assert.deepEqual(c.quantiles, [
    { q: 0.3, coverage: 0 },
    { q: 0.5, coverage: 0.25 },
    { q: 1, coverage: 0.5 },
  ]);
  assert.throws(() => coverage(H, GT, { joints: J, quantiles: [0] }), /quantiles must be in \(0, 1\], got 0/);
});

test("best-of-N: the mean over frames of the lowest MPJPE among the first N", () => {
  // MPJPE per frame (mean over the 2 joints of the distance to the truth), by hand:
  const h0 = [(Math.hypot(1, 4 / 3, 3) + Math.hypot(8 / 3, 12)) / 2, (1 + Math.hypot(2, 2)) / 2];
  const h1 = [(Math.hypot(2, 8 / 3, 3) + Math.hypot(8 / 3, 6)) / 2, (1 + 2) / 2];
  const h2 = [(Math.hypot(1, 4 / 3, 3) + Math.hypot(16 / 3, 12)) / 2, (1 + Math.hypot(2, 2)) / 2];
  const curve = bestOfNCurve(H, GT, [3, 1, 2], J);
  assert.deepEqual(
    curve.map((c) => c.n),
    [1, 2, 3],
  );
  near(
    curve.map((c) => c.p1),
    [
      (h0[0] + h0[1]) / 2,
      (Math.min(h0[0], h1[0]) + Math.min(h0[1], h1[1])) / 2,
      (Math.min(h0[0], h1[0], h2[0]) + Math.min(h0[1], h1[1], h2[1])) / 2,
    ],
    "best-of-N",
    1e-6,
  );
  assert.throws(
    () => bestOfNCurve(H, GT, [4], J),
    /each N must be an integer in 1\.\.3 \(the hypotheses given\), got 4/,
  );
  assert.throws(() => bestOfNCurve(H, GT.subarray(3), [1], J), /expected ground truth \[n, 2, 3\], got 9 values/);
  assert.throws(() => bestOfNCurve([], GT, [1], J), /expected at least one hypothesis, got none/);
});

test("the report: spread against the prediction's error, calibration and the curve", () => {
  // A prediction whose error is 10 − spread at every joint (offset along x): r = −1 exactly.
  const err = SPREAD.map((s) => 10 - s); // 20/3, 2, 10, 22/3
  const pred = Float64Array.from(GT);
  err.forEach((e, ij) => {
    pred[ij * 3] += e;
  });
  const r = hypothesisReport(H, GT, { prediction: pred, joints: J, jointNames: ["a", "b"], quantiles: [0.5] });
  assert.equal(r.hypotheses, 3);
  assert.equal(r.frames, 2);
  assert.equal(r.spreadOf, 3);
  assert.ok(Math.abs(r.correlation + 1) < 1e-12, `r = ${r.correlation}`);
  assert.ok(Math.abs(r.meanSpreadMm - 3.5) < 1e-12); // (10/3 + 8 + 0 + 8/3) / 4
  assert.ok(Math.abs(r.meanErrorMm - 6.5) < 1e-12); // (20/3 + 2 + 10 + 22/3) / 4
  // Joint a: spreads (10/3, 0), errors (20/3, 10); joint b: (8, 8/3), (2, 22/3). Two frames each: r = −1.
  assert.deepEqual(
    r.perJoint.map((j) => j.joint),
    ["a", "b"],
  );
  near(
    r.perJoint.map((j) => j.spreadMm),
    [5 / 3, 16 / 3],
    "per-joint spread",
  );
  near(
    r.perJoint.map((j) => j.errorMm),
    [25 / 3, 14 / 3],
    "per-joint error",
  );
  near(
    r.perJoint.map((j) => j.correlation),
    [-1, -1],
    "per-joint r",
  );
  assert.equal(r.calibration.withinSpread, 0.5);
  assert.deepEqual(r.calibration.quantiles, [{ q: 0.5, coverage: 0.25 }]);
  assert.deepEqual(
    r.bestOfN.map((b) => b.n),
    [1, 2],
    "the default N's up to the hypotheses given",
  );
  // Spread from the first two hypotheses only: f0j0 {5} → 5, f0j1 {6} → 6, f1j0 0, f1j1 {2} → 2.
  const two = hypothesisReport(H, GT, { joints: J, spreadOf: 2, bestOf: [3] });
  assert.equal(two.spreadOf, 2);
  near(
    two.perJoint.map((j) => j.spreadMm),
    [2.5, 4],
    "spread of the first two",
  );
  assert.deepEqual(
    two.bestOfN.map((b) => b.n),
    [3],
    "the curve still uses every hypothesis",
  );
});

test("with 17 joints the root is left out of the correlation and the calibration", () => {
  // Two hypotheses per frame, every joint but the root 2 mm apart along x, the truth 5 mm off
  // their mean along y: spread 2, truth distance 5 → no joint covered. The root (all zeros)
  // would count as covered (0 ≤ 0) if it were included.
  const n = 3;
  const make = (dx: number) => {
    const p = new Float64Array(n * NUM_JOINTS * 3);
    for (let i = 0; i < n; i++) for (let j = 1; j < NUM_JOINTS; j++) p[(i * NUM_JOINTS + j) * 3] = dx;
    return p;
  };
  const hyps = [make(-1), make(1)];
  const gt = new Float64Array(n * NUM_JOINTS * 3);
  for (let i = 0; i < n; i++) for (let j = 1; j < NUM_JOINTS; j++) gt[(i * NUM_JOINTS + j) * 3 + 1] = 5 + i;
  const r = hypothesisReport(hyps, gt, { quantiles: [1] });
  assert.equal(r.calibration.withinSpread, 0);
  assert.equal(r.calibration.quantiles[0].coverage, 0);
  assert.equal(r.meanSpreadMm, 2);
  // Prediction = the mean (0): error 5, 6, 7 per frame; spread 2 everywhere → no variance → NaN.
  assert.equal(r.meanErrorMm, 6);
  assert.ok(Number.isNaN(r.correlation));
  assert.equal(r.perJoint[0].joint, "Hip");
  assert.ok(Number.isNaN(r.perJoint[0].correlation), "the root's correlation is undefined");
  // best-of-1: h0 is √(1 + (5+i)²) from the truth at 16 of 17 joints.
  const want = [0, 1, 2].reduce((s, i) => s + (16 * Math.hypot(1, 5 + i)) / 17, 0) / 3;
  assert.ok(Math.abs(r.bestOfN[0].p1 - want) < 1e-9, `${r.bestOfN[0].p1} vs ${want}`);
});

test("ambiguityCoverage: a pair apart at one joint, hypotheses on both sides, every number by hand", () => {
  // A and B differ only at joint 3 (RFoot): depth +100 vs −100 mm (200 mm apart), MPJPE 200/17 between them.
  const pose = (z3: number, extra: [number, number, number] = [0, 0, 0]) => {
    const p = new Float64Array(NUM_JOINTS * 3);
    p[3 * 3 + 2] = z3;
    for (let k = 0; k < 3; k++) p[5 * 3 + k] = extra[k];
    return p;
  };
  const a = pose(100),
    b = pose(-100);
  // h0 = A, h1 = B, h2 = joint 3 at z = −30 (nearer B) with joint 5 moved by (0, 34, 0) (mm) → errors 130+34 vs 70+34.
  const hyps = [pose(100), pose(-100), pose(-30, [0, 34, 0])];
  const r = ambiguityCoverage(hyps, a, b);
  assert.equal(r.nearestA, 0);
  assert.equal(r.nearestB, 0);
  assert.ok(Math.abs(r.shareNearerB - 2 / 3) < 1e-12, `share ${r.shareNearerB}`);
  assert.deepEqual(
    r.perJoint.map((p) => p.joint),
    ["RFoot"],
  );
  assert.equal(r.perJoint[0].apartMm, 200);
  assert.ok(Math.abs(r.perJoint[0].shareNearerB - 2 / 3) < 1e-12);
  // A sampler committed to A: every hypothesis on A's side; B's nearest is the full 200/17 mm away.
  const committed = ambiguityCoverage([pose(100), pose(90)], a, b);
  assert.equal(committed.shareNearerB, 0);
  assert.ok(Math.abs(committed.nearestB - 190 / 17) < 1e-9, `nearest B ${committed.nearestB}`);
  assert.throws(() => ambiguityCoverage(hyps, a.subarray(3), b), /poses A and B of \[17, 3\] values/);
});
