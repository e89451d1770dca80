/**
 * Plausibility of generated poses against held-out real ones, and critics' ranking of real
 * poses above perturbed ones (the check of a trained critic):
 * - `plausibilityMeasures`: pose FID against a reference set, left/right bone-length symmetry
 *   error, share of bone directions outside the limits learned from the training split,
 *   diversity (average pairwise per-joint distance), all in mm (lib/eval/plausibility.ts
 *   builds a lifter's table row on it);
 * - `perturbForearm`: one forearm of each pose turned about its elbow by 60°–180°;
 * - `normalizePoses3d`: root-centred poses [n, 17, 3] mm → the networks' z-scored [n, 48];
 * - `trainPerturbationCritic` / `criticAuc`: train a critic (WGAN-GP loss) on real training
 *   poses against perturbed ones, and the AUC of its scores on held-out real vs perturbed poses.
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32, normal, type Random } from "../core/rng";
import type { NormStats } from "../data/preprocess";
import { buildCritic, criticStep, type CriticSpec, type PoseCritic } from "../models/critic";
import { Adam } from "../nn/optim";
import {
  auc,
  averagePairwiseDistance,
  outsideAngleShare,
  poseFid,
  symmetryError,
  type AngleLimits,
} from "../pose/plausibility";
import { jointIndex, NUM_JOINTS } from "../pose/skeleton";
import { rotationMatrix } from "../pose/geometry";

const POSE = NUM_JOINTS * 3;

/** The plausibility measures of one set of poses (mm). */
export interface PlausibilityMeasures {
  /** Fréchet distance between Gaussians fitted to these poses and the reference set (mm²). */
  fid: number;
  /** Mean |left − right| bone length (mm). */
  symmetry: number;
  /** Share of (pose, bone) directions outside the training split's limits. */
  outsideAngles: number;
  /** Average pairwise per-joint distance between poses (mm). */
  diversity: number;
}

/**
 * The measures of poses [n, 17, 3] mm against a reference set [m, 17, 3] mm (for the FID)
 * and angle limits learned from the training split. Diversity uses at most `maxPairs` pairs.
 */
export function plausibilityMeasures(
  poses: ArrayLike<number>,
  reference: ArrayLike<number>,
  limits: AngleLimits,
  o: { maxPairs?: number; seed?: number } = {},
): PlausibilityMeasures {
  if (poses.length % POSE !== 0 || poses.length < POSE) {
    throw new Error(`plausibility: expected poses [n, 17, 3] (${POSE} values each), got ${poses.length} values`);
  }
  return {
    fid: poseFid(reference, poses),
    symmetry: symmetryError(poses),
    outsideAngles: outsideAngleShare(poses, limits).share,
    diversity:
      poses.length >= 2 * POSE
        ? averagePairwiseDistance(poses, { maxPairs: o.maxPairs ?? 20_000, seed: o.seed ?? 0 })
        : 0,
  };
}

/**
 * Turn the wrist of one random side of each pose [n, 17, 3] about its elbow by a random angle
 * in [minDeg, maxDeg] (default 60°–180°), around a random axis perpendicular to the forearm,
 * so that the forearm's direction turns by exactly that angle and its length is kept.
 * Returns the new poses and each pose's angle (degrees).
 */
export function perturbForearm(
  poses: ArrayLike<number>,
  random: Random,
  o: { minDeg?: number; maxDeg?: number } = {},
): { poses: Float32Array; angles: number[] } {
  if (poses.length % POSE !== 0)
    throw new Error(`perturbForearm: expected poses [n, 17, 3], got ${poses.length} values`);
  const lo = o.minDeg ?? 60,
    hi = o.maxDeg ?? 180;
  const out = Float32Array.from(poses),
    n = poses.length / POSE,
    angles: number[] = [];
  for (let i = 0; i < n; i++) {
    const left = random() < 0.5;
    const e = jointIndex(left ? "LElbow" : "RElbow"),
      w = jointIndex(left ? "LWrist" : "RWrist");
    const b = i * POSE,
      v = [0, 1, 2].map((d) => poses[b + w * 3 + d] - poses[b + e * 3 + d]);
    const fl = Math.hypot(...v),
      f = v.map((c) => c / fl),
      g = [normal(random), normal(random), normal(random)];
    const gf = g[0] * f[0] + g[1] * f[1] + g[2] * f[2],
      ax = g.map((c, k) => c - gf * f[k]);
    const deg = lo + (hi - lo) * random();
    angles.push(deg);
    const R = rotationMatrix(ax, (deg * Math.PI) / 180);
    for (let r = 0; r < 3; r++) {
      out[b + w * 3 + r] = poses[b + e * 3 + r] + R[r * 3] * v[0] + R[r * 3 + 1] * v[1] + R[r * 3 + 2] * v[2];
    }
  }
  return { poses: out, angles };
}

