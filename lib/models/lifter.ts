/**
 * The interface every 2D → 3D lifter implements, so training (lib/train), evaluation
 * (lib/eval), export and the notebooks treat them alike. A lifter is a Trainable: named
 * parts, its optimizer, and its training step (see lib/nn/trainable.ts). Inputs and
 * outputs are normalized poses (lib/data/preprocess.ts): x [B, inputDim] → y [B, outputDim].
 *
 * The implementations, one per file: vae.ts (the thesis β-VAE), ae.ts (a plain
 * autoencoder), baseline.ts (Martinez et al.); registry.ts builds one by kind.
 */
import type * as tf from "@tensorflow/tfjs";
import { Mlp, type BnStats } from "../nn/mlp";
import { minimize, type Optimizer } from "../nn/optim";
import type { Trainable } from "../nn/trainable";

export const MODEL_KINDS = ["beta-vae", "ae", "baseline"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** A training batch of a lifter: normalized inputs x [B, inputDim] and targets y [B, outputDim]. */
export type LiftBatch = { x: tf.Tensor2D; y: tf.Tensor2D };

/**
 * Architecture options that lifters share (each model reads the ones it needs; documented
 * with the training config in lib/train/config.ts).
 */
export interface LifterOptions {
  inputDim: number;
  outputDim: number;
  hidden: number;
  layers: number;
  latentDim: number;
  residual: boolean;
  batchNorm: boolean;
  dropout: number;
  /** Max-norm constraint on kernel columns, applied after each update (0 = off). */
  maxNorm: number;
}

export interface Lifter extends Trainable<LiftBatch> {
  readonly kind: ModelKind;
  readonly inputDim: number;
  readonly outputDim: number;
  /** Latent size, for lifters with a latent space (else 0). */
  readonly latentDim: number;
  /** True when the lifter samples hypotheses (`sample`). */
  readonly variational: boolean;
  /** Deterministic prediction [B, outputDim] (z = μ for latent models), inference mode. */
  predict(x: tf.Tensor2D): tf.Tensor2D;
  /** Latent means μ(x) [B, latentDim]; throws for lifters without a latent space. */
  encodeMean(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * N hypotheses [B, outputDim] from z ~ q(z|x), seeded: hypothesis k uses its own seed, so
   * hypotheses first..first+n−1 are the same however they are batched. Throws when not variational.
   */
  sample(x: tf.Tensor2D, n: number, seed: number, first?: number): tf.Tensor2D[];
  parameterCount(): number;
  /** The inference graph as a tf.LayersModel with the trained weights (for TF.js export). */
  toLayersModel(): tf.LayersModel;
  dispose(): void;
}

/** Check x is [B, dim] at the entry of a public tensor function. */
export function assertInput(x: tf.Tensor, dim: number, where: string): void {
  if (x.rank !== 2 || x.shape[1] !== dim) throw new Error(`${where}: expected x [B, ${dim}], got [${x.shape}]`);
}

/**
 * The supervised step shared by the lifters: gradients of `loss` for the optimizer's
 * parameters, the update, then batch-norm moving statistics and the max-norm constraint
 * of `nets`. Returns the named terms (loss, the model's own terms, gradNorm).
 */
export function supervisedStep(
  opt: Optimizer,
  nets: Mlp[],
  maxNorm: number,
  lr: number,
  loss: (bnStats: BnStats) => { loss: tf.Scalar; terms?: Record<string, tf.Scalar> },
): Record<string, tf.Scalar> {
  const bnStats: BnStats = [];
  const r = minimize(opt, lr, () => loss(bnStats));
  if (bnStats.length) Mlp.updateMovingStats(bnStats);
  if (maxNorm > 0) for (const m of nets) m.applyMaxNorm(maxNorm);
  return r;
}

/**
 * One training update of a lifter on one batch outside the loop (benchmarks, tests):
 * its step with schedule values `lr` and `beta` and a seed for dropout and sampling.
 */
export function fitBatch(lifter: Lifter, batch: LiftBatch, o: { lr: number; beta: number; seed: number }): Record<string, tf.Scalar> {
  return lifter.steps[0].run(batch, { epoch: 0, globalStep: o.seed, progress: 0, seed: o.seed, values: { lr: o.lr, beta: o.beta } });
}
