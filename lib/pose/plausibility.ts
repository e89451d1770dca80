/**
 * How plausible a set of poses is, without a network (pure, no TF.js):
 * - `symmetryError`: mean |length(left bone) − length(right bone)| over the mirrored bone pairs;
 * - `learnAngleLimits` / `outsideAngleShare`: the share of bones whose direction, in a frame
 *   attached to the parent bone and the torso, falls in a direction bin never seen in the
 *   training split (limits learned from data, in the spirit of Akhter & Black 2015);
 * - `poseFid`: the Fréchet distance between Gaussians fitted to two sets (a pose "FID");
 * - `averagePairwiseDistance`: the diversity of a set of samples;
 * - `auc`: the area under the ROC curve of scores of positives vs negatives.
 * Poses are flat [n, 17, 3] (joint-major) in any one unit (mm in hpe3d).
 */
import { mulberry32 } from "../core/rng";
import { kcsBones } from "./kcs";
import { FLIP_PERMUTATION, H36M_PARENTS, jointIndex, jointSide, NUM_JOINTS } from "./skeleton";

const POSE = NUM_JOINTS * 3;

function countPoses(poses: ArrayLike<number>, who: string, per = POSE): number {
  if (poses.length % per !== 0 || poses.length === 0) {
    const what = `poses [n, ${per / 3}, 3] (a non-empty multiple of ${per} values)`;
    throw new Error(`${who}: expected ${what}, got ${poses.length}`);
  }
  return poses.length / per;
}

/** Bone lengths [n, nb] of poses [n, 17, 3] (bones in the order of kcsBones()). */
export function boneLengths(poses: ArrayLike<number>): Float64Array {
  const n = countPoses(poses, "boneLengths"),
    bones = kcsBones(),
    out = new Float64Array(n * bones.length);
  for (let i = 0; i < n; i++) {
    bones.forEach(([p, c], b) => {
      let s = 0;
      for (let d = 0; d < 3; d++) s += (poses[i * POSE + c * 3 + d] - poses[i * POSE + p * 3 + d]) ** 2;
      out[i * bones.length + b] = Math.sqrt(s);
    });
  }
  return out;
}

/** Pairs [left bone, right bone] of bone indices (kcsBones order), matched by their child joints. */
export const SYMMETRIC_BONES: readonly (readonly [number, number])[] = (() => {
  const children = kcsBones().map(([, c]) => c);
  const mirror = (c: number) => children.indexOf(FLIP_PERMUTATION[c]);
  return children.flatMap((c, b) => (jointSide(c) === "left" ? [[b, mirror(c)] as const] : []));
})();

/** Mean |length(left bone) − length(right bone)| over poses and mirrored pairs (in the poses' unit). */
export function symmetryError(poses: ArrayLike<number>): number {
  const len = boneLengths(poses),
    nb = kcsBones().length,
    n = len.length / nb;
  let s = 0;
  for (let i = 0; i < n; i++) for (const [l, r] of SYMMETRIC_BONES) s += Math.abs(len[i * nb + l] - len[i * nb + r]);
  return s / (n * SYMMETRIC_BONES.length);
}

type Vec = [number, number, number];
const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: Vec, b: Vec): Vec => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const dot = (a: Vec, b: Vec) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec, b: Vec): Vec => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const scale = (a: Vec, s: number): Vec => [a[0] * s, a[1] * s, a[2] * s];
const unit = (a: Vec): Vec => scale(a, 1 / Math.max(Math.hypot(a[0], a[1], a[2]), 1e-12));

function joint(poses: ArrayLike<number>, i: number, j: number): Vec {
  const o = i * POSE + j * 3;
  return [poses[o], poses[o + 1], poses[o + 2]];
}

/** The torso's up (Hip → Thorax) and left→right ((RHip − LHip) + (RShoulder − LShoulder)) axes. */
function torsoAxes(poses: ArrayLike<number>, i: number): { up: Vec; lr: Vec } {
  const J = (name: Parameters<typeof jointIndex>[0]) => joint(poses, i, jointIndex(name));
  return {
    up: unit(sub(J("Thorax"), J("Hip"))),
    lr: unit(add(sub(J("RHip"), J("LHip")), sub(J("RShoulder"), J("LShoulder")))),
  };
}

/** The primary axis of bone b's frame: its parent bone's direction, or the torso's up axis for the root's bones. */
function primaryAxis(poses: ArrayLike<number>, i: number, b: number, up: Vec): Vec {
  const [p] = kcsBones()[b],
    pp = H36M_PARENTS[p];
  return pp < 0 ? up : unit(sub(joint(poses, i, p), joint(poses, i, pp)));
}

