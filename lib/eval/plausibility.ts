/**
 * One row of pose-plausibility measures for a set of poses (a lifter's predictions, a
 * generator's samples, or real poses as a reference), from the pure measures of
 * lib/pose/plausibility.ts:
 * - symmetryMm: mean |length(left bone) − length(right bone)| over the mirrored pairs (mm);
 * - outsideAngles: share of bones whose direction falls outside limits learned from the training split;
 * - fid: Fréchet distance between Gaussians fitted to the reference poses (the test ground truth) and these;
 * - diversityMm: mean pairwise per-joint distance between the poses of the set (mm);
 * - hypothesisSpreadMm: for lifters that sample, the mean over inputs of the mean pairwise distance
 *   between the N hypotheses of the same input (mm; null when no hypotheses are given).
 * Poses are flat [n, 17, 3] in mm, root-centred (as predictMm and rootCentred give them).
 */
import { type AngleLimits, averagePairwiseDistance } from "../pose/plausibility";
import { plausibilityMeasures } from "./pose-plausibility";
import { NUM_JOINTS } from "../pose/skeleton";

const POSE = NUM_JOINTS * 3;

export interface PlausibilityRow {
  model: string;
  poses: number;
  symmetryMm: number;
  outsideAngles: number;
  fid: number;
  diversityMm: number;
  hypothesisSpreadMm: number | null;
}

export interface PlausibilityReference {
  /** Real poses [m, 17, 3] (mm) the FID compares against: the test split's ground truth. */
  real: Float32Array | Float64Array;
  /** Angle limits learned from the training split (learnAngleLimits). */
  limits: AngleLimits;
}

/**
 * The plausibility row of `poses` [n, 17, 3] (mm). `hypotheses`: N ≥ 2 arrays [m, 17, 3], hypothesis k
 * for each of m inputs (any m, e.g. a subset of the n); the spread uses at most `maxInputs` of them (every k-th).
 * `seed` fixes the subset of pairs the diversity uses when there are more than `maxPairs`.
 */
export function plausibilityRow(
  model: string,
  poses: Float32Array | Float64Array,
  ref: PlausibilityReference,
  o: { hypotheses?: (Float32Array | Float64Array)[]; maxInputs?: number; maxPairs?: number; seed?: number } = {},
): PlausibilityRow {
  if (poses.length === 0 || poses.length % POSE !== 0) {
    throw new Error(
      `plausibilityRow(${model}): expected poses [n, ${NUM_JOINTS}, 3] (a multiple of ${POSE}), got ${poses.length} values`,
    );
  }
  const n = poses.length / POSE;
  let spread: number | null = null;
  const hyps = o.hypotheses ?? [];
  if (hyps.length) {
    if (hyps.length < 2)
      throw new Error(`plausibilityRow(${model}): the hypothesis spread needs N ≥ 2 hypotheses, got 1`);
    const m = hyps[0].length / POSE;
    for (const [k, h] of hyps.entries()) {
      if (h.length !== hyps[0].length || h.length === 0 || h.length % POSE !== 0) {
        throw new Error(
          `plausibilityRow(${model}): hypothesis ${k} has ${h.length} values, expected [${m}, 17, 3] like hypothesis 0`,
        );
      }
    }
    const stride = Math.max(1, Math.ceil(m / (o.maxInputs ?? 500)));
    const one = new Float64Array(hyps.length * POSE);
    let sum = 0,
      count = 0;
    for (let i = 0; i < m; i += stride) {
      hyps.forEach((h, k) => one.set(h.subarray(i * POSE, (i + 1) * POSE), k * POSE));
      sum += averagePairwiseDistance(one);
      count++;
    }
    spread = sum / count;
  }
  const m = plausibilityMeasures(poses, ref.real, ref.limits, { maxPairs: o.maxPairs, seed: o.seed });
  return {
    model,
    poses: n,
    symmetryMm: m.symmetry,
    outsideAngles: m.outsideAngles,
    fid: m.fid,
    diversityMm: m.diversity,
    hypothesisSpreadMm: spread,
  };
}
