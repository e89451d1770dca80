/** The training step the supervised lifters share, and one update outside the loop. */
import type * as tf from "@tensorflow/tfjs";
import { type BnStats, Mlp } from "../nn/mlp";
import { minimize, type Optimizer } from "../nn/optim";
import type { Step, StepContext } from "../nn/trainable";
import type { LiftBatch, Lifter, LifterOptions } from "./lifter";

/** How a supervised step updates: learning rate, and the two limits (0 = off). */
export interface UpdateOptions {
  lr: number;
  /** Max-norm of kernel columns of `nets`, applied after the update. */
  maxNorm: number;
  /** Global gradient-norm clipping before the update (lib/nn/optim.ts `minimize`). */
  clipNorm: number;
}

/**
 * The supervised step shared by the lifters: gradients of `loss` for the optimizer's
 * parameters, clipped by their global norm when `clipNorm` > 0, the update, then batch-norm
 * moving statistics and the max-norm constraint of `nets`. Returns the named terms (loss,
 * the model's own terms, gradNorm before clipping).
 */
export function supervisedStep(
  opt: Optimizer,
  nets: Mlp[],
  u: UpdateOptions,
  loss: (bnStats: BnStats) => { loss: tf.Scalar; terms?: Record<string, tf.Scalar> },
): Record<string, tf.Scalar> {
  const { lr, maxNorm, clipNorm } = u;
  const bnStats: BnStats = [];
  const r = minimize(opt, lr, () => loss(bnStats), clipNorm);
  if (bnStats.length) Mlp.updateMovingStats(bnStats);
  if (maxNorm > 0) for (const m of nets) m.applyMaxNorm(maxNorm);
  return r;
}

/**
 * The lifters' one training step ("train"): supervisedStep at the schedule's learning rate, with the
 * options' max-norm (on `nets`) and gradient clipping, on the loss of the batch.
 */
export function supervisedTrainStep(
  opt: Optimizer,
  nets: Mlp[],
  opts: Pick<LifterOptions, "maxNorm" | "clipNorm">,
  loss: (
    batch: LiftBatch,
    ctx: StepContext,
    bnStats: BnStats,
  ) => { loss: tf.Scalar; terms?: Record<string, tf.Scalar> },
): Step<LiftBatch> {
  return {
    name: "train",
    run: (batch, ctx) =>
      supervisedStep(opt, nets, { lr: ctx.values.lr, maxNorm: opts.maxNorm, clipNorm: opts.clipNorm ?? 0 }, (bnStats) =>
        loss(batch, ctx, bnStats),
      ),
  };
}

/**
 * One training update of a lifter on one batch outside the loop (benchmarks, tests):
 * its step with schedule values `lr` and `beta` and a seed for dropout and sampling.
 */
export function fitBatch(
  lifter: Lifter,
  batch: LiftBatch,
  o: { lr: number; beta: number; seed: number },
): Record<string, tf.Scalar> {
  return lifter.steps[0].run(batch, {
    epoch: 0,
    globalStep: o.seed,
    progress: 0,
    seed: o.seed,
    values: { lr: o.lr, beta: o.beta },
  });
}
