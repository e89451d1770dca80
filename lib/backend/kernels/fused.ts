/**
 * Fused kernels for a lifter's training step (native/fused.c). Op by op, the Martinez
 * baseline's step spent as long in element-wise ops as in its matrix products: batch norm
 * in training mode (moments, then a backward pass of ~14 broadcast ops per layer), dropout
 * masks (uniforms, compare, cast, multiply, divide), max-norm over every kernel, and the
 * squared gradient norm the training core reports. Each function here does that work in
 * one or two passes through the native addon on the wasm heap, and op by op elsewhere
 * (other backends, no addon, `HPE_NATIVE_OPS=0`, or `opByOp: true`, which the tests use to
 * compare the two):
 *   - `batchNormTrain`: y = γ·(x − μ)/√(σ² + ε) + β with the batch's μ, σ² (biased), and
 *     its gradient for x, γ, β (tf.customGrad over the `HpeBnGrad` kernel);
 *   - `dropoutMask`: (u ≥ rate)/(1 − rate) with u = `randomUniform`'s values for the seed;
 *   - `maxNormColumns`: W·min(1, maxNorm/(‖W₍:,j₎‖ + 1e-7)) per column;
 *   - `sumSquares`: Σ x².
 * Native sums run in double, so results equal the op-by-op ones up to float32 rounding.
 */
import * as tf from "@tensorflow/tfjs";
import { setting } from "../../core/settings";
import type { BlasAddon } from "./addon";
import { loadBlasAddon } from "./blas";
import { aleaState, randomUniform } from "./random";

type Info = tf.TensorInfo;
type Args = Parameters<tf.KernelFunc>[0];
interface WasmBackend {
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): Info;
  wasm: { HEAPU8: Uint8Array };
}

const wb = (args: Args) => args.backend as unknown as WasmBackend;
const off = (b: WasmBackend, t: Info) => b.dataIdMap.get(t.dataId).memoryOffset;
const heapOf = (b: WasmBackend) => b.wasm.HEAPU8.buffer as ArrayBuffer;

function register(blas: BlasAddon): void {
  const kernel = (kernelName: string, kernelFunc: (args: Args) => Info | Info[]) =>
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernelFunc as tf.KernelFunc });
  kernel("HpeBnStats", (args) => {
    const { x } = args.inputs as { x: Info };
    const b = wb(args);
    const [rows, C] = x.shape;
    const mean = b.makeOutput([C], "float32"),
      variance = b.makeOutput([C], "float32");
    blas.bnStats(heapOf(b), off(b, x), off(b, mean), off(b, variance), rows, C);
    return [mean, variance];
  });
  kernel("HpeBnGrad", (args) => {
    const { dy, x, mean, variance, gamma } = args.inputs as Record<string, Info>;
    const { eps } = args.attrs as unknown as { eps: number };
    const b = wb(args);
    const [rows, C] = x.shape;
    const dx = b.makeOutput(x.shape, "float32"),
      dgamma = b.makeOutput([C], "float32"),
      dbeta = b.makeOutput([C], "float32");
    const o = [dy, x, mean, variance, gamma, dx, dgamma, dbeta].map((t) => off(b, t));
    blas.bnGrad(heapOf(b), o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], rows, C, eps);
    return [dx, dgamma, dbeta];
  });
  kernel("HpeMaxNorm", (args) => {
    const { w } = args.inputs as { w: Info };
    const { maxNorm } = args.attrs as unknown as { maxNorm: number };
    const b = wb(args);
    const out = b.makeOutput(w.shape, "float32");
    blas.maxNorm(heapOf(b), off(b, w), off(b, out), w.shape[0], w.shape[1], maxNorm);
    return out;
  });
  kernel("HpeSumSquares", (args) => {
    const { x } = args.inputs as { x: Info };
    const b = wb(args);
    const out = b.makeOutput([], "float32");
    blas.sumSquares(
      heapOf(b),
      off(b, x),
      off(b, out),
      x.shape.reduce((p, d) => p * d, 1),
    );
    return out;
  });
}

