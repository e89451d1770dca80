/**
 * A pose critic for WGAN-GP (Gulrajani et al. 2017): an MLP 48 → 3 × 256 (leaky ReLU) → 1
 * and its training step with the gradient penalty
 *   L = E[D(fake)] − E[D(real)] + λ E[(‖∇_x̂ D(x̂)‖₂ − 1)²],  x̂ = ε real + (1 − ε) fake.
 * The penalty needs second-order gradients (see lib/backend/kernels/gradients.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { registerZeroGradients } from "../backend/kernels/gradients";
import { Adam } from "../nn/optim";
import { mulberry32 } from "../core/rng";

export interface CriticOptions {
  inputDim: number;
  hidden: number;
  layers: number;
  leak: number;
}

export class Critic {
  readonly weights: { W: tf.Variable; b: tf.Variable }[] = [];

  constructor(readonly opts: CriticOptions, seed: number) {
    registerZeroGradients();
    const r = mulberry32(seed);
    const dims = [opts.inputDim, ...Array(opts.layers).fill(opts.hidden), 1];
    for (let l = 0; l + 1 < dims.length; l++) {
      const lim = Math.sqrt(6 / (dims[l] + dims[l + 1]));
      this.weights.push({
        W: tf.variable(tf.tensor2d(Float32Array.from({ length: dims[l] * dims[l + 1] }, () => (2 * r() - 1) * lim), [dims[l], dims[l + 1]])),
        b: tf.variable(tf.zeros([dims[l + 1]])),
      });
    }
  }

  trainable(): tf.Variable[] {
    return this.weights.flatMap((w) => [w.W, w.b]);
  }

  /** Scores [B] of poses [B, inputDim]. */
  apply(x: tf.Tensor2D): tf.Tensor1D {
    let h: tf.Tensor2D = x;
    this.weights.forEach((w, l) => {
      h = tf.add(tf.matMul(h, w.W), w.b) as tf.Tensor2D;
      if (l + 1 < this.weights.length) h = tf.leakyRelu(h, this.opts.leak);
    });
    return tf.reshape(h, [-1]) as tf.Tensor1D;
  }

  /** λ E[(‖∇_x̂ D(x̂)‖ − 1)²] at the given interpolates. */
  gradientPenalty(xHat: tf.Tensor2D, lambda: number): tf.Scalar {
    const g = tf.grad((x: tf.Tensor) => tf.sum(this.apply(x as tf.Tensor2D)))(xHat);
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
    return tf.mul(lambda, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
  }

  dispose(): void {
    tf.dispose(this.trainable());
  }
}

/** One critic update; returns the loss terms (caller disposes). */
export function criticStep(critic: Critic, adam: Adam, real: tf.Tensor2D, fake: tf.Tensor2D, o: { lambda: number; lr: number; seed: number }): { loss: tf.Scalar; penalty: tf.Scalar; wasserstein: tf.Scalar } {
  let penalty!: tf.Scalar, wasserstein!: tf.Scalar;
  const params = critic.trainable();
  const { value, grads } = tf.variableGrads(() => {
    const eps = tf.randomUniform([real.shape[0], 1], 0, 1, "float32", o.seed);
    const xHat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor2D;
    const w = tf.sub(tf.mean(critic.apply(real)), tf.mean(critic.apply(fake))) as tf.Scalar;
    const gp = critic.gradientPenalty(xHat, o.lambda);
    wasserstein = tf.keep(w);
    penalty = tf.keep(gp);
    return tf.add(tf.neg(w), gp) as tf.Scalar;
  }, params);
  adam.apply(params.map((p) => grads[p.name]), o.lr);
  tf.dispose(Object.values(grads));
  return { loss: value, penalty, wasserstein };
}
