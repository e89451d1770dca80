/**
 * Adam (Kingma & Ba 2015) over a fixed, ordered list of variables, with its whole state
 * exposed for checkpoints (moments and step count), so a resumed run continues exactly.
 */
import * as tf from "@tensorflow/tfjs";

export class Adam {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  step = 0;

  constructor(readonly params: tf.Variable[], readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-7) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One update with gradients in the order of `params`. */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.params.length) throw new Error(`Adam: ${grads.length} gradients for ${this.params.length} parameters`);
    this.step++;
    const b1 = this.beta1, b2 = this.beta2;
    const alpha = (lr * Math.sqrt(1 - Math.pow(b2, this.step))) / (1 - Math.pow(b1, this.step));
    tf.tidy(() => {
      grads.forEach((g, i) => {
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.params[i].assign(tf.sub(this.params[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), alpha)));
      });
    });
  }

  /** State tensors in a fixed order: all first moments, then all second moments. */
  stateVariables(): tf.Variable[] {
    return [...this.m, ...this.v];
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
