/**
 * A fused Adam update: one pass over parameter, moments and gradient instead of twelve
 * element-wise ops (each a pass over the whole kernel, about 0.2 ms per million values on
 * this CPU; the baseline's 4.3M parameters make Adam alone ~15 ms a step op by op).
 * `adamUpdate` computes, per variable,
 *   m ← m·β1 + g·(1−β1);  v ← v·β2 + g²·(1−β2);  p ← p − m / (√v + ε) · α
 * with the same float32 roundings, in the same order, as the op-by-op update (so the
 * values are equal bit for bit), through the `HpeAdam` wasm kernel of the native addon;
 * elsewhere it runs those ops. The model layer opts in by calling it from its optimizer.
 */
import * as tf from "@tensorflow/tfjs";
import type { BlasAddon } from "./addon";
import { loadBlasAddon } from "./blas";
import { setting } from "../../core/settings";

type Info = tf.TensorInfo;
interface WasmBackend {
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): Info;
  wasm: { HEAPU8: Uint8Array };
}

let registered: boolean | undefined;

function register(blas: BlasAddon): void {
  tf.registerKernel({
    kernelName: "HpeAdam",
    backendName: "wasm",
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
      const { p, m, v, g } = args.inputs as Record<string, Info>;
      const a = args.attrs as unknown as { b1: number; b2: number; eps: number; alpha: number };
      const b = args.backend as unknown as WasmBackend;
      const outs = [
        b.makeOutput(p.shape, "float32"),
        b.makeOutput(p.shape, "float32"),
        b.makeOutput(p.shape, "float32"),
      ];
      const off = (t: Info) => b.dataIdMap.get(t.dataId).memoryOffset;
      const n = p.shape.reduce((x, y) => x * y, 1);
      if (n > 0)
        blas.adam(
          b.wasm.HEAPU8.buffer as ArrayBuffer,
          off(p),
          off(m),
          off(v),
          off(g),
          off(outs[0]),
          off(outs[1]),
          off(outs[2]),
          n,
          a.b1,
          1 - a.b1,
          a.b2,
          1 - a.b2,
          a.eps,
          a.alpha,
        );
      return outs;
    }) as tf.KernelFunc,
  });
}

function fusedAvailable(): boolean {
  if (registered === undefined) {
    const blas = loadBlasAddon();
    registered = typeof blas !== "string" && setting("HPE_NATIVE_OPS");
    if (registered) register(blas as BlasAddon);
  }
  return registered && tf.getBackend() === "wasm";
}

/**
 * One Adam step over `params` with their moments `m`, `v` and gradients `grads` (all in
 * the same order and shapes, float32), at step size `alpha` (already bias-corrected): fused
 * where the addon runs, else op by op (`opByOp: true` forces the latter; tests compare them).
 */
export function adamUpdate(
  params: tf.Variable[],
  m: tf.Variable[],
  v: tf.Variable[],
  grads: tf.Tensor[],
  o: { b1: number; b2: number; eps: number; alpha: number; opByOp?: boolean },
): void {
  if (m.length !== params.length || v.length !== params.length || grads.length !== params.length) {
    throw new Error(
      `adamUpdate: ${params.length} parameters but ${m.length} first moments, ${v.length} second moments, ${grads.length} gradients`,
    );
  }
  const fused = !o.opByOp && fusedAvailable();
  const attrs = { b1: o.b1, b2: o.b2, eps: o.eps, alpha: o.alpha };
  tf.tidy(() => {
    params.forEach((p, i) => {
      const g = grads[i];
      if (g.shape.join() !== p.shape.join())
        throw new Error(`adamUpdate: gradient ${i} has shape [${g.shape}], parameter ${p.name} [${p.shape}]`);
      if (fused && p.dtype === "float32" && g.dtype === "float32") {
        const [pn, mn, vn] = tf
          .engine()
          .runKernel("HpeAdam", { p, m: m[i], v: v[i], g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m[i].assign(mn);
        v[i].assign(vn);
        p.assign(pn);
        return;
      }
      const mt = tf.add(tf.mul(m[i], o.b1), tf.mul(g, 1 - o.b1));
      const vt = tf.add(tf.mul(v[i], o.b2), tf.mul(tf.square(g), 1 - o.b2));
      m[i].assign(mt);
      v[i].assign(vt);
      p.assign(tf.sub(p, tf.mul(tf.div(mt, tf.add(tf.sqrt(vt), o.eps)), o.alpha)));
    });
  });
}
