/**
 * How well a lifter's hypotheses cover the ambiguity: their spread per joint, whether the
 * spread tells where the prediction is wrong, whether the truth lies within it (calibration),
 * and the oracle best-of-N curve. Pure (no TF.js): every function takes flat arrays in mm,
 * root-centred, hypotheses as N arrays [n, J, 3] (as `sampleHypothesesMm` returns them) and the
 * ground truth [n, J, 3].
 *
 *   spread s_ij      = mean over pairs a < b of ‖h_a,ij − h_b,ij‖      (mean pairwise distance)
 *   error e_ij       = ‖p_ij − y_ij‖, p = the z = 0 prediction (else the hypotheses' mean)
 *   correlation      = Pearson r of (s_ij, e_ij) over frames i and joints j (the root left out:
 *                      root-centred, it is 0 in both and would inflate r)
 *   coverage         = share of (i, j) with ‖y_ij − m_ij‖ ≤ s_ij, m = the hypotheses' mean
 *   coverage at q    = share with ‖y_ij − m_ij‖ ≤ r_q,ij, r_q = the ⌈qN⌉-th smallest of the
 *                      ‖h_k,ij − m_ij‖ (at least a fraction q of the hypotheses lie within it); a
 *                      calibrated sampler, whose truth is one more draw, covers about q
 *   best-of-N        = mean over frames of min over the first N hypotheses of the frame's MPJPE
 *
 * The spread costs N²/2 distances per joint and frame: pass the first few dozen hypotheses for
 * it, and as many as wanted (up to 200) for the best-of-N curve.
 */
import { H36M_JOINTS, NUM_JOINTS, ROOT } from "../pose/skeleton";
import { mpjpePerFrame, perJointError, type Poses } from "../pose/metrics";

/** Frames of a set of hypotheses against the ground truth, with their shapes checked. */
function frameCount(hyps: readonly Poses[], gt: Poses, joints: number, where: string): number {
  if (!hyps.length) throw new Error(`${where}: expected at least one hypothesis, got none`);
  if (gt.length % (joints * 3) !== 0)
    throw new Error(`${where}: expected ground truth [n, ${joints}, 3], got ${gt.length} values`);
  hyps.forEach((h, k) => {
    if (h.length !== gt.length)
      throw new Error(
        `${where}: hypothesis ${k} has ${h.length} values, the ground truth ${gt.length} ([n, ${joints}, 3])`,
      );
  });
  return gt.length / (joints * 3);
}

/** The hypotheses' mean pose [n, J, 3]. */
export function hypothesisMean(hyps: readonly Poses[], joints: number = NUM_JOINTS): Float64Array {
  const m = new Float64Array(hyps[0]?.length ?? 0);
  frameCount(hyps, m, joints, "hypothesisMean");
  for (const h of hyps) for (let i = 0; i < m.length; i++) m[i] += h[i];
  for (let i = 0; i < m.length; i++) m[i] /= hyps.length;
  return m;
}

/** Spread per frame and joint [n, J] (mm): the mean pairwise distance of the hypotheses (0 for one). */
export function hypothesisSpread(hyps: readonly Poses[], joints: number = NUM_JOINTS): Float64Array {
  const N = hyps.length;
  const n = frameCount(hyps, hyps[0] ?? [], joints, "hypothesisSpread");
  const out = new Float64Array(n * joints);
  if (N < 2) return out;
  const pairs = (N * (N - 1)) / 2;
  const p = new Float64Array(N * 3);
  for (let ij = 0; ij < n * joints; ij++) {
    const o = ij * 3;
    for (let k = 0; k < N; k++) for (let c = 0; c < 3; c++) p[k * 3 + c] = hyps[k][o + c];
    let s = 0;
    for (let a = 0; a < N; a++)
      for (let b = a + 1; b < N; b++)
        s += Math.hypot(p[a * 3] - p[b * 3], p[a * 3 + 1] - p[b * 3 + 1], p[a * 3 + 2] - p[b * 3 + 2]);
    out[ij] = s / pairs;
  }
  return out;
}

/** Pearson correlation of two equally long series; NaN when either has no variance. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`pearson: series of ${a.length} and ${b.length} values`);
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma,
      db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/**
 * Calibration: the share of (frame, joint) whose truth lies within the spread of the hypotheses'
 * mean, and for each q of `quantiles` the share within the ⌈qN⌉-th smallest hypothesis distance
 * to that mean. Joints in `skip` (default: the root) are left out.
 */
