/**
 * Uniform random tensors equal to `tf.randomUniform`'s, faster. tf.randomUniform is not
 * a kernel in tfjs 4.22: it draws every value in JavaScript through seedrandom's Alea and
 * uploads the buffer (about 3 ms per 256×1024 dropout mask on this CPU, 5 masks per
 * baseline step). `randomUniform` here seeds Alea the same way (Baagoe's Mash of the seed's
 * string) and runs the generator in the native addon, writing straight into a new wasm
 * tensor: the same float32 values, bit for bit. Without the wasm backend or the addon it
 * is tf.randomUniform. The model layer opts in by calling it instead of tf.randomUniform.
 */
import * as tf from "@tensorflow/tfjs";
import { loadBlasAddon } from "./blas";

/** Baagoe's Mash as seedrandom implements it (state n carried between calls). */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data: string) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

/** Alea's initial state for a seed (seedrandom.alea(String(seed))). */
export function aleaState(seed: number | string): { c: number; s0: number; s1: number; s2: number } {
  const m = mash();
  let s0 = m(" "),
    s1 = m(" "),
    s2 = m(" ");
  const key = String(seed);
  s0 -= m(key);
  if (s0 < 0) s0 += 1;
  s1 -= m(key);
  if (s1 < 0) s1 += 1;
  s2 -= m(key);
  if (s2 < 0) s2 += 1;
  return { c: 1, s0, s1, s2 };
}

interface WasmBackend {
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

/**
 * Float32 values uniform in [min, max), equal to tf.randomUniform(shape, min, max,
 * "float32", seed) for a given seed. Without a seed it is tf.randomUniform (random seed).
 */
export function randomUniform(shape: number[], min: number, max: number, seed?: number | string): tf.Tensor {
  const blas = loadBlasAddon();
  if (
    seed === undefined ||
    tf.getBackend() !== "wasm" ||
    typeof blas === "string" ||
    shape.some((d) => !Number.isInteger(d) || d < 0)
  ) {
    return tf.randomUniform(shape, min, max, "float32", seed);
  }
  const backend = tf.backend() as unknown as WasmBackend;
  const info = backend.makeOutput(shape, "float32");
  const n = shape.reduce((a, b) => a * b, 1);
  const s = aleaState(seed);
  if (n > 0)
    blas.aleaUniform(
      backend.wasm.HEAPU8.buffer as ArrayBuffer,
      backend.dataIdMap.get(info.dataId).memoryOffset,
      n,
      s.c,
      s.s0,
      s.s1,
      s.s2,
      min,
      max - min,
    );
  return tf.engine().makeTensorFromTensorInfo(info);
}
