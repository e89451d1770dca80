/**
 * Convolution training on the wasm backend. tfjs-backend-wasm 4.22 registers no
 * `Conv2DBackpropFilter`, so any conv2d gradient throws there. This registers one built
 * from wasm's own fast kernels: the filter gradient of a conv with stride s is itself a
 * stride-1 convolution with dilation s of the padded input (batch and channels swapped)
 * by the output gradient:
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]
 *   = conv2d(transpose(xpad → [ci, H, W, n]), transpose(dy → [oh, ow, n, co]), dilation s)
 * then cropped to the filter size and transposed back to [kh, kw, ci, co]. NHWC, no
 * filter dilation (what tfjs conv2d gradients need).
 *
 * `Conv2DBackpropInput` (the input gradient, and the forward pass of conv2dTranspose) is a
 * naive loop on wasm; it is replaced by its sub-pixel decomposition: with stride s, output
 * pixel (a·s + r, b·s + q) only meets filter taps (r + s·t, q + s·u), so all s² phases are one
 * stride-1 "full" convolution of dy with the flipped, phase-split filter (s²·ci output
 * channels), followed by depth-to-space (reshape + transpose) and a crop.
 */
import * as tf from "@tensorflow/tfjs";
import type { BlasAddon } from "./addon";

type Info = tf.TensorInfo;
let installed = false;

export function installWasmConvKernels(): string[] {
  if (installed || tf.getKernel("Conv2DBackpropFilter", "wasm")) return [];
  const k = (name: string) => {
    const kernel = tf.getKernel(name, "wasm");
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    return kernel.kernelFunc;
  };
  const pad = k("PadV2"),
    transpose = k("Transpose"),
    conv = k("Conv2D"),
    slice = k("Slice");
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
      const { x, dy } = args.inputs as { x: Info; dy: Info };
      const a = args.attrs as {
        strides: [number, number] | number;
        pad: "valid" | "same" | number;
        dataFormat: string;
        dimRoundingMode?: "floor" | "round" | "ceil";
        filterShape: [number, number, number, number];
      };
      if (a.dataFormat && a.dataFormat !== "NHWC")
        throw new Error(`Conv2DBackpropFilter on wasm: only NHWC is supported, got ${a.dataFormat}`);
      const backend = args.backend as tf.KernelBackend;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
        false,
        "channelsLast",
      );
      const temps: Info[] = [];
      const keep = (t: Info) => (temps.push(t), t);
      const p = info.padInfo;
      const xpad = keep(
        pad({
          inputs: { x },
          backend,
          attrs: {
            paddings: [
              [0, 0],
              [p.top, p.bottom],
              [p.left, p.right],
              [0, 0],
            ],
            constantValue: 0,
          },
        }) as Info,
      );
      const xT = keep(transpose({ inputs: { x: xpad }, backend, attrs: { perm: [3, 1, 2, 0] } }) as Info);
      const dyT = keep(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }) as Info);
      const full = keep(
        conv({
          inputs: { x: xT, filter: dyT },
          backend,
          attrs: {
            strides: [1, 1],
            pad: "valid",
            dataFormat: "NHWC",
            dilations: [info.strideHeight, info.strideWidth],
          },
        }) as Info,
      );
      const [ci, kh, kw, co] = [a.filterShape[2], a.filterShape[0], a.filterShape[1], a.filterShape[3]];
      const cropped = keep(
        slice({ inputs: { x: full }, backend, attrs: { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] } }) as Info,
      );
      const out = transpose({ inputs: { x: cropped }, backend, attrs: { perm: [1, 2, 0, 3] } }) as Info;
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    }) as tf.KernelFunc,
  });
  installInputGradient(k);
  installed = true;
  return ["wasm conv2d gradients"];
}