/** Root-centred poses [n, 17, 3] mm → the networks' z-scored 3D layout [n, 3·|joints3d|] (inverse of denormalize3d). */
export function normalizePoses3d(poses: ArrayLike<number>, stats: NormStats): Float32Array {
  if (poses.length % POSE !== 0)
    throw new Error(`normalizePoses3d: expected poses [n, 17, 3], got ${poses.length} values`);
  const n = poses.length / POSE,
    D = stats.joints3d.length * 3,
    out = new Float32Array(n * D);
  const unit = stats.mode === "videopose3d" ? 1e-3 : 1;
  for (let i = 0; i < n; i++) {
    stats.joints3d.forEach((j, k) => {
      for (let d = 0; d < 3; d++) {
        const q = k * 3 + d;
        out[i * D + q] = (poses[(i * NUM_JOINTS + j) * 3 + d] * unit - stats.mean3d[q]) / stats.std3d[q];
      }
    });
  }
  return out;
}

/** A critic's scores [n] of normalized poses [n, D] (flat), in batches, on the CPU. */
export function scorePoses(critic: PoseCritic, poses: Float32Array): Float32Array {
  const D = critic.inputDim,
    n = poses.length / D;
  if (!Number.isInteger(n)) throw new Error(`scorePoses: expected a multiple of ${D} values, got ${poses.length}`);
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += 1024) {
    const m = Math.min(1024, n - s);
    const y = tf.tidy(() => critic.score(tf.tensor2d(poses.subarray(s * D, (s + m) * D), [m, D])));
    out.set(y.dataSync(), s);
    y.dispose();
  }
  return out;
}

/**
 * How well a critic ranks held-out real poses [n, 17, 3] mm above the same poses with one
 * forearm perturbed (seeded): the AUC of its scores (0.5 = chance), and both score lists.
 */
export function criticAuc(
  critic: PoseCritic,
  realMm: ArrayLike<number>,
  stats: NormStats,
  seed: number,
): { auc: number; real: Float32Array; perturbed: Float32Array; angles: number[] } {
  const { poses, angles } = perturbForearm(realMm, mulberry32(seed));
  const real = scorePoses(critic, normalizePoses3d(realMm, stats));
  const perturbed = scorePoses(critic, normalizePoses3d(poses, stats));
  return { auc: auc(real, perturbed), real, perturbed, angles };
}

/**
 * Train a critic of `spec` with the WGAN-GP loss (λ = 10, Adam(lr, 0.5, 0.9)) on random real
 * training poses [n, 17, 3] mm against random training poses with one forearm perturbed:
 * `steps` updates of `batch` pairs, seeded. The caller disposes the critic.
 */
export function trainPerturbationCritic(
  spec: CriticSpec,
  trainMm: ArrayLike<number>,
  stats: NormStats,
  o: { steps: number; batch: number; lr: number; seed: number },
): PoseCritic {
  const nTrain = trainMm.length / POSE;
  if (!Number.isInteger(nTrain) || nTrain < 1)
    throw new Error(`trainPerturbationCritic: expected training poses [n, 17, 3], got ${trainMm.length} values`);
  const critic = buildCritic(spec, o.seed);
  const adam = new Adam(critic.trainable(), 0.5, 0.9);
  const random = mulberry32(o.seed + 3);
  const D = critic.inputDim;
  try {
    for (let s = 0; s < o.steps; s++) {
      const pick = () => {
        const out = new Float32Array(o.batch * POSE);
        for (let k = 0; k < o.batch; k++) {
          const i = Math.floor(random() * nTrain);
          for (let q = 0; q < POSE; q++) out[k * POSE + q] = trainMm[i * POSE + q];
        }
        return out;
      };
      const realMm = pick(),
        fakeMm = perturbForearm(pick(), random).poses;
      tf.tidy(() => {
        const real = tf.tensor2d(normalizePoses3d(realMm, stats), [o.batch, D]);
        const fake = tf.tensor2d(normalizePoses3d(fakeMm, stats), [o.batch, D]);
        // The step's terms are kept past tidies (its caller owns them): free them here.
        tf.dispose(
          Object.values(
            criticStep(critic, adam, real, fake, { loss: "wgan-gp", lambda: 10, lr: o.lr, seed: o.seed * 100_000 + s }),
          ),
        );
      });
    }
  } catch (e) {
    critic.dispose();
    throw e;
  } finally {
    adam.dispose();
  }
  return critic;
}
