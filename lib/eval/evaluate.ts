/**
 * Evaluation of a lifter on a pose set: Protocol #1 and #2 (action-wise means, as the
 * H36M anchors report, and frame-wise), the rigid P2 variant, N-MPJPE, per-joint errors,
 * and best-of-N for the variational lifters (β-VAE, VAE-GAN, CVAE; lib/eval/hypotheses.ts
 * adds the full curve, the spread and the calibration).
 */
import type { PoseSet } from "../data/dataset";
import { subsample } from "../data/experiment";
import { byAction, mpjpePerFrame, nMpjpePerFrame, perJointError, pMpjpePerFrame } from "../pose/metrics";
import type { Lifter } from "../models/lifter";
import { normalize, rootCentred, type NormStats } from "../data/preprocess";
import { H36M_JOINTS, NUM_JOINTS } from "../pose/skeleton";
import { predictMm, sampleHypothesesMm } from "./infer";

export interface ProtocolResult {
  /** Mean over actions of the frame-weighted mean within each action (mm). */
  actionWise: number;
  /** Mean over all frames (mm). */
  frameWise: number;
  perAction: Record<string, number>;
  /** Frame-weighted mean per source label (e.g. `walk-back`), for data without H36M labels. */
  perSourceAction: Record<string, number>;
}

export interface EvalResult {
  model: string;
  samples: number;
  frames: Record<string, number>;
  p1: ProtocolResult;
  p2: ProtocolResult;
  p2Rigid: ProtocolResult;
  nMpjpe: ProtocolResult;
  perJoint: Record<string, number>;
  bestOfN?: { n: number; p1: ProtocolResult; p2: ProtocolResult }[];
  /** Best-of-N was scored on every n-th frame of the set (1 or absent: every frame), that is on `bestOfSamples` frames. */
  bestOfEveryNth?: number;
  bestOfSamples?: number;
}

function summarize(perFrame: Float64Array, set: PoseSet): ProtocolResult {
  const r = byAction(perFrame, set.action, set.actions);
  const src = byAction(perFrame, set.sourceAction, set.sourceActions);
  return { actionWise: r.actionWise, frameWise: r.frameWise, perAction: r.perAction, perSourceAction: src.perAction };
}

/**
 * Evaluate on a set; `bestOf` lists the N's for best-of-N (variational lifters only), scored on
 * every `bestOfEveryNth`-th frame (default 1: all; N = 200 hypotheses of the whole test split
 * cost 200 forward passes over it, so large N want a subsample).
 */
export function evaluateLifter(
  lifter: Lifter,
  stats: NormStats,
  set: PoseSet,
  opts: { bestOf?: number[]; bestOfEveryNth?: number; seed?: number; name?: string } = {},
): EvalResult {
  const every = opts.bestOfEveryNth ?? 1;
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`evaluateLifter: bestOfEveryNth must be a whole number ≥ 1, got ${opts.bestOfEveryNth}`);
  const x = normalize(set, stats);
  const pred = predictMm(lifter, x, stats);
  const gt = rootCentred(set);
  const pj = perJointError(pred, gt);
  const perJoint: Record<string, number> = {};
  H36M_JOINTS.forEach((n, j) => {
    let s = 0;
    for (let i = 0; i < set.n; i++) s += pj[i * NUM_JOINTS + j];
    perJoint[n] = s / set.n;
  });
  const result: EvalResult = {
    model: opts.name ?? lifter.kind,
    samples: set.n,
    frames: byAction(new Float64Array(set.n), set.action, set.actions).frames,
    p1: summarize(mpjpePerFrame(pred, gt), set),
    p2: summarize(pMpjpePerFrame(pred, gt), set),
    p2Rigid: summarize(pMpjpePerFrame(pred, gt, NUM_JOINTS, { rigid: true }), set),
    nMpjpe: summarize(nMpjpePerFrame(pred, gt), set),
    perJoint,
  };
  if (lifter.variational && opts.bestOf?.length) {
    // One hypothesis at a time (memory stays one pose set), keeping running per-frame minima.
    const wanted = [...new Set(opts.bestOf)].sort((a, b) => a - b);
    const sub = subsample(set, every);
    const xs = every > 1 ? normalize(sub, stats) : x,
      gts = every > 1 ? rootCentred(sub) : gt;
    const best1 = new Float64Array(sub.n).fill(Infinity),
      best2 = new Float64Array(sub.n).fill(Infinity);
    result.bestOfN = [];
    if (every > 1) {
      result.bestOfEveryNth = every;
      result.bestOfSamples = sub.n;
    }
    for (let k = 0; k < wanted[wanted.length - 1]; k++) {
      const [h] = sampleHypothesesMm(lifter, xs, stats, 1, opts.seed ?? 0, k);
      const e1 = mpjpePerFrame(h, gts),
        e2 = pMpjpePerFrame(h, gts);
      for (let i = 0; i < sub.n; i++) {
        best1[i] = Math.min(best1[i], e1[i]);
        best2[i] = Math.min(best2[i], e2[i]);
      }
      if (wanted.includes(k + 1))
        result.bestOfN.push({ n: k + 1, p1: summarize(best1, sub), p2: summarize(best2, sub) });
    }
  }
  return result;
}