/** Occupancy of bone directions per bone, learned from training poses. */
export interface AngleLimits {
  /** Bins of cos θ (angle to the primary axis), equal-area. */
  thetaBins: number;
  /** Bins of the azimuth φ around the primary axis. */
  phiBins: number;
  /** Per bone, the torso axis that fixes φ = 0 ("lr" or "up": the one less aligned with the primary axis). */
  reference: ("lr" | "up")[];
  /** Per bone, training counts per bin [nb, thetaBins·phiBins]. */
  counts: Uint32Array;
  /** A bin is allowed when it holds at least this many training bones. */
  minCount: number;
}

/** The (θ, φ) bin of every bone of pose i. */
function directionBins(
  poses: ArrayLike<number>,
  i: number,
  reference: ("lr" | "up")[],
  tb: number,
  pb: number,
): number[] {
  const { up, lr } = torsoAxes(poses, i);
  return kcsBones().map(([p, c], b) => {
    const a1 = primaryAxis(poses, i, b, up);
    let ref = reference[b] === "lr" ? lr : up;
    let a2 = sub(ref, scale(a1, dot(ref, a1)));
    if (Math.hypot(...a2) < 1e-6) {
      ref = reference[b] === "lr" ? up : lr;
      a2 = sub(ref, scale(a1, dot(ref, a1)));
    }
    a2 = unit(a2);
    const a3 = cross(a1, a2),
      dir = unit(sub(joint(poses, i, c), joint(poses, i, p)));
    const ti = Math.min(tb - 1, Math.max(0, Math.floor(((dot(dir, a1) + 1) / 2) * tb)));
    const phi = Math.atan2(dot(dir, a3), dot(dir, a2));
    const pi = Math.min(pb - 1, Math.max(0, Math.floor(((phi + Math.PI) / (2 * Math.PI)) * pb)));
    return ti * pb + pi;
  });
}

/**
 * Learn per-bone direction limits from training poses [n, 17, 3]: each bone's direction is
 * expressed in a frame of its parent bone (primary axis) and a torso axis (φ = 0), so the
 * limits do not depend on where the body faces; the bins it visits are allowed.
 */
export function learnAngleLimits(
  train: ArrayLike<number>,
  o: { thetaBins?: number; phiBins?: number; minCount?: number } = {},
): AngleLimits {
  const n = countPoses(train, "learnAngleLimits"),
    nb = kcsBones().length;
  const tb = o.thetaBins ?? 12,
    pb = o.phiBins ?? 24,
    minCount = o.minCount ?? 1;
  // Reference axis per bone: the torso axis with the smaller mean |cos| to the primary axis.
  const align = Array.from({ length: nb }, () => ({ lr: 0, up: 0 }));
  for (let i = 0; i < n; i++) {
    const { up, lr } = torsoAxes(train, i);
    for (let b = 0; b < nb; b++) {
      const a1 = primaryAxis(train, i, b, up);
      align[b].lr += Math.abs(dot(a1, lr));
      align[b].up += Math.abs(dot(a1, up));
    }
  }
  const reference = align.map((a) => (a.lr <= a.up ? "lr" : "up") as "lr" | "up");
  const counts = new Uint32Array(nb * tb * pb);
  for (let i = 0; i < n; i++) {
    directionBins(train, i, reference, tb, pb).forEach((bin, b) => counts[b * tb * pb + bin]++);
  }
  return { thetaBins: tb, phiBins: pb, reference, counts, minCount };
}

/** Share of (pose, bone) pairs whose direction lies outside the learned limits, and per-bone shares. */
export function outsideAngleShare(poses: ArrayLike<number>, limits: AngleLimits): { share: number; perBone: number[] } {
  const n = countPoses(poses, "outsideAngleShare"),
    nb = kcsBones().length,
    per = limits.thetaBins * limits.phiBins;
  const out = new Array<number>(nb).fill(0);
  for (let i = 0; i < n; i++) {
    directionBins(poses, i, limits.reference, limits.thetaBins, limits.phiBins).forEach((bin, b) => {
      if (limits.counts[b * per + bin] < limits.minCount) out[b]++;
    });
  }
  return { share: out.reduce((a, b) => a + b, 0) / (n * nb), perBone: out.map((k) => k / n) };
}

/** A Gaussian: mean [D] and covariance [D, D] (row-major). */
export interface Gaussian {
  mean: Float64Array;
  cov: Float64Array;
}

/** Fit a Gaussian to samples [n, dim] (covariance with the unbiased n − 1 denominator). */
export function gaussianFit(x: ArrayLike<number>, dim: number): Gaussian {
  const n = x.length / dim;
  if (!Number.isInteger(n) || n < 2) {
    throw new Error(`gaussianFit: need ≥ 2 samples of ${dim} values, got ${x.length} values`);
  }
  const mean = new Float64Array(dim),
    cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d] / n;
  const c = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) c[d] = x[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) cov[a * dim + b] += c[a] * c[b];
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= n - 1;
      cov[b * dim + a] = cov[a * dim + b];
    }
  }
  return { mean, cov };
}