function installInputGradient(k: (name: string) => tf.KernelFunc): void {
  const fallback = tf.getKernel("Conv2DBackpropInput", "wasm");
  if (!fallback) return;
  const pad = k("PadV2"),
    transpose = k("Transpose"),
    conv = k("Conv2D"),
    slice = k("Slice"),
    reshape = k("Reshape"),
    reverse = k("Reverse");
  tf.unregisterKernel("Conv2DBackpropInput", "wasm");
  tf.registerKernel({
    ...fallback,
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
      const { dy, filter } = args.inputs as { dy: Info; filter: Info };
      const a = args.attrs as {
        strides: [number, number] | number;
        pad: "valid" | "same" | number;
        dataFormat: string;
        dimRoundingMode?: "floor" | "round" | "ceil";
        inputShape: [number, number, number, number];
      };
      if (a.dataFormat && a.dataFormat !== "NHWC") return fallback.kernelFunc(args) as Info;
      const backend = args.backend as tf.KernelBackend;
      const [KH, KW, CI, CO] = filter.shape;
      const info = tf.backend_util.computeConv2DInfo(
        a.inputShape,
        [KH, KW, CI, CO],
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
        false,
        "channelsLast",
      );
      const sh = info.strideHeight,
        sw = info.strideWidth;
      const [N, H, W] = a.inputShape;
      const [, Ho, Wo] = dy.shape;
      const T = Math.ceil(KH / sh),
        U = Math.ceil(KW / sw);
      const temps: Info[] = [];
      const keep = (t: Info) => (temps.push(t), t);
      // Filter [KH, KW, CI, CO] → padded to [T·sh, U·sw] → [T, sh, U, sw, CI, CO] → flip T, U
      // → [T, U, CO, sh, sw, CI] → [T, U, CO, sh·sw·CI].
      const fpad = keep(
        pad({
          inputs: { x: filter },
          backend,
          attrs: {
            paddings: [
              [0, T * sh - KH],
              [0, U * sw - KW],
              [0, 0],
              [0, 0],
            ],
            constantValue: 0,
          },
        }) as Info,
      );
      const f6 = keep(reshape({ inputs: { x: fpad }, backend, attrs: { shape: [T, sh, U, sw, CI, CO] } }) as Info);
      const flipped = keep(reverse({ inputs: { x: f6 }, backend, attrs: { dims: [0, 2] } }) as Info);
      const ft = keep(transpose({ inputs: { x: flipped }, backend, attrs: { perm: [0, 2, 5, 1, 3, 4] } }) as Info);
      const subFilter = keep(
        reshape({ inputs: { x: ft }, backend, attrs: { shape: [T, U, CO, sh * sw * CI] } }) as Info,
      );
      // Full correlation of dy with the flipped phase filters: pad T−1 / U−1 on every side.
      const dyp = keep(
        pad({
          inputs: { x: dy },
          backend,
          attrs: {
            paddings: [
              [0, 0],
              [T - 1, T - 1],
              [U - 1, U - 1],
              [0, 0],
            ],
            constantValue: 0,
          },
        }) as Info,
      );
      const phases = keep(
        conv({
          inputs: { x: dyp, filter: subFilter },
          backend,
          attrs: { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [1, 1] },
        }) as Info,
      );
      const A = Ho + T - 1,
        B = Wo + U - 1;
      // Depth-to-space: [N, A, B, sh, sw, CI] → [N, A, sh, B, sw, CI] → [N, A·sh, B·sw, CI], then crop the padding.
      const p6 = keep(reshape({ inputs: { x: phases }, backend, attrs: { shape: [N, A, B, sh, sw, CI] } }) as Info);
      const inter = keep(transpose({ inputs: { x: p6 }, backend, attrs: { perm: [0, 1, 3, 2, 4, 5] } }) as Info);
      const full = keep(reshape({ inputs: { x: inter }, backend, attrs: { shape: [N, A * sh, B * sw, CI] } }) as Info);
      const top = info.padInfo.top,
        left = info.padInfo.left;
      if (top + H > A * sh || left + W > B * sw) {
        for (const t of temps) backend.disposeData(t.dataId);
        return fallback.kernelFunc(args) as Info;
      }
      const out = slice({
        inputs: { x: full },
        backend,
        attrs: { begin: [0, top, left, 0], size: [N, H, W, CI] },
      }) as Info;
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    }) as tf.KernelFunc,
  });
}

