/**
 * Element-wise and reduction kernels of the wasm backend, faster on this CPU.
 *
 * Pure TF.js on the wasm heap (installed with the transposed-matmul fix; no addon needed):
 *   - `Tile`: wasm's is a per-element loop (17 ms for 256×1024 outputs, called by every
 *     batch-norm gradient); here rows are copied with `copyWithin` (memcpy).
 *   - `Identity`, and `Cast` to the same dtype: share the input's memory (reference count),
 *     as the cpu backend does, instead of copying it (tensors are immutable; `Reshape`
 *     shares memory the same way);
 *   - the gradients of `Sum` and `Mean` as a Tile of dy (./gradients.ts), not dy · ones.
 * Through the native addon (native/ops.c), in place in the wasm heap:
 *   - `Sum`, `Mean` over one contiguous block of axes (wasm transposes first when the
 *     axes are not the innermost: 9 ms to sum a 1024×1024 kernel's columns for max-norm);
 *   - `Add`, `Sub`, `Multiply`, `RealDiv`, `SquaredDifference` on float32 tensors of 4096
 *     values or more (same shapes, a scalar side, or a row broadcast), split over two
 *     threads when large (Adam and max-norm run over every kernel each step);
 *   - `Sqrt`, `Rsqrt`, `Square` (scalar loops on wasm), `FusedBatchNorm` (inference
 *     formula with given mean/variance; channels last), and comparisons of a tensor with a
 *     scalar (`GreaterEqual`, `Greater`, `LessEqual`, `Less`: dropout masks).
 * Anything else (other dtypes, non-contiguous axes, broadcasting) goes to the kernel that
 * was registered before. Results equal the wasm kernels' up to float summation order.
 */
import * as tf from "@tensorflow/tfjs";
import type { BlasAddon } from "./addon";
import { registerBroadcastGradients } from "./gradients";

type Info = tf.TensorInfo;
type Args = Parameters<tf.KernelFunc>[0];
interface WasmBackend {
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): Info;
  incRef(dataId: unknown): void;
  wasm: { HEAPU8: Uint8Array };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function replace(kernelName: string, make: (fallback: tf.KernelFunc) => (args: Args) => Info): void {
  const prev = tf.getKernel(kernelName, "wasm");
  if (!prev) throw new Error(`wasm kernel ${kernelName} is not registered`);
  const run = make(prev.kernelFunc);
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ ...prev, kernelFunc: run as tf.KernelFunc });
}

let heapInstalled = false;

