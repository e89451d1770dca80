/** Loss terms on tensors (no poses here: pose-aware losses live with their models). */
import * as tf from "@tensorflow/tfjs";

/** KL(q(z|x) ‖ N(0, I)) per sample [B]: −½ Σ_k (1 + log σ²_k − μ_k² − σ²_k), from μ, log σ² [B, K]. */
export function klDivergence(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  if (mu.rank !== 2 || logvar.shape.join() !== mu.shape.join()) {
    throw new Error(`klDivergence: expected μ and log σ² of one shape [B, K], got [${mu.shape}] and [${logvar.shape}]`);
  }
  return tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar))), 1)) as tf.Tensor1D;
}

/** Mean squared error over all elements. */
export function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (pred.shape.join() !== target.shape.join()) {
    throw new Error(`meanSquaredError: prediction [${pred.shape}] and target [${target.shape}] differ in shape`);
  }
  return tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar;
}

/** z = μ + σ·ε with ε ~ N(0, I) seeded (the reparameterization trick). */
export function reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, seed: number): tf.Tensor2D {
  const eps = tf.randomNormal(mu.shape, 0, 1, "float32", seed);
  return tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D;
}

/**
 * The relaxed best-of-many (winner-takes-all) loss of S hypotheses [S, B, D] for targets y [B, D]:
 * per example, the squared error (mean over D) of its best hypothesis, weighted 1 − relax, plus
 * `relax` times the mean over all S, then the mean over the batch:
 *   L = mean_b [ (1 − ρ) · min_s e_sb + ρ · mean_s e_sb ],   e_sb = mean_d (ŷ_sbd − y_bd)²
 * Only the winner learns the example at ρ = 0, so the hypotheses spread over the answers an input
 * allows (Guzman-Rivera et al. 2012; Bhattacharyya et al. 2018's best-of-many objective for
 * CVAEs). A small ρ keeps the hypotheses that never win near the data (Rupprecht et al. 2017).
 */
export function bestOfManyLoss(preds: tf.Tensor3D, y: tf.Tensor2D, relax: number): tf.Scalar {
  if (preds.rank !== 3 || y.rank !== 2 || preds.shape[1] !== y.shape[0] || preds.shape[2] !== y.shape[1]) {
    throw new Error(
      `bestOfManyLoss: expected hypotheses [S, B, D] and targets [B, D], got [${preds.shape}] and [${y.shape}]`,
    );
  }
  if (!(relax >= 0 && relax <= 1)) throw new Error(`bestOfManyLoss: relax must be in [0, 1], got ${relax}`);
  const e = tf.mean(tf.squaredDifference(preds, tf.expandDims(y, 0)), 2); // [S, B]
  // The winner by a one-hot mask, not tf.min, whose gradient goes to every tied sample: at
  // initialization all samples tie, and the gradient would be S times the loss's.
  const winner = tf.transpose(tf.oneHot(tf.argMin(e, 0), preds.shape[0]).asType("float32")); // [S, B]
  const best = tf.sum(tf.mul(e, winner), 0);
  const perExample = relax > 0 ? tf.add(tf.mul(best, 1 - relax), tf.mul(tf.mean(e, 0), relax)) : best;
  return tf.mean(perExample) as tf.Scalar;
}

/** Identity forward, zero gradient (TF.js has no stop_gradient op). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