let nativeInstalled = false;

/**
 * Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput (also the forward pass of
 * conv2dTranspose) through the native addon: im2col + OpenBLAS sgemm in place in the wasm
 * heap (native/conv.c). NHWC, float32, no dilation; anything else goes to the kernels
 * registered before (XNNPACK forward, the pure TF.js gradients above).
 */
export function installNativeConv(blas: BlasAddon): string[] {
  if (nativeInstalled) return [];
  interface Wasm {
    dataIdMap: { get(id: unknown): { memoryOffset: number } };
    makeOutput(shape: number[], dtype: string): Info;
    wasm: { HEAPU8: Uint8Array };
  }
  type ConvAttrs = {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    dataFormat?: string;
    dilations?: [number, number] | number;
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  const plain = (a: ConvAttrs) =>
    (!a.dataFormat || a.dataFormat === "NHWC") &&
    (a.dilations === undefined ||
      a.dilations === 1 ||
      (Array.isArray(a.dilations) && a.dilations[0] === 1 && a.dilations[1] === 1));
  const run = (
    args: Parameters<tf.KernelFunc>[0],
    mode: 0 | 1 | 2,
    a: Info,
    b: Info,
    xShape: number[],
    filterShape: number[],
    outShape: number[],
  ): Info => {
    const attrs = args.attrs as ConvAttrs;
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      "channelsLast",
    );
    const backend = args.backend as unknown as Wasm;
    const out = backend.makeOutput(outShape, "float32");
    const off = (t: Info) => backend.dataIdMap.get(t.dataId).memoryOffset;
    const [N, H, W, CI] = xShape,
      [KH, KW, , CO] = filterShape;
    blas.conv2d(
      backend.wasm.HEAPU8.buffer as ArrayBuffer,
      mode,
      off(a),
      off(b),
      off(out),
      N,
      H,
      W,
      CI,
      KH,
      KW,
      CO,
      info.outHeight,
      info.outWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
    return out;
  };
  const replace = (
    name: string,
    kernelFunc: (fallback: tf.KernelFunc) => (args: Parameters<tf.KernelFunc>[0]) => Info,
  ) => {
    const prev = tf.getKernel(name, "wasm");
    if (!prev) throw new Error(`wasm kernel ${name} is not registered`);
    const f = kernelFunc(prev.kernelFunc);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...prev, kernelFunc: f as tf.KernelFunc });
  };
  replace("Conv2D", (fallback) => (args) => {
    const { x, filter } = args.inputs as { x: Info; filter: Info };
    if (!plain(args.attrs as ConvAttrs) || x.dtype !== "float32" || filter.dtype !== "float32")
      return fallback(args) as Info;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      (args.attrs as ConvAttrs).strides,
      1,
      (args.attrs as ConvAttrs).pad,
      (args.attrs as ConvAttrs).dimRoundingMode,
      false,
      "channelsLast",
    );
    return run(args, 0, x, filter, x.shape, filter.shape, [x.shape[0], info.outHeight, info.outWidth, filter.shape[3]]);
  });
  replace("Conv2DBackpropFilter", (fallback) => (args) => {
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const fs = (args.attrs as { filterShape: number[] }).filterShape;
    if (!plain(args.attrs as ConvAttrs) || x.dtype !== "float32" || dy.dtype !== "float32")
      return fallback(args) as Info;
    return run(args, 1, x, dy, x.shape, fs, fs);
  });
  replace("Conv2DBackpropInput", (fallback) => (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const xs = (args.attrs as { inputShape: number[] }).inputShape;
    if (!plain(args.attrs as ConvAttrs) || dy.dtype !== "float32" || filter.dtype !== "float32")
      return fallback(args) as Info;
    return run(args, 2, dy, filter, xs, filter.shape, xs);
  });
  nativeInstalled = true;
  return ["native conv2d (im2col + sgemm)"];
}
