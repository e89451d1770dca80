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
 */
import * as tf from "@tensorflow/tfjs";

type Info = tf.TensorInfo;
let installed = false;

export function installWasmConvKernels(): string[] {
  if (installed || tf.getKernel("Conv2DBackpropFilter", "wasm")) return [];
  const k = (name: string) => {
    const kernel = tf.getKernel(name, "wasm");
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    return kernel.kernelFunc;
  };
  const pad = k("PadV2"), transpose = k("Transpose"), conv = k("Conv2D"), slice = k("Slice");
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
      const { x, dy } = args.inputs as { x: Info; dy: Info };
      const a = args.attrs as { strides: [number, number] | number; pad: "valid" | "same" | number; dataFormat: string; dimRoundingMode?: "floor" | "round" | "ceil"; filterShape: [number, number, number, number] };
      if (a.dataFormat && a.dataFormat !== "NHWC") throw new Error(`Conv2DBackpropFilter on wasm: only NHWC is supported, got ${a.dataFormat}`);
      const backend = args.backend as tf.KernelBackend;
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, "channelsLast");
      const temps: Info[] = [];
      const keep = (t: Info) => (temps.push(t), t);
      const p = info.padInfo;
      const xpad = keep(pad({ inputs: { x }, backend, attrs: { paddings: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], constantValue: 0 } }) as Info);
      const xT = keep(transpose({ inputs: { x: xpad }, backend, attrs: { perm: [3, 1, 2, 0] } }) as Info);
      const dyT = keep(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }) as Info);
      const full = keep(conv({ inputs: { x: xT, filter: dyT }, backend, attrs: { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [info.strideHeight, info.strideWidth] } }) as Info);
      const [ci, kh, kw, co] = [a.filterShape[2], a.filterShape[0], a.filterShape[1], a.filterShape[3]];
      const cropped = keep(slice({ inputs: { x: full }, backend, attrs: { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] } }) as Info);
      const out = transpose({ inputs: { x: cropped }, backend, attrs: { perm: [1, 2, 0, 3] } }) as Info;
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    }) as tf.KernelFunc,
  });
  installed = true;
  return ["wasm conv2d filter gradient"];
}
