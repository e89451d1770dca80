/**
 * Notebook helpers for the 2D-only lifter (notebook 07): training with a live curves plot, and one
 * score per model with the scale-free protocols and the depth-flip share.
 */
import type { PoseSet } from "../data/dataset";
import { normalize, rootCentred, type NormStats } from "../data/preprocess";
import { depthFlips, type DepthFlips } from "../eval/depth-flips";
import { predictMm } from "../eval/infer";
import type { Lifter } from "../models/lifter";
import type { SelfSupLifter } from "../models/selfsup";
import { byAction, mpjpePerFrame, nMpjpePerFrame, pMpjpePerFrame } from "../pose/metrics";
import { NUM_JOINTS, ROOT } from "../pose/skeleton";
import {
  predictSelfSup,
  type SelfSupConfig,
  type SelfSupData,
  type SelfSupRun,
  trainSelfSup,
} from "../train/selfsup-run";
import type { Row } from "../viz/tables";
import { withLiveCurves } from "./lab";

/** Train (or reload) a 2D-only run with a live plot of every named term; exports `curves-<name>`. */
export async function trainSelfSupLive(cfg: SelfSupConfig, data: SelfSupData): Promise<SelfSupRun> {
  return withLiveCurves(cfg.name, cfg, (onEpoch) => trainSelfSup(cfg, data, { onEpoch }));
}

export interface Scored {
  model: string;
  /** Action-wise means (mm). P1 only for models with a metric scale (else null). */
  p1: number | null;
  p2: number;
  nMpjpe: number;
  flips: DepthFlips;
  /** Predictions [n, 17, 3], root-centred (mm, or pose units for scale-free models). */
  pred: Float32Array;
}

/** Score predictions [n, 17, 3] against a set's root-centred 3D: P1 (if metric), P2 (no reflections), N-MPJPE. */
export function scorePredictions(model: string, pred: Float32Array, set: PoseSet, metric: boolean): Scored {
  const gt = rootCentred(set);
  const aw = (perFrame: Float64Array) => byAction(perFrame, set.action, set.actions).actionWise;
  return {
    model,
    p1: metric ? aw(mpjpePerFrame(pred, gt)) : null,
    p2: aw(pMpjpePerFrame(pred, gt)),
    nMpjpe: aw(nMpjpePerFrame(pred, gt)),
    flips: depthFlips(pred, gt),
    pred,
  };
}

/** A supervised lifter (mm output) on a set. */
export function scoreLifter(lifter: Lifter, stats: NormStats, set: PoseSet, name: string): Scored {
  return scorePredictions(name, predictMm(lifter, normalize(set, stats), stats), set, true);
}

/** The 2D-only lifter on a set (the set's 3D is read for scoring only). */
export function scoreSelfSup(model: SelfSupLifter, set: PoseSet, name: string): Scored {
  return scorePredictions(name, predictSelfSup(model, set), set, false);
}

/**
 * The flat lift, a reference any depth must beat: the root-centred 2D pose with depth 0 (pixels, so
 * scale-free protocols only). P2 may rotate it, so it is far from the worst possible score.
 */
export function scoreFlat(set: PoseSet, name = "flat lift (depth 0)"): Scored {
  const pred = new Float32Array(set.n * NUM_JOINTS * 3);
  for (let i = 0; i < set.n; i++) {
    for (let j = 0; j < NUM_JOINTS; j++) {
      for (let d = 0; d < 2; d++)
        pred[(i * NUM_JOINTS + j) * 3 + d] =
          set.poses2d[(i * NUM_JOINTS + j) * 2 + d] - set.poses2d[(i * NUM_JOINTS + ROOT) * 2 + d];
    }
  }
  return scorePredictions(name, pred, set, false);
}

/** One table row: P1 (metric models only), P2, N-MPJPE (= P1 after the per-pose LS scale), depth-flip share. */
export function protocolRow(s: Scored, extra: Row = {}): Row {
  return {
    model: s.model,
    ...extra,
    "P1 (mm)": s.p1,
    "P2 (mm)": s.p2,
    "N-MPJPE (mm)": s.nMpjpe,
    "depth-flipped frames (%)": 100 * s.flips.frameShare,
  };
}

/** Each prediction scaled by its least-squares scale onto the ground truth (figures of scale-free models). */
export function scaleAligned(pred: ArrayLike<number>, gt: ArrayLike<number>): Float32Array {
  const P = NUM_JOINTS * 3,
    out = new Float32Array(pred.length);
  for (let o = 0; o < pred.length; o += P) {
    let pg = 0,
      pp = 0;
    for (let k = 0; k < P; k++) {
      pg += pred[o + k] * gt[o + k];
      pp += pred[o + k] * pred[o + k];
    }
    const s = pp > 0 ? pg / pp : 1;
    for (let k = 0; k < P; k++) out[o + k] = s * pred[o + k];
  }
  return out;
}