/** Tile and Identity on the wasm heap (pure TF.js). Idempotent; returns what it installed. */
export function installHeapKernels(): string[] {
  if (heapInstalled) return [];
  replace("Tile", (fallback) => (args) => {
    const { x } = args.inputs as { x: Info };
    const reps = (args.attrs as { reps: number[] }).reps;
    if ((x.dtype !== "float32" && x.dtype !== "int32") || reps.length !== x.shape.length || x.shape.length === 0)
      return fallback(args) as Info;
    const b = args.backend as unknown as WasmBackend;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = b.makeOutput(outShape, x.dtype);
    if (size(outShape) === 0) return out;
    const heap = new Float32Array(b.wasm.HEAPU8.buffer);
    tileInto(
      heap,
      b.dataIdMap.get(x.dataId).memoryOffset >> 2,
      x.shape,
      reps,
      b.dataIdMap.get(out.dataId).memoryOffset >> 2,
    );
    return out;
  });
  replace("Identity", (fallback) => (args) => {
    const { x } = args.inputs as { x: Info };
    if (x.dtype === "string") return fallback(args) as Info;
    (args.backend as unknown as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  replace("Cast", (fallback) => (args) => {
    const { x } = args.inputs as { x: Info };
    if (x.dtype !== (args.attrs as { dtype: string }).dtype || x.dtype === "string") return fallback(args) as Info;
    (args.backend as unknown as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  registerBroadcastGradients();
  heapInstalled = true;
  return ["wasm heap Tile/Identity/Cast, Sum/Mean gradients by Tile"];
}

/**
 * Tile x (at element offset `xo` of `heap`, shape `shape`) by `reps` into `oo`: each output
 * "row" (last axis) is the input row repeated; then whole blocks are repeated per axis,
 * innermost first, by doubling copies.
 */
function tileInto(heap: Float32Array, xo: number, shape: number[], reps: number[], oo: number): void {
  const r = shape.length;
  // Recursive: block(d, src, dst) writes the tiled sub-tensor of axes d.. at dst.
  const outStride: number[] = new Array(r + 1).fill(1),
    inStride: number[] = new Array(r + 1).fill(1);
  for (let d = r - 1; d >= 0; d--) {
    outStride[d] = outStride[d + 1] * shape[d] * reps[d];
    inStride[d] = inStride[d + 1] * shape[d];
  }
  const block = (d: number, src: number, dst: number): void => {
    if (d === r - 1) {
      const n = shape[d];
      heap.copyWithin(dst, src, src + n);
    } else {
      for (let i = 0; i < shape[d]; i++) block(d + 1, src + i * inStride[d + 1], dst + i * outStride[d + 1]);
    }
    // Repeat the block reps[d] times along axis d by doubling.
    const len = shape[d] * outStride[d + 1];
    let have = 1;
    while (have < reps[d]) {
      const n = Math.min(have, reps[d] - have);
      heap.copyWithin(dst + have * len, dst, dst + n * len);
      have += n;
    }
  };
  block(0, xo, oo);
}

let nativeInstalled = false;

/** Kernels through the native addon (see the module comment). Idempotent. */
export function installNativeOps(blas: BlasAddon): string[] {
  if (nativeInstalled) return [];
  const wb = (args: Args) => args.backend as unknown as WasmBackend;
  const off = (b: WasmBackend, t: Info) => b.dataIdMap.get(t.dataId).memoryOffset;
  const heap = (b: WasmBackend) => b.wasm.HEAPU8.buffer as ArrayBuffer;

  const reduce =
    (mean: boolean) =>
    (fallback: tf.KernelFunc) =>
    (args: Args): Info => {
      const { x } = args.inputs as { x: Info };
      const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
      const r = x.shape.length;
      const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + r : a)))].sort(
        (a, b) => a - b,
      );
      if (x.dtype !== "float32" || axes.length === 0 || axes.some((a, i) => a !== axes[0] + i || a >= r))
        return fallback(args) as Info;
      const a0 = axes[0],
        a1 = axes[axes.length - 1];
      const outer = size(x.shape.slice(0, a0)),
        R = size(x.shape.slice(a0, a1 + 1)),
        inner = size(x.shape.slice(a1 + 1));
      if (R === 0) return fallback(args) as Info;
      const outShape = keepDims
        ? x.shape.map((d, i) => (i >= a0 && i <= a1 ? 1 : d))
        : x.shape.filter((_, i) => i < a0 || i > a1);
      const b = wb(args);
      const out = b.makeOutput(outShape, "float32");
      if (outer * inner > 0) blas.reduceSum(heap(b), off(b, x), off(b, out), outer, R, inner, mean ? 1 / R : 1);
      return out;
    };
  replace("Sum", reduce(false));
  replace("Mean", reduce(true));

  const unary =
    (op: number) =>
    (fallback: tf.KernelFunc) =>
    (args: Args): Info => {
      const { x } = args.inputs as { x: Info };
      if (x.dtype !== "float32") return fallback(args) as Info;
      const b = wb(args);
      const out = b.makeOutput(x.shape, "float32");
      const n = size(x.shape);
      if (n > 0) blas.unary(heap(b), op, off(b, x), off(b, out), n);
      return out;
    };
  replace("Sqrt", unary(0));
  replace("Rsqrt", unary(1));
  replace("Square", unary(2));

  // a OP s, or s OP a (flipped), with a float32 tensor and s a one-element float32 tensor.
  const compare =
    (op: number, flipped: number) =>
    (fallback: tf.KernelFunc) =>
    (args: Args): Info => {
      const { a, b: bb } = args.inputs as { a: Info; b: Info };
      const [t, s, code] =
        size(bb.shape) === 1 ? [a, bb, op] : size(a.shape) === 1 ? [bb, a, flipped] : [undefined, undefined, -1];
      if (!t || !s || t.dtype !== "float32" || s.dtype !== "float32") return fallback(args) as Info;
      const b = wb(args);
      const out = b.makeOutput(t.shape, "bool");
      const n = size(t.shape);
      const value = new Float32Array(b.wasm.HEAPU8.buffer, off(b, s), 1)[0];
      if (n > 0) blas.compareScalar(heap(b), code, off(b, t), off(b, out), n, value);
      return out;
    };
  // Codes: 0 ≥, 1 >, 2 ≤, 3 <; s ≥ a is a ≤ s, and so on.
  replace("GreaterEqual", compare(0, 2));
  replace("Greater", compare(1, 3));
  replace("LessEqual", compare(2, 0));
  replace("Less", compare(3, 1));

  replace("FusedBatchNorm", (fallback) => (args: Args): Info => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, Info | undefined>;
    const eps = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
    if (!x || !mean || !variance || x.shape.length === 0) return fallback(args) as Info;
    const C = x.shape[x.shape.length - 1];
    const ok = (t: Info | undefined) =>
      !t || (t.dtype === "float32" && size(t.shape) === C && t.shape[t.shape.length - 1] === C);
    if (x.dtype !== "float32" || C > 16384 || C === 0 || ![mean, variance, offset, scale].every(ok))
      return fallback(args) as Info;
    const b = wb(args);
    const out = b.makeOutput(x.shape, "float32");
    const rows = size(x.shape) / C;
    if (rows > 0)
      blas.batchNorm(
        heap(b),
        off(b, x),
        off(b, mean),
        off(b, variance),
        offset ? off(b, offset) : -1,
        scale ? off(b, scale) : -1,
        off(b, out),
        rows,
        C,
        eps,
      );
    return out;
  });
  // a OP b for float32 tensors of at least 4096 outputs: same size, a one-value side, or a
  // row broadcast (the smaller operand's values repeat along the larger's leading axes).
  const binary =
    (op: number) =>
    (fallback: tf.KernelFunc) =>
    (args: Args): Info => {
      const { a, b: bb } = args.inputs as { a: Info; b: Info };
      if (a.dtype !== "float32" || bb.dtype !== "float32") return fallback(args) as Info;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, bb.shape);
      const n = size(outShape),
        na = size(a.shape),
        nb = size(bb.shape);
      if (n < 4096) return fallback(args) as Info;
      const squeeze = (s: number[]) =>
        s.slice(s.findIndex((d) => d !== 1) < 0 ? s.length : s.findIndex((d) => d !== 1));
      const suffix = (small: number[], big: number[]) => {
        const q = squeeze(small);
        return q.length <= big.length && q.every((d, i) => d === big[big.length - q.length + i]);
      };
      let mode: number,
        inner = 0;
      if (na === n && nb === n) mode = 0;
      else if (na === n && nb === 1) mode = 1;
      else if (nb === n && na === 1) mode = 2;
      else if (na === n && suffix(bb.shape, outShape)) [mode, inner] = [3, nb];
      else if (nb === n && suffix(a.shape, outShape)) [mode, inner] = [4, na];
      else return fallback(args) as Info;
      const b = wb(args);
      const out = b.makeOutput(outShape, "float32");
      blas.binary(heap(b), op, off(b, a), off(b, bb), off(b, out), n, mode, inner);
      return out;
    };
  replace("Add", binary(0));
  replace("Sub", binary(1));
  replace("Multiply", binary(2));
  replace("RealDiv", binary(3));
  replace("SquaredDifference", binary(6));
  nativeInstalled = true;
  return ["native reductions/element-wise/batch norm/comparisons (2 threads on large tensors)"];
}
