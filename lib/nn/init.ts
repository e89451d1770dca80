/**
 * Seeded weight initialization. Variables are created inside `tf.tidy`, so the initial
 * value tensors are released and only the variables remain.
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../core/rng";

/**
 * Glorot-uniform values for a kernel of `shape`: U(−g·√(6 / (fanIn + fanOut)), +…).
 * For a dense kernel [fanIn, fanOut]; for a conv kernel [kh, kw, cin, cout] pass
 * fanIn = kh·kw·cin and fanOut = kh·kw·cout.
 */
export function glorotUniform(shape: number[], fanIn: number, fanOut: number, random: Random, gain = 1): Float32Array {
  if (fanIn < 1 || fanOut < 1) throw new Error(`glorotUniform: fanIn and fanOut must be ≥ 1, got ${fanIn}, ${fanOut}`);
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => (2 * random() - 1) * limit);
}

/** A trainable variable holding a Glorot-uniform kernel. */
export function glorotVariable(
  shape: number[],
  fanIn: number,
  fanOut: number,
  random: Random,
  name?: string,
): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(glorotUniform(shape, fanIn, fanOut, random), shape), true, name));
}

/** A variable filled with a constant (zeros for biases, ones for batch-norm scales). */
export function constantVariable(shape: number[], value: number, trainable: boolean, name?: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill(shape, value), trainable, name));
}
