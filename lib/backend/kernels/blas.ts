/**
 * Matrix products of the wasm backend through OpenBLAS (optional native addon, built by
 * scripts/build-native.sh). `BatchMatMul` and `_FusedMatMul` are re-registered so that the
 * addon multiplies the operands in place in the wasm heap (zero-copy), transposes
 * included, with bias and ReLU fused. Cases it does not cover (non-float32, other
 * activations, PReLU weights, unusual bias shapes, mixed batch broadcasting) go to the
 * previously registered kernel. The same addon also runs reductions, element-wise ops and
 * batch norm (./ops.ts) and convolutions (./conv.ts) on the heap.
 * `HPE_BLAS=0` turns it off; `HPE_BLAS_THREADS` sets threads; `HPE_NATIVE_OPS=0` and
 * `HPE_NATIVE_CONV=0` keep only the matrix products.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ROOT, rootRequire } from "../../core/paths";
import { installNativeConv } from "./conv";
import { installNativeOps } from "./ops";
import { setting } from "../../core/settings";
import type { BlasAddon } from "./addon";

export type { BlasAddon } from "./addon";

type Info = tf.TensorInfo;
interface WasmBackend {
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): Info;
  wasm: { HEAPU8: Uint8Array };
}

export const BLAS_ADDON_PATH = path.join(ROOT, "native", "build", "hpe_blas.node");

let addon: BlasAddon | undefined;
let installed: string | undefined;

/** Load the addon, or return why it is not available. */
export function loadBlasAddon(): BlasAddon | string {
  if (addon) return addon;
  if (!setting("HPE_BLAS")) return "HPE_BLAS=0";
  if (!fs.existsSync(BLAS_ADDON_PATH))
    return `${path.relative(ROOT, BLAS_ADDON_PATH)} not built (npm run setup builds it when libopenblas-dev and a C compiler are present)`;
  try {
    const loaded = rootRequire(BLAS_ADDON_PATH) as BlasAddon;
    // An addon built from older sources lacks the newer functions: rebuild it.
    const missing = ["sgemm", "reduceSum", "binary", "aleaUniform", "conv2d", "bnGrad"].filter(
      (f) => typeof (loaded as unknown as Record<string, unknown>)[f] !== "function",
    );
    if (missing.length)
      return `${path.relative(ROOT, BLAS_ADDON_PATH)} is out of date (no ${missing.join(", ")}; npm run setup rebuilds it)`;
    addon = loaded;
    const t = setting("HPE_BLAS_THREADS");
    if (t !== undefined) addon.threads(t);
    return addon;
  } catch (e) {
    return `${path.relative(ROOT, BLAS_ADDON_PATH)} failed to load: ${(e as Error).message.split("\n")[0]}`;
  }
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function register(kernelName: string, blas: BlasAddon): void {
  const fallback = tf.getKernel(kernelName, "wasm");
  if (!fallback) throw new Error(`wasm kernel ${kernelName} is not registered`);
  const run = (args: Parameters<tf.KernelFunc>[0]): Info => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined>;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
    const act = attrs.activation ?? "linear";
    if (
      !a ||
      !b ||
      a.dtype !== "float32" ||
      b.dtype !== "float32" ||
      preluActivationWeights ||
      (act !== "linear" && act !== "relu")
    )
      return fallback.kernelFunc(args) as Info;
    const ra = a.shape.length,
      rb = b.shape.length;
    const M = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const Kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const N = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = product(a.shape.slice(0, -2)),
      batchB = product(b.shape.slice(0, -2));
    const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
    if (K !== Kb)
      throw new Error(
        `Error in matMul: inner shapes (${K}) and (${Kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${attrs.transposeA} and transposeB=${attrs.transposeB} must match.`,
      );
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return fallback.kernelFunc(args) as Info;
    if (bias && !(bias.dtype === "float32" && product(bias.shape) === N && bias.shape[bias.shape.length - 1] === N))
      return fallback.kernelFunc(args) as Info;
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput([...outer, M, N], "float32");
    if (M * N === 0) return out;
    const off = (t: Info) => backend.dataIdMap.get(t.dataId).memoryOffset;
    blas.sgemm(
      backend.wasm.HEAPU8.buffer as ArrayBuffer,
      off(a),
      off(b),
      off(out),
      M,
      N,
      K,
      attrs.transposeA ? 1 : 0,
      attrs.transposeB ? 1 : 0,
      Math.max(batchA, batchB),
      batchA === 1 ? 0 : M * K,
      batchB === 1 ? 0 : K * N,
      bias ? off(bias) : -1,
      act === "relu" ? 1 : 0,
    );
    return out;
  };
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ ...fallback, kernelFunc: run as tf.KernelFunc });
}

/**
 * Register the OpenBLAS kernels on the wasm backend (after the transposed-matmul fix, which
 * stays as their fallback). Returns a description, or undefined when the addon is absent.
 */
export function installBlasKernels(): string | undefined {
  if (installed) return installed;
  const blas = loadBlasAddon();
  if (typeof blas === "string") return undefined;
  register("BatchMatMul", blas);
  register("_FusedMatMul", blas);
  // HPE_NATIVE_OPS=0 / HPE_NATIVE_CONV=0 leave those kernels to wasm (benchmarks compare them).
  const extra = [
    // The fused training kernels (./fused.ts) register on first use; they run where the native ops do.
    ...(setting("HPE_NATIVE_OPS")
      ? [...installNativeOps(blas), "fused batch norm/dropout/max-norm/Σx² (training)"]
      : []),
    ...(setting("HPE_NATIVE_CONV") ? installNativeConv(blas) : []),
  ];
  installed = `OpenBLAS sgemm (${blas.config().split(" ").slice(0, 2).join(" ")}, ${blas.threads(0)} threads)${extra.length ? `, ${extra.join(", ")}` : ""}`;
  return installed;
}

/** Why the BLAS kernels are not in use (for logs), or undefined when they are. */
export function blasUnavailableReason(): string | undefined {
  const b = loadBlasAddon();
  return typeof b === "string" ? b : undefined;
}