export function coverage(
  hyps: readonly Poses[],
  gt: Poses,
  o: { joints?: number; quantiles?: readonly number[]; skip?: readonly number[]; spread?: Float64Array } = {},
): { withinSpread: number; quantiles: { q: number; coverage: number }[] } {
  const joints: number = o.joints ?? NUM_JOINTS;
  const n = frameCount(hyps, gt, joints, "coverage");
  const qs = o.quantiles ?? [];
  for (const q of qs) if (!(q > 0 && q <= 1)) throw new Error(`coverage: quantiles must be in (0, 1], got ${q}`);
  const skip = new Set(o.skip ?? (joints === NUM_JOINTS ? [ROOT] : []));
  const spread = o.spread ?? hypothesisSpread(hyps, joints);
  if (spread.length !== n * joints)
    throw new Error(`coverage: expected a spread [${n}, ${joints}], got ${spread.length} values`);
  const mean = hypothesisMean(hyps, joints);
  const truth = perJointError(gt, mean, joints);
  const N = hyps.length;
  const ranks = qs.map((q) => Math.min(N, Math.max(1, Math.ceil(q * N - 1e-9))) - 1);
  const within = new Float64Array(qs.length);
  const d = new Float64Array(N);
  let inSpread = 0,
    count = 0;
  for (let ij = 0; ij < n * joints; ij++) {
    if (skip.has(ij % joints)) continue;
    count++;
    if (truth[ij] <= spread[ij]) inSpread++;
    if (!qs.length) continue;
    const m = ij * 3;
    for (let k = 0; k < N; k++)
      d[k] = Math.hypot(hyps[k][m] - mean[m], hyps[k][m + 1] - mean[m + 1], hyps[k][m + 2] - mean[m + 2]);
    d.sort();
    ranks.forEach((r, t) => {
      if (truth[ij] <= d[r]) within[t]++;
    });
  }
  return {
    withinSpread: inSpread / count,
    quantiles: qs.map((q, t) => ({ q, coverage: within[t] / count })),
  };
}

/**
 * The oracle best-of-N curve: for each N of `ns` (each ≤ the hypotheses given), the mean over
 * frames of the lowest MPJPE among the first N hypotheses (mm, frame-wise).
 */
export function bestOfNCurve(
  hyps: readonly Poses[],
  gt: Poses,
  ns: readonly number[],
  joints: number = NUM_JOINTS,
): { n: number; p1: number }[] {
  const frames = frameCount(hyps, gt, joints, "bestOfNCurve");
  for (const k of ns)
    if (!Number.isInteger(k) || k < 1 || k > hyps.length)
      throw new Error(`bestOfNCurve: each N must be an integer in 1..${hyps.length} (the hypotheses given), got ${k}`);
  const wanted = [...new Set(ns)].sort((a, b) => a - b);
  const best = new Float64Array(frames).fill(Infinity);
  const out: { n: number; p1: number }[] = [];
  for (let k = 0; k < (wanted.at(-1) ?? 0); k++) {
    const e = mpjpePerFrame(hyps[k], gt, joints);
    for (let i = 0; i < frames; i++) best[i] = Math.min(best[i], e[i]);
    if (wanted.includes(k + 1)) {
      let s = 0;
      for (let i = 0; i < frames; i++) s += best[i];
      out.push({ n: k + 1, p1: s / frames });
    }
  }
  return out;
}

export interface HypothesisReport {
  hypotheses: number;
  frames: number;
  /** Hypotheses the spread, the correlation and the calibration used (the first ones). */
  spreadOf: number;
  /** Mean spread and mean error of the prediction, over frames and joints (root left out), mm. */
  meanSpreadMm: number;
  meanErrorMm: number;
  /** Pearson r of spread against the prediction's error, over frames and joints (root left out). */
  correlation: number;
  /** Per joint: mean spread, mean error and their correlation across frames (NaN for the root). */
  perJoint: { joint: string; spreadMm: number; errorMm: number; correlation: number }[];
  calibration: { withinSpread: number; quantiles: { q: number; coverage: number }[] };
  bestOfN: { n: number; p1: number }[];
}

/**
 * Everything above in one report. `prediction` is the lifter's deterministic prediction (z = 0
 * for the CVAE) [n, J, 3]; without it the hypotheses' mean stands in. `spreadOf` caps the
 * hypotheses used for the spread and the calibration (default 20); `bestOf` lists the N's of the
 * curve (default 1, 2, 5, 10, 20, 50, 100, 200 up to the hypotheses given).
 */
