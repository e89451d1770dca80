/** The plausibility row (lib/eval/plausibility.ts) against values derived by hand. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mulberry32 } from "../lib/core/rng";
import { plausibilityRow } from "../lib/eval/plausibility";
import { learnAngleLimits, symmetryError } from "../lib/pose/plausibility";

const P = 51;

function randomPoses(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n * P }, () => 400 * (r() - 0.5));
}

/** Pose i of `a` moved by the vector d. */
function shifted(a: Float64Array, d: [number, number, number]): Float64Array {
  return a.map((v, i) => v + d[i % 3]);
}

test("plausibilityRow: diversity, hypothesis spread and FID by hand; symmetry and limits from the pose measures", () => {
  const train = randomPoses(200, 1);
  const limits = learnAngleLimits(train);
  const a = randomPoses(1, 2);
  // Two poses 5 mm apart at every joint (a shift by (3, 4, 0)): diversity 5 mm.
  const two = new Float64Array(2 * P);
  two.set(a, 0);
  two.set(shifted(a, [3, 4, 0]), P);
  const real = randomPoses(300, 3);
  const row = plausibilityRow(
    "m",
    two,
    { real, limits },
    { hypotheses: [two, shifted(two, [0, 0, 2]), shifted(two, [0, 0, 4])] },
  );
  assert.equal(row.poses, 2);
  assert.ok(Math.abs(row.diversityMm - 5) < 1e-9, `diversity ${row.diversityMm}`);
  // Hypotheses 0, 2 and 4 mm apart along z at every joint: pairwise distances 2, 4, 2 → mean 8/3.
  assert.ok(Math.abs(row.hypothesisSpreadMm! - 8 / 3) < 1e-9, `spread ${row.hypothesisSpreadMm}`);
  assert.equal(row.symmetryMm, symmetryError(two));
  // A shift does not change bone directions: both poses fall in the same bins as pose a.
  const aa = new Float64Array(2 * P);
  aa.set(a, 0);
  aa.set(a, P);
  const one = plausibilityRow("a", aa, { real, limits });
  assert.equal(row.outsideAngles, one.outsideAngles);
  assert.equal(one.hypothesisSpreadMm, null);
  // FID of a set against itself is 0; against itself shifted by d it is ‖d‖² (same covariance).
  assert.ok(plausibilityRow("real", real, { real, limits }).fid < 1e-6);
  const fid = plausibilityRow("shifted", shifted(real, [0, 0, 10]), { real, limits }).fid;
  assert.ok(Math.abs(fid - 17 * 100) < 1e-3 * 1700, `FID ${fid} vs 17 joints × 10² = 1700`);
  assert.throws(() => plausibilityRow("bad", new Float64Array(50), { real, limits }), /expected poses \[n, 17, 3\]/);
  assert.throws(() => plausibilityRow("bad", two, { real, limits }, { hypotheses: [two] }), /N ≥ 2/);
});
