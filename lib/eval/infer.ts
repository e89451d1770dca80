/**
 * Batched inference with a lifter on normalized inputs: predictions and hypotheses in mm,
 * and latent means. One loop (`mapBatches`) serves them all; memory stays one batch of
 * tensors at a time. Training uses it for validation; evaluation for everything.
 */
import * as tf from "@tensorflow/tfjs";
import { denormalize3d, type Normalized, type NormStats } from "../data/preprocess";
import type { Lifter } from "../models/lifter";

/**
 * Run `f` over x in batches and collect its outputs: `outDims[k]` values per sample for the
 * k-th returned tensor. Returns one Float32Array [n, outDims[k]] per output.
 */
export function mapBatches(
  x: Normalized,
  outDims: number[],
  f: (xb: tf.Tensor2D, start: number) => tf.Tensor[],
  batch = 4096,
): Float32Array[] {
  const out = outDims.map((d) => new Float32Array(x.n * d));
  for (let s = 0; s < x.n; s += batch) {
    const e = Math.min(x.n, s + batch);
    const xb = tf.tensor2d(x.x.subarray(s * x.dimIn, e * x.dimIn), [e - s, x.dimIn]);
    const ys = f(xb, s);
    if (ys.length !== outDims.length)
      throw new Error(`mapBatches: expected ${outDims.length} outputs, got ${ys.length}`);
    ys.forEach((y, k) => {
      if (y.size !== (e - s) * outDims[k])
        throw new Error(`mapBatches: output ${k} has shape [${y.shape}], expected [${e - s}, ${outDims[k]}]`);
      out[k].set(y.dataSync(), s * outDims[k]);
    });
    tf.dispose([xb, ...ys]);
  }
  return out;
}

/** Predictions [n, 17, 3] in mm (root-centred, root = 0) for normalized inputs. */
export function predictMm(lifter: Lifter, x: Normalized, stats: NormStats): Float32Array {
  const [y] = mapBatches(x, [x.dimOut], (xb) => [lifter.predict(xb)]);
  return denormalize3d(y, stats);
}

/** Hypotheses first..first+n−1, each [samples, 17, 3] in mm, from z ~ q(z|x), seeded. */
export function sampleHypothesesMm(
  lifter: Lifter,
  x: Normalized,
  stats: NormStats,
  n: number,
  seed: number,
  first = 0,
): Float32Array[] {
  // A few hypotheses per pass: a lifter's sample() holds every hypothesis' activations until it returns
  // (200 β-VAE hypotheses of 2,000 frames would be 4 GB, past the wasm heap). Hypothesis k is the same
  // whichever pass draws it (Lifter.sample), so the passes change nothing but memory.
  const out: Float32Array[] = [];
  for (let c = 0; c < n; c += HYPOTHESES_PER_PASS) {
    const m = Math.min(HYPOTHESES_PER_PASS, n - c);
    const ys = mapBatches(x, Array(m).fill(x.dimOut), (xb, s) => lifter.sample(xb, m, seed + s, first + c));
    for (const y of ys) out.push(denormalize3d(y, stats));
  }
  return out;
}

/** Hypotheses drawn per pass of `sampleHypothesesMm`. */
export const HYPOTHESES_PER_PASS = 8;

/** Latent means μ(x) [n, latentDim] of normalized inputs. */
export function latentMeans(lifter: Lifter, x: Normalized): Float32Array {
  return mapBatches(x, [lifter.latentDim], (xb) => [lifter.encodeMean(xb)])[0];
}
