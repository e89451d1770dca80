/**
 * Optimizers over a fixed, ordered list of variables, with their whole state exposed for
 * checkpoints (moments and step count), so a resumed run continues exactly.
 */
import * as tf from "@tensorflow/tfjs";
import { adamUpdate } from "../backend/kernels/adam";
import { sumSquares } from "../backend/kernels/fused";

/** What the training loop needs of an optimizer: an update, and its state for checkpoints. */
export interface Optimizer {
  /** The variables it updates, in a fixed order. */
  readonly params: tf.Variable[];
  /** Updates done so far (part of the state: Adam's bias correction depends on it). */
  iterations: number;
  /** One update with gradients in the order of `params`. */
  apply(grads: tf.Tensor[], lr: number): void;
  /** State tensors in a fixed order. */
  stateVariables(): tf.Variable[];
  dispose(): void;
}

function zerosFor(params: tf.Variable[]): tf.Variable[] {
  return tf.tidy(() => params.map((p) => tf.variable(tf.zerosLike(p), false)));
}

function checkGrads(name: string, grads: tf.Tensor[], params: tf.Variable[]): void {
  if (grads.length !== params.length)
    throw new Error(`${name}: ${grads.length} gradients for ${params.length} parameters`);
}

/** Adam (Kingma & Ba 2015). */
export class Adam implements Optimizer {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  iterations = 0;

  constructor(
    readonly params: tf.Variable[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    this.m = zerosFor(params);
    this.v = zerosFor(params);
  }

  apply(grads: tf.Tensor[], lr: number): void {
    checkGrads("Adam", grads, this.params);
    this.iterations++;
    const b1 = this.beta1,
      b2 = this.beta2;
    const alpha = (lr * Math.sqrt(1 - b2 ** this.iterations)) / (1 - b1 ** this.iterations);
    // One fused pass per variable where the native addon runs (bit-identical to the op-by-op
    // update, which runs elsewhere): m ← m·β1 + g·(1−β1); v ← v·β2 + g²·(1−β2); p ← p − α·m/(√v + ε).
    adamUpdate(this.params, this.m, this.v, grads, { b1, b2, eps: this.epsilon, alpha });
  }

  /** All first moments, then all second moments. */
  stateVariables(): tf.Variable[] {
    return [...this.m, ...this.v];
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** RMSProp (Tieleman & Hinton), the optimizer of the original WGAN. */
export class RmsProp implements Optimizer {
  readonly ms: tf.Variable[];
  iterations = 0;

  constructor(
    readonly params: tf.Variable[],
    readonly decay = 0.9,
    readonly epsilon = 1e-7,
  ) {
    this.ms = zerosFor(params);
  }

  apply(grads: tf.Tensor[], lr: number): void {
    checkGrads("RMSProp", grads, this.params);
    this.iterations++;
    tf.tidy(() => {
      grads.forEach((g, i) => {
        const ms = tf.add(tf.mul(this.ms[i], this.decay), tf.mul(tf.square(g), 1 - this.decay));
        this.ms[i].assign(ms);
        this.params[i].assign(tf.sub(this.params[i], tf.mul(tf.div(g, tf.add(tf.sqrt(ms), this.epsilon)), lr)));
      });
    });
  }

  stateVariables(): tf.Variable[] {
    return [...this.ms];
  }

  dispose(): void {
    tf.dispose(this.ms);
  }
}

/** The result of one `minimize`: the objective, the named terms it reported, and ‖∇‖₂. */
export type MinimizeResult = Record<string, tf.Scalar> & { loss: tf.Scalar; gradNorm: tf.Scalar };

/**
 * One optimization step: gradients of `objective` with respect to `opt.params`, applied
 * by `opt` at learning rate `lr`. The objective returns its value and any named terms to
 * report; the result holds them plus the gradient's global L2 norm (before any clipping),
 * as device scalars the caller disposes. Variables outside `opt.params` receive no update.
 *
 * `clipNorm` > 0 clips the gradient by its global norm before the update: every gradient is
 * multiplied by clipNorm / max(‖∇‖₂, clipNorm), which is exactly 1 while ‖∇‖₂ ≤ clipNorm
 * (Pascanu et al. 2013). The scale stays on the device: no host read inside the step.
 * 0 (the default) leaves the gradient untouched.
 */
export function minimize(
  opt: Optimizer,
  lr: number,
  objective: () => { loss: tf.Scalar; terms?: Record<string, tf.Scalar> },
  clipNorm = 0,
): MinimizeResult {
  if (!(clipNorm >= 0) || !Number.isFinite(clipNorm))
    throw new Error(`minimize: clipNorm must be a finite number ≥ 0 (0 = off), got ${clipNorm}`);
  const params = opt.params;
  let terms: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const r = objective();
    terms = Object.fromEntries(Object.entries(r.terms ?? {}).map(([k, v]) => [k, tf.keep(v)]));
    return r.loss;
  }, params);
  const list = params.map((p) => {
    const g = grads[p.name];
    if (!g) throw new Error(`minimize: no gradient for variable ${p.name}`);
    return g;
  });
  const gradNorm = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => sumSquares(g)))) as tf.Scalar);
  const applied =
    clipNorm > 0
      ? tf.tidy(() => {
          const scale = tf.div(clipNorm, tf.maximum(gradNorm, clipNorm));
          return list.map((g) => tf.mul(g, scale));
        })
      : list;
  opt.apply(applied, lr);
  if (applied !== list) tf.dispose(applied);
  tf.dispose(Object.values(grads));
  return { ...terms, loss: value, gradNorm } as MinimizeResult;
}
