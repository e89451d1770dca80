/**
 * What the pose critics share: their interface, seeded dense layers, and residual pairs
 * with leaky ReLU. No batch norm (it couples the samples of a batch, which breaks the
 * per-sample gradient penalty), no tanh/sigmoid (wrong second-order gradients in TF.js).
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../../core/rng";
import { constantVariable, glorotVariable } from "../../nn/init";

/** A critic (or discriminator) on flat poses: scores [B] of inputs [B, inputDim]. */
export interface PoseCritic {
  readonly name: string;
  readonly inputDim: number;
  /** Names of the hidden layers whose activations `features` can return, input side first. */
  readonly featureLayers: readonly string[];
  /** Scores (WGAN) or logits (GAN) [B] of poses [B, inputDim]. */
  score(x: tf.Tensor2D): tf.Tensor1D;
  /** Activations [B, units] of a hidden layer (D_l of the VAE-GAN); default: the last one. */
  features(x: tf.Tensor2D, layer?: string): tf.Tensor2D;
  /** Trainable variables in a fixed order (checkpoints and optimizers rely on it). */
  trainable(): tf.Variable[];
  /** Every variable (here the same as `trainable`), in a fixed order. */
  variables(): tf.Variable[];
  dispose(): void;
}

export interface Dense {
  W: tf.Variable;
  b: tf.Variable;
}

let instance = 0;

/** A unique prefix for variable names (tf.variableGrads keys gradients by name). */
export function uniqueName(name: string): string {
  return `${name}_${instance++}`;
}

/** A Glorot-uniform dense layer [fanIn → fanOut] with zero bias, from a seeded generator. */
export function dense(fanIn: number, fanOut: number, random: Random, name: string): Dense {
  return {
    W: glorotVariable([fanIn, fanOut], fanIn, fanOut, random, `${name}/kernel`),
    b: constantVariable([fanOut], 0, true, `${name}/bias`),
  };
}

/** x·W + b. */
export function linear(x: tf.Tensor2D, d: Dense): tf.Tensor2D {
  return tf.add(tf.matMul(x, d.W), d.b) as tf.Tensor2D;
}

/** leakyRelu(x·W + b). */
export function linearLeaky(x: tf.Tensor2D, d: Dense, leak: number): tf.Tensor2D {
  return tf.leakyRelu(linear(x, d), leak) as tf.Tensor2D;
}

/** A residual pair: h + leaky(leaky(h·Wa + ba)·Wb + bb). */
export function residualPair(h: tf.Tensor2D, pair: [Dense, Dense], leak: number): tf.Tensor2D {
  return tf.add(h, linearLeaky(linearLeaky(h, pair[0], leak), pair[1], leak)) as tf.Tensor2D;
}

export function assertInput(x: tf.Tensor, inputDim: number, who: string): void {
  if (x.rank !== 2 || x.shape[1] !== inputDim) {
    throw new Error(`${who}: expected poses of shape [B, ${inputDim}], got [${x.shape.join(", ")}]`);
  }
}

export function denseVars(layers: Dense[]): tf.Variable[] {
  return layers.flatMap((d) => [d.W, d.b]);
}