let registered: BlasAddon | null | undefined;

/** The addon when the fused kernels can run (wasm backend, addon built, native ops on). */
function fused(opByOp?: boolean): BlasAddon | null {
  if (registered === undefined) {
    const blas = loadBlasAddon();
    registered = typeof blas !== "string" && setting("HPE_NATIVE_OPS") ? blas : null;
    if (registered) register(registered);
  }
  return !opByOp && registered && tf.getBackend() === "wasm" ? registered : null;
}

const is2dFloat = (t: tf.Tensor) => t.rank === 2 && t.dtype === "float32" && t.size > 0;

/**
 * Batch norm in training mode over the rows of x [B, C]: returns y and the batch's mean and
 * (biased) variance, which the caller folds into moving statistics. Differentiable in x, γ
 * and β (the gradient includes the dependence of μ and σ² on x).
 */
export function batchNormTrain(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  o: { opByOp?: boolean } = {},
): { y: tf.Tensor2D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (!fused(o.opByOp) || !is2dFloat(x)) {
    const { mean, variance } = tf.moments(x, 0);
    return {
      y: tf.batchNorm(x, mean, variance, beta, gamma, eps) as tf.Tensor2D,
      mean: mean as tf.Tensor1D,
      variance: variance as tf.Tensor1D,
    };
  }
  const [mean, variance] = tf.engine().runKernel("HpeBnStats", { x }) as tf.Tensor1D[];
  const f = tf.customGrad(((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs, g, mean, variance]);
    return {
      value: tf.batchNorm(xs, mean, variance, b, g, eps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel("HpeBnGrad", { dy, x: saved[0], mean: saved[2], variance: saved[3], gamma: saved[1] }, {
          eps,
        } as unknown as tf.NamedAttrMap) as tf.Tensor[],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return { y: (f as (...t: tf.Tensor[]) => tf.Tensor)(x, gamma, beta) as tf.Tensor2D, mean, variance };
}

/** A dropout mask of `shape`: 1/(1 − rate) where the seeded uniform is ≥ rate, else 0. */
export function dropoutMask(shape: number[], rate: number, seed: number, o: { opByOp?: boolean } = {}): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropoutMask: rate must be in [0, 1), got ${rate}`);
  const blas = fused(o.opByOp);
  const n = shape.reduce((a, b) => a * b, 1);
  if (!blas || n === 0) {
    return tf.tidy(() => tf.div(tf.cast(tf.greaterEqual(randomUniform(shape, 0, 1, seed), rate), "float32"), 1 - rate));
  }
  const b = tf.backend() as unknown as WasmBackend;
  const info = b.makeOutput(shape, "float32");
  const s = aleaState(seed);
  blas.dropoutMask(heapOf(b), off(b, info), n, s.c, s.s0, s.s1, s.s2, rate, Math.fround(1 / Math.fround(1 - rate)));
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** W [in, out] with each column scaled down to L2 norm ≤ maxNorm (Martinez et al.'s max-norm). */
export function maxNormColumns(w: tf.Tensor, maxNorm: number, o: { opByOp?: boolean } = {}): tf.Tensor {
  if (!fused(o.opByOp) || !is2dFloat(w))
    return tf.tidy(() =>
      tf.mul(w, tf.minimum(1, tf.div(maxNorm, tf.add(tf.sqrt(tf.sum(tf.square(w), 0, true)), 1e-7)))),
    );
  return tf.engine().runKernel("HpeMaxNorm", { w }, { maxNorm } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Σ x² as a scalar. */
export function sumSquares(x: tf.Tensor, o: { opByOp?: boolean } = {}): tf.Scalar {
  if (!fused(o.opByOp) || x.dtype !== "float32" || x.size === 0) return tf.tidy(() => tf.sum(tf.square(x)));
  return tf.engine().runKernel("HpeSumSquares", { x }) as tf.Scalar;
}
