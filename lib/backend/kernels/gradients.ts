/**
 * Zero gradients for comparison and logical ops. tfjs-core registers none, so a gradient
 * of a gradient through `leakyRelu`/`relu` (WGAN-GP's penalty) fails with
 * "gradient function not found for Greater". Their true derivative is zero almost
 * everywhere, which is what these register. (Second-order gradients of tanh/sigmoid are
 * wrong in tfjs 4.22 without any error — analytic 0.206 against finite differences 0.837 for
 * tanh in one measurement: critics use relu/leakyRelu, and a test checks the penalty.)
 */
import * as tf from "@tensorflow/tfjs";

const OPS = ["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "LogicalNot"];
let done = false;

export function registerZeroGradients(): void {
  if (done) return;
  for (const kernelName of OPS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: kernelName === "LogicalNot" ? ["x"] : ["a", "b"],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): Record<string, () => tf.Tensor> =>
        kernelName === "LogicalNot" ? { x: () => tf.zerosLike(saved[0]) } : { a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) },
    });
  }
  done = true;
}
