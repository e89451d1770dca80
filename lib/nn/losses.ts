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
