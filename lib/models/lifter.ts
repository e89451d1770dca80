/**
 * The interface every 2D → 3D lifter implements, so training (lib/train), evaluation
 * (lib/eval), export and the notebooks treat them alike. A lifter is a Trainable: named
 * parts, its optimizer, and its training step (see lib/nn/trainable.ts). Inputs and
 * outputs are normalized poses (lib/data/preprocess.ts): x [B, inputDim] → y [B, outputDim].
 *
 * The implementations, one per file: vae.ts (the thesis β-VAE), ae.ts (a plain
 * autoencoder), baseline.ts (Martinez et al.), vae-gan.ts (the VAE-GAN hybrid), cvae.ts (a conditional VAE
 * whose decoder sees the 2D pose); registry.ts builds one by kind. This file
 * loads no TF.js at run time (configs import MODEL_KINDS from it).
 */
import type * as tf from "@tensorflow/tfjs";
import type { Trainable } from "../nn/trainable";

export const MODEL_KINDS = ["beta-vae", "ae", "baseline", "vae-gan", "cvae"] as const;
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
  /**
   * Clip the gradient by its global L2 norm to at most this before each update (0 or absent = off).
   * The supervised lifters (beta-vae, ae, baseline, cvae) take it; the vae-gan's config refuses it.
   */
  clipNorm?: number;
  /** Options of the VAE-GAN hybrid (model "vae-gan"; other lifters ignore them). */
  vaeGan?: VaeGanOptions;
  /** Options of the conditional VAE (model "cvae"; absent = DEFAULT_CVAE_OPTIONS in cvae.ts). */
  cvae?: CvaeOptions;
}

/** Options of the conditional VAE (lib/models/cvae.ts; documented with TrainConfig). */
export interface CvaeOptions {
  /** Weight of the squared error of dec(x, 0), the single prediction. */
  modeWeight: number;
  /** Prior samples per example in the best-of-many term (0 = off). */
  bestOfMany: number;
  /** Weight of the best-of-many term. */
  bestOfManyWeight: number;
  /** Units of the recognition network and of the hypothesis network (two layers each). */
  hypothesisHidden: number;
  /** What the hypothesis network sees besides z: the trunk's features, or the 2D pose and the single prediction. */
  hypothesisInput: HypothesisInput;
}

/** The hypothesis network's context in the CVAE (lib/models/cvae.ts). */
export const HYPOTHESIS_INPUTS = ["features", "pose"] as const;
export type HypothesisInput = (typeof HYPOTHESIS_INPUTS)[number];

/** The decoder's adversarial term in the VAE-GAN: −L_GAN literally, or the non-saturating −log D form. */
export const DECODER_GAN_LOSSES = ["minimax", "non-saturating"] as const;
export type DecoderGanLoss = (typeof DECODER_GAN_LOSSES)[number];

/** Options of the VAE-GAN hybrid (lib/models/vae-gan.ts; documented with TrainConfig). */
export interface VaeGanOptions {
  /** γ: weight of the D_l reconstruction against the GAN loss in the decoder's update. */
  gamma: number;
  /** Weight of the pose MSE added to the encoder's and decoder's objectives (0 = Larsen's pure D_l). */
  poseMseWeight: number;
  /** Discriminator (MLP critic) units per hidden layer. */
  discHidden: number;
  /** Discriminator residual pairs after its stem. */
  discBlocks: number;
  /** Which discriminator layer is D_l: 0 = the stem, k = residual pair k. */
  discFeatureLayer: number;
  /** Discriminator learning rate (Adam). */
  discLr: number;
  decoderGan: DecoderGanLoss;
}

export interface Lifter extends Trainable<LiftBatch> {
  readonly kind: ModelKind;
  readonly inputDim: number;
  readonly outputDim: number;
  /** Latent size, for lifters with a latent space (else 0). */
  readonly latentDim: number;
  /** True when the lifter samples hypotheses (`sample`). */
  readonly variational: boolean;
  /** Deterministic prediction [B, outputDim] (z = μ for the β-VAE and AE, z = 0 for the CVAE), inference mode. */
  predict(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * Latent means μ(x) [B, latentDim]; throws for lifters without a latent space, and for the
   * CVAE, whose posterior needs the 3D pose too.
   */
  encodeMean(x: tf.Tensor2D): tf.Tensor2D;
  /**
   * N hypotheses [B, outputDim] from the model's test-time latent distribution (q(z|x) for the
   * β-VAE and VAE-GAN, the prior N(0, I) for the CVAE), seeded: hypothesis k uses its own seed, so
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
