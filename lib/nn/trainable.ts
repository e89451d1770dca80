/**
 * The contract between a model and the training loop (lib/train/loop.ts; the contract lives in nn/ because models, below train/, implement it).
 *
 * A model declares its named parts (each a group of variables), one optimizer per group,
 * and one or more steps. A step takes a batch, updates its own parameters, and returns
 * NAMED loss terms as device scalars; the loop never needs to know what they mean.
 * Steps alternate in a cycle: `[{ name: "critic", repeat: 5 }, { name: "generator" }]`
 * gives each batch of the epoch in turn to critic ×5, then generator ×1.
 *
 * The loop owns the rest: epochs, seeded shuffles, schedules, progress, metrics.jsonl,
 * checkpoints of every part and optimizer, resume, and stopping on a non-finite term.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Optimizer } from "./optim";

/** A group of variables saved together (an encoder, a decoder, a critic…). */
export interface Part {
  /** Trainable variables, in a fixed order. */
  trainable(): tf.Variable[];
  /** Every variable to checkpoint (trainable first, then e.g. batch-norm statistics), in a fixed order. */
  variables(): tf.Variable[];
  dispose(): void;
}

/** What a step knows about where training is. */
export interface StepContext {
  /** Epoch in progress, from 0. */
  epoch: number;
  /** Batches consumed by all steps so far (this batch not included). */
  globalStep: number;
  /** Fraction of training done, in [0, 1). */
  progress: number;
  /** A seed for this step's randomness (dropout masks, sampling), derived from the run seed. */
  seed: number;
  /** Schedule values at this point (for example `lr`, `beta`, `gamma`). */
  values: Readonly<Record<string, number>>;
}

/** A batch: named tensors. The loop disposes them after the step. */
export type Batch = Record<string, tf.Tensor>;

export interface Step<B extends Batch = Batch> {
  /** A name for logs and errors (`train`, `critic`, `generator`…). */
  name: string;
  /** Consecutive batches this step takes per cycle (n_critic); default 1. */
  repeat?: number;
  /** Whether the step runs in an epoch (for one-pair-per-epoch schedules); default always. */
  active?: (epoch: number) => boolean;
  /**
   * One update. Returns named loss terms (device scalars, which the loop keeps and
   * disposes; it reads them at epoch ends only). With several steps the loop logs them as
   * "<step>.<term>".
   */
  run(batch: B, ctx: StepContext): Record<string, tf.Scalar>;
}

export interface Trainable<B extends Batch = Batch> {
  /** Named parts, in a fixed order (checkpoints rely on it). */
  readonly parts: Readonly<Record<string, Part>>;
  /** One optimizer per parameter group, in a fixed order. */
  readonly optimizers: Readonly<Record<string, Optimizer>>;
  readonly steps: readonly Step<B>[];
  /**
   * What the weights mean, where a model's math changed while its tensors kept their shapes: a
   * checkpoint saved under another design is refused rather than loaded into different math.
   */
  readonly design?: string;
}

/** Where batches come from: the loop shuffles indices into [0, size) and asks for tensors. */
export interface BatchSource<B extends Batch = Batch> {
  /** Training samples per epoch. */
  readonly size: number;
  /** Tensors of the samples `indices`; `seed` is for per-batch randomness (augmentation, rendering). */
  batch(indices: Int32Array, seed: number): B;
}
