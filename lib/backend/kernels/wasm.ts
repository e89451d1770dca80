/**
 * Faster matrix products on the wasm backend.
 *
 * tfjs-backend-wasm 4.22 sends a product through XNNPACK only when neither operand is
 * transposed; `transposeA`/`transposeB` fall to a naive loop that is 10–25× slower.
 * Backprop needs exactly those products (dW = Xᵀ·dY, dX = dY·Wᵀ). We re-register
 * `BatchMatMul` and `_FusedMatMul` so that a transposed operand is first materialized
 * with wasm's own `Transpose` kernel, then the original kernel runs untransposed.
 * Results are identical up to float rounding order; gradients are untouched (they are
 * registered per op, not per backend).
 */
import * as tf from "@tensorflow/tfjs";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

let installed: string[] | undefined;

function wrapTransposed(kernelName: string): void {
  const orig = tf.getKernel(kernelName, "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!orig || !transpose) throw new Error(`wasm kernel ${kernelName} or Transpose is not registered`);
  const run = (args: KernelArgs): Info => {
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args) as Info;
    const backend = args.backend as tf.KernelBackend;
    const temps: Info[] = [];
    const materialize = (x: Info): Info => {
      const r = x.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      const t = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as Info;
      temps.push(t);
      return t;
    };
    const inputs = { ...args.inputs } as Record<string, Info>;
    if (attrs.transposeA) inputs.a = materialize(inputs.a);
    if (attrs.transposeB) inputs.b = materialize(inputs.b);
    try {
      return orig.kernelFunc({
        ...args,
        inputs,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as Info;
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ ...orig, kernelFunc: run as tf.KernelFunc });
}

/**
 * Install the transposed-matmul fix on the wasm backend (idempotent).
 * Returns the names of what was installed, for the backend log line.
 */
export function installWasmKernels(): string[] {
  if (installed) return installed;
  wrapTransposed("BatchMatMul");
  wrapTransposed("_FusedMatMul");
  installed = ["wasm transposed-matmul fix"];
  return installed;
}
