/**
 * Zero gradients for comparison and logical ops. tfjs-core registers none, so a gradient
 * of a gradient through `leakyRelu`/`relu` (WGAN-GP's penalty) fails with
 * "gradient function not found for Greater". Their true derivative is zero almost
 * everywhere, which is what these register. (Second-order gradients of tanh/sigmoid are
 * wrong in tfjs 4.22 without any error — analytic 0.206 against finite differences 0.837 for
 * tanh in one measurement: critics use relu/leakyRelu, and a test checks the penalty.)
 */
import * as tf from "@tensorflow/tfjs";

const OPS = [
  "Greater",
  "GreaterEqual",
  "Less",
  "LessEqual",
  "Equal",
  "NotEqual",
  "LogicalAnd",
  "LogicalOr",
  "LogicalNot",
];
let done = false;

export function registerZeroGradients(): void {
  if (done) return;
  for (const kernelName of OPS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: kernelName === "LogicalNot" ? ["x"] : ["a", "b"],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): Record<string, () => tf.Tensor> =>
        kernelName === "LogicalNot"
          ? { x: () => tf.zerosLike(saved[0]) }
          : { a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) },
    });
  }
  done = true;
}

let broadcastDone = false;

/**
 * Gradients of `Sum` and `Mean` without a ones tensor. tfjs-core builds ∂x as
 * dy · ones(x.shape) (÷ n for the mean), which allocates and fills the ones in JavaScript
 * and uploads them on every step (batch norm's moments take two means per layer). Here
 * ∂x = tile(reshape(dy ÷ n)): the same values (x · 1 = x; the mean divides the small dy
 * before broadcasting, exactly as it divided each product before), through the Tile
 * kernel. Installed on the wasm backend with its faster kernels.
 */
export function registerBroadcastGradients(): void {
  if (broadcastDone) return;
  for (const kernelName of ["Sum", "Mean"]) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (
        dy: tf.Tensor | tf.Tensor[],
        saved: tf.Tensor[],
        attrs?: tf.NamedAttrMap,
      ): Record<string, () => tf.Tensor> => {
        const [x] = saved;
        const g = dy as tf.Tensor;
        const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
        const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const reps = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
        const n = axes.reduce((s, a) => s * x.shape[a], 1);
        return {
          x: () => {
            const small = tf.reshape(kernelName === "Mean" ? tf.div(g, n) : g, expanded);
            return reps.every((r) => r === 1) ? tf.clone(small) : tf.tile(small, reps);
          },
        };
      },
    });
  }
  broadcastDone = true;
}