export function hypothesisReport(
  hyps: readonly Poses[],
  gt: Poses,
  o: {
    prediction?: Poses;
    spreadOf?: number;
    bestOf?: readonly number[];
    quantiles?: readonly number[];
    joints?: number;
    jointNames?: readonly string[];
  } = {},
): HypothesisReport {
  const joints: number = o.joints ?? NUM_JOINTS;
  const n = frameCount(hyps, gt, joints, "hypothesisReport");
  const names =
    o.jointNames ?? (joints === NUM_JOINTS ? H36M_JOINTS : Array.from({ length: joints }, (_, j) => `joint ${j}`));
  if (names.length !== joints) throw new Error(`hypothesisReport: expected ${joints} joint names, got ${names.length}`);
  const spreadOf = Math.min(hyps.length, o.spreadOf ?? 20);
  if (!(spreadOf >= 1)) throw new Error(`hypothesisReport: spreadOf must be ≥ 1, got ${o.spreadOf}`);
  const used = hyps.slice(0, spreadOf);
  const spread = hypothesisSpread(used, joints);
  const pred = o.prediction ?? hypothesisMean(used, joints);
  if (pred.length !== gt.length)
    throw new Error(`hypothesisReport: prediction has ${pred.length} values, the ground truth ${gt.length}`);
  const error = perJointError(pred, gt, joints);
  const root = joints === NUM_JOINTS ? ROOT : -1;
  const s: number[] = [],
    e: number[] = [];
  for (let ij = 0; ij < n * joints; ij++) {
    if (ij % joints === root) continue;
    s.push(spread[ij]);
    e.push(error[ij]);
  }
  const perJoint = names.map((joint, j) => {
    const sj = Array.from({ length: n }, (_, i) => spread[i * joints + j]);
    const ej = Array.from({ length: n }, (_, i) => error[i * joints + j]);
    return { joint, spreadMm: avg(sj), errorMm: avg(ej), correlation: pearson(sj, ej) };
  });
  const ns = o.bestOf ?? [1, 2, 5, 10, 20, 50, 100, 200].filter((k) => k <= hyps.length);
  return {
    hypotheses: hyps.length,
    frames: n,
    spreadOf,
    meanSpreadMm: avg(s),
    meanErrorMm: avg(e),
    correlation: pearson(s, e),
    perJoint,
    calibration: coverage(used, gt, {
      joints,
      quantiles: o.quantiles ?? [0.5, 0.8, 0.9, 0.95],
      skip: root >= 0 ? [root] : [],
      spread,
    }),
    bestOfN: bestOfNCurve(hyps, gt, ns, joints),
  };
}

function avg(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** How the hypotheses of one input relate to two poses that input cannot tell apart. */
export interface AmbiguityCoverage {
  /** MPJPE (mm) of the hypothesis nearest pose A, and of the one nearest pose B. */
  nearestA: number;
  nearestB: number;
  /** Share of hypotheses nearer B than A (MPJPE). */
  shareNearerB: number;
  /** Per joint where A and B differ by more than 1 mm: the share of hypotheses whose joint is nearer B's. */
  perJoint: { joint: string; apartMm: number; shareNearerB: number }[];
}

/**
 * Whether hypotheses cover a depth-ambiguous pair: poses A and B [17, 3] (root-centred, mm) with
 * one 2D projection, and the hypotheses [17, 3] a lifter gave for that projection. A sampler that
 * covers the ambiguity has hypotheses near both (small nearestA and nearestB, shareNearerB
 * between 0 and 1); one that commits has all of them on one side.
 */
export function ambiguityCoverage(hyps: readonly Poses[], a: Poses, b: Poses): AmbiguityCoverage {
  const J = NUM_JOINTS;
  if (a.length !== J * 3 || b.length !== J * 3)
    throw new Error(`ambiguityCoverage: expected poses A and B of [17, 3] values, got ${a.length} and ${b.length}`);
  frameCount(hyps, a, J, "ambiguityCoverage");
  const ea = hyps.map((h) => mpjpePerFrame(h, a)[0]),
    eb = hyps.map((h) => mpjpePerFrame(h, b)[0]);
  const dist = (p: Poses, q: Poses, j: number) =>
    Math.hypot(p[j * 3] - q[j * 3], p[j * 3 + 1] - q[j * 3 + 1], p[j * 3 + 2] - q[j * 3 + 2]);
  const perJoint = H36M_JOINTS.flatMap((joint, j) => {
    const apartMm = dist(a, b, j);
    if (apartMm <= 1) return [];
    const nearer = hyps.filter((h) => dist(h, b, j) < dist(h, a, j)).length;
    return [{ joint, apartMm, shareNearerB: nearer / hyps.length }];
  });
  return {
    nearestA: Math.min(...ea),
    nearestB: Math.min(...eb),
    shareNearerB: eb.filter((e, k) => e < ea[k]).length / hyps.length,
    perJoint,
  };
}