/**
 * Eigen-decomposition of a symmetric matrix A [n, n] (row-major) by cyclic Jacobi rotations:
 * A = V·diag(values)·Vᵀ, with the eigenvectors as the columns of V (row-major [n, n]).
 */
export function symmetricEigen(A: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  if (A.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${A.length}`);
  const a = Float64Array.from(A),
    v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scaleSq = 0;
  for (let k = 0; k < n * n; k++) scaleSq += a[k] * a[k];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-30 * scaleSq || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p],
            akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k],
            aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** The symmetric square root of a symmetric PSD matrix (negative eigenvalues from round-off count as 0). */
export function sqrtmPsd(A: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors: V } = symmetricEigen(A, n),
    out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(values[k], 0));
    if (s === 0) continue;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] += V[i * n + k] * s * V[j * n + k];
  }
  return out;
}

function matMul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = A[i * n + k];
      if (aik !== 0) for (let j = 0; j < n; j++) C[i * n + j] += aik * B[k * n + j];
    }
  return C;
}

/**
 * Fréchet distance between two Gaussians: ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½).
 * The symmetric form keeps every square root that of a PSD matrix.
 */
export function frechetDistance(g1: Gaussian, g2: Gaussian): number {
  const n = g1.mean.length;
  if (g2.mean.length !== n || g1.cov.length !== n * n || g2.cov.length !== n * n) {
    throw new Error(`frechetDistance: Gaussians of different sizes (${g1.mean.length} and ${g2.mean.length})`);
  }
  let d = 0,
    tr = 0;
  for (let i = 0; i < n; i++) {
    d += (g1.mean[i] - g2.mean[i]) ** 2;
    tr += g1.cov[i * n + i] + g2.cov[i * n + i];
  }
  const s1 = sqrtmPsd(g1.cov, n),
    M = matMul(matMul(s1, g2.cov, n), s1, n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) M[i * n + j] = M[j * n + i] = 0.5 * (M[i * n + j] + M[j * n + i]);
  }
  const { values } = symmetricEigen(M, n);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  return Math.max(0, d + tr - 2 * trSqrt);
}

/** The pose "FID": Fréchet distance between Gaussians fitted to real and generated poses [n, dim]. */
export function poseFid(real: ArrayLike<number>, generated: ArrayLike<number>, dim: number = POSE): number {
  return frechetDistance(gaussianFit(real, dim), gaussianFit(generated, dim));
}

/**
 * Diversity: the mean over pairs of samples of their mean per-joint Euclidean distance.
 * poses [n, J, dims]; at most `maxPairs` pairs (a seeded random subset when there are more).
 */
export function averagePairwiseDistance(
  poses: ArrayLike<number>,
  o: { dims?: number; joints?: number; maxPairs?: number; seed?: number } = {},
): number {
  const dims = o.dims ?? 3,
    J = o.joints ?? NUM_JOINTS,
    per = J * dims;
  const n = countPoses(poses, "averagePairwiseDistance", per);
  if (n < 2) throw new Error("averagePairwiseDistance: need at least 2 poses");
  const dist = (a: number, b: number) => {
    let s = 0;
    for (let j = 0; j < J; j++) {
      let q = 0;
      for (let d = 0; d < dims; d++) q += (poses[a * per + j * dims + d] - poses[b * per + j * dims + d]) ** 2;
      s += Math.sqrt(q);
    }
    return s / J;
  };
  const total = (n * (n - 1)) / 2,
    maxPairs = o.maxPairs ?? 500_000;
  let s = 0;
  if (total <= maxPairs) {
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) s += dist(a, b);
    return s / total;
  }
  const r = mulberry32(o.seed ?? 0);
  for (let k = 0; k < maxPairs; k++) {
    const a = Math.floor(r() * n);
    let b = Math.floor(r() * (n - 1));
    if (b >= a) b++;
    s += dist(a, b);
  }
  return s / maxPairs;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative (ties count one half), by the rank-sum (Mann–Whitney U) statistic.
 */
export function auc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const np = positives.length,
    nn = negatives.length;
  if (!np || !nn) throw new Error(`auc: need positives and negatives, got ${np} and ${nn}`);
  const all = [
    ...Array.from(positives, (s) => ({ s, pos: true })),
    ...Array.from(negatives, (s) => ({ s, pos: false })),
  ];
  if (all.some((e) => !Number.isFinite(e.s))) throw new Error("auc: scores must be finite");
  all.sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].s === all[i].s) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].pos) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (np * (np + 1)) / 2) / (np * nn);
}
