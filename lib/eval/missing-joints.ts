/**
 * P1 of a COCO-input lifter (lib/data/coco-input.ts) as a function of how many keypoints are missing: for
 * each count k, every sample loses k of its visible body keypoints, chosen by a generator seeded with
 * (seed, k), and the lifter still predicts all 17 joints. Errors are against the full root-centred 3D.
 */
import { deriveSeed, mulberry32 } from "../core/rng";
import { cocoKeypointsFromPoseSet, dropKeypoints, normalizeCoco } from "../data/coco-input";
import type { PoseSet } from "../data/dataset";
import { type NormStats, rootCentred } from "../data/preprocess";
import type { Lifter } from "../models/lifter";
import { mpjpePerFrame, pMpjpePerFrame } from "../pose/metrics";
import { predictMm, sampleHypothesesMm } from "./infer";

export interface MissingJointsRow {
  /** Body keypoints made missing per sample. */
  missing: number;
  samples: number;
  /** Protocol #1 (MPJPE after root-centring), mm, mean over samples. */
  p1: number;
  /** Protocol #2 (after Procrustes alignment), mm. */
  p2: number;
  /** Best of `bestOf` hypotheses by P1, mm (variational lifters with bestOf > 1). */
  p1BestOfN?: number;
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

/** One row per count in `counts` (default 0, 1, 2, 4). */
export function missingJointsTable(
  lifter: Lifter,
  stats: NormStats,
  set: PoseSet,
  opts: { counts?: number[]; seed?: number; bestOf?: number } = {},
): MissingJointsRow[] {
  if (set.n === 0) throw new Error("missingJointsTable: the set is empty");
  const counts = opts.counts ?? [0, 1, 2, 4];
  const seed = opts.seed ?? 0;
  const kp = cocoKeypointsFromPoseSet(set);
  const gt = rootCentred(set);
  return counts.map((k) => {
    const x = normalizeCoco(set, stats, dropKeypoints(kp, k, mulberry32(deriveSeed(seed, k))));
    const pred = predictMm(lifter, x, stats);
    const row: MissingJointsRow = {
      missing: k,
      samples: set.n,
      p1: mean(mpjpePerFrame(pred, gt)),
      p2: mean(pMpjpePerFrame(pred, gt)),
    };
    const n = opts.bestOf ?? 0;
    if (lifter.variational && n > 1) {
      const best = new Float64Array(set.n).fill(Infinity);
      for (const h of sampleHypothesesMm(lifter, x, stats, n, deriveSeed(seed, k, 1))) {
        const e = mpjpePerFrame(h, gt);
        for (let i = 0; i < set.n; i++) best[i] = Math.min(best[i], e[i]);
      }
      row.p1BestOfN = mean(best);
    }
    return row;
  });
}
