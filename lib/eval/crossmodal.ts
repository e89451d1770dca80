/**
 * Inference and evaluation of the crossmodal VAE (lib/models/crossmodal.ts) on a pose set. Images are
 * rendered per batch (lib/data/render.ts) with a fixed seed, so memory stays one batch of images and a
 * set always gets the same images. Predictions use z = μ.
 *   - 3D from images or 2D poses, in mm, root-centred; P1/P2 action-wise (as evaluate.ts reports);
 *   - latent means of both encoders (for the joint UMAP), and how close paired latents are;
 *   - decoded images from either encoder (cross-generation and coherence).
 */
import * as tf from "@tensorflow/tfjs";
import type { PoseSet } from "../data/dataset";
import { denormalize3d, type Normalized, type NormStats, rootCentred } from "../data/preprocess";
import { renderBatch } from "../data/render";
import type { CrossmodalVae, EncoderName } from "../models/crossmodal";
import { byAction, mpjpePerFrame, pMpjpePerFrame } from "../pose/metrics";

/** A set with its normalized arrays, and the seed its images are rendered with. */
export interface CrossmodalEvalSet {
  set: PoseSet;
  norm: Normalized;
  renderSeed: number;
}

/** The batch tensors of samples [s, e) that encoder `enc` needs (images rendered only for "img"). */
function inputs(model: CrossmodalVae, enc: EncoderName, d: CrossmodalEvalSet, idx: Int32Array) {
  const n = d.norm,
    b = idx.length;
  if (enc === "img") {
    const size = model.opts.imageSize;
    const { images } = renderBatch(d.set, idx, { size }, d.renderSeed);
    return { img: tf.tensor4d(images, [b, size, size, 3]) };
  }
  const dim = enc === "2d" ? n.dimIn : n.dimOut,
    src = enc === "2d" ? n.x : n.y;
  const a = new Float32Array(b * dim);
  idx.forEach((i, k) => a.set(src.subarray(i * dim, (i + 1) * dim), k * dim));
  return enc === "2d" ? { x2d: tf.tensor2d(a, [b, dim]) } : { y3d: tf.tensor2d(a, [b, dim]) };
}

/**
 * Run `f` on the latent means μ of encoder `enc` for the samples `indices` (default all), in batches;
 * collects `dim` values per sample of f's output.
 */
function mapLatents(
  model: CrossmodalVae,
  enc: EncoderName,
  d: CrossmodalEvalSet,
  dim: number,
  f: (mu: tf.Tensor2D) => tf.Tensor,
  indices?: ArrayLike<number>,
  batch = 256,
): Float32Array {
  const all = Int32Array.from(indices ?? Array.from({ length: d.set.n }, (_, i) => i));
  const out = new Float32Array(all.length * dim);
  for (let s = 0; s < all.length; s += batch) {
    const idx = all.subarray(s, Math.min(all.length, s + batch));
    const t = inputs(model, enc, d, idx);
    const y = tf.tidy(() => f(model.encode(enc, t, { training: false })[0]));
    if (y.size !== idx.length * dim)
      throw new Error(`crossmodal eval: output [${y.shape}] is not [${idx.length}, ${dim}]`);
    out.set(y.dataSync(), s * dim);
    tf.dispose([y, ...Object.values(t)]);
  }
  return out;
}

/** Latent means μ [n, latent] of encoder `enc` for `indices` (default all samples). */
export function crossmodalLatents(
  model: CrossmodalVae,
  enc: EncoderName,
  d: CrossmodalEvalSet,
  indices?: ArrayLike<number>,
): Float32Array {
  return mapLatents(model, enc, d, model.opts.latentDim, (mu) => tf.clone(mu), indices);
}

/** 3D predictions [n, 17, 3] mm (root-centred) from encoder `enc`, z = μ. */
export function crossmodalPredictMm(
  model: CrossmodalVae,
  enc: EncoderName,
  d: CrossmodalEvalSet,
  stats: NormStats,
  indices?: ArrayLike<number>,
): Float32Array {
  return denormalize3d(
    mapLatents(model, enc, d, d.norm.dimOut, (mu) => model.decode("3d", mu, { training: false }), indices),
    stats,
  );
}

/** Decoded images [n, s, s, 3] in [−1, 1] from encoder `enc` (z = μ) for `indices`. */
export function crossmodalDecodeImages(
  model: CrossmodalVae,
  enc: EncoderName,
  d: CrossmodalEvalSet,
  indices: ArrayLike<number>,
): Float32Array {
  const s = model.opts.imageSize;
  return mapLatents(model, enc, d, s * s * 3, (mu) => model.decode("img", mu, { training: false }), indices, 64);
}

export interface CrossmodalScore {
  /** e.g. "image → 3D". */
  path: string;
  samples: number;
  /** Action-wise means (mm), as evaluate.ts reports. */
  p1: number;
  p2: number;
  p1PerAction: Record<string, number>;
}

/** P1/P2 of 3D predicted from encoder `enc` on the whole set. */
export function scoreCrossmodal(
  model: CrossmodalVae,
  enc: EncoderName,
  d: CrossmodalEvalSet,
  stats: NormStats,
): CrossmodalScore {
  const pred = crossmodalPredictMm(model, enc, d, stats);
  const gt = rootCentred(d.set);
  const p1 = byAction(mpjpePerFrame(pred, gt), d.set.action, d.set.actions);
  const p2 = byAction(pMpjpePerFrame(pred, gt), d.set.action, d.set.actions);
  const name = { img: "image", "2d": "2D pose", "3d": "3D pose" }[enc];
  return { path: `${name} → 3D`, samples: d.set.n, p1: p1.actionWise, p2: p2.actionWise, p1PerAction: p1.perAction };
}

/**
 * How close the two encoders put the same sample: mean ‖μ_a(i) − μ_b(i)‖ over samples, against the
 * mean distance to another sample's code (a random derangement, seeded by a shift).
 */
export function pairedLatentDistance(
  a: Float32Array,
  b: Float32Array,
  dim: number,
): { paired: number; unpaired: number } {
  const n = a.length / dim;
  if (b.length !== a.length || !Number.isInteger(n) || n < 2)
    throw new Error(
      `pairedLatentDistance: expected two [n ≥ 2, ${dim}] arrays, got ${a.length} and ${b.length} values`,
    );
  const dist = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += (a[i * dim + k] - b[j * dim + k]) ** 2;
    return Math.sqrt(s);
  };
  let paired = 0,
    unpaired = 0;
  const shift = Math.max(1, Math.floor(n / 2));
  for (let i = 0; i < n; i++) {
    paired += dist(i, i);
    unpaired += dist(i, (i + shift) % n);
  }
  return { paired: paired / n, unpaired: unpaired / n };
}

export interface Coherence {
  samples: number;
  /** P1 (mm, frame-wise) of the 3D decoded from the 2D pose's latent μ_2d. */
  p1From2d: number;
  /** P1 of 3D recovered from the IMAGE decoded from the same μ_2d (2D → image → image encoder → 3D). */
  p1ViaDecodedImage: number;
  /** P1 of image→3D on the rendered images themselves, for reference. */
  p1FromRender: number;
  /** Mean |decoded − rendered| per value of the image decoded from μ_2d (images in [−1, 1]). */
  imageL1: number;
}

/**
 * Coherence of the two decoders on one latent: decode z = μ_2d(x) to a 3D pose and to an image; if the
 * image shows the same pose, the image encoder recovers it (p1ViaDecodedImage close to p1From2d).
 * Needs the 2D and image encoders and both decoders.
 */
export function crossmodalCoherence(
  model: CrossmodalVae,
  d: CrossmodalEvalSet,
  stats: NormStats,
  batch = 64,
): Coherence {
  const n = d.set.n,
    s = model.opts.imageSize,
    D3 = d.norm.dimOut;
  const from2d = new Float32Array(n * D3),
    viaImg = new Float32Array(n * D3);
  let l1 = 0;
  for (let a = 0; a < n; a += batch) {
    const idx = Int32Array.from({ length: Math.min(n, a + batch) - a }, (_, k) => a + k);
    const x = inputs(model, "2d", d, idx),
      r = inputs(model, "img", d, idx);
    const [y2d, yImg, err] = tf.tidy(() => {
      const off = { training: false };
      const mu = model.encode("2d", x, off)[0];
      const img = model.decode("img", mu, off) as tf.Tensor4D;
      const back = model.decode("3d", model.encode("img", { img }, off)[0], off);
      return [model.decode("3d", mu, off), back, tf.sum(tf.abs(tf.sub(img, (r as { img: tf.Tensor4D }).img)))];
    });
    from2d.set(y2d.dataSync(), a * D3);
    viaImg.set(yImg.dataSync(), a * D3);
    l1 += err.dataSync()[0];
    tf.dispose([y2d, yImg, err, ...Object.values(x), ...Object.values(r)]);
  }
  const gt = rootCentred(d.set);
  const p1 = (y: Float32Array) => {
    const e = mpjpePerFrame(denormalize3d(y, stats), gt);
    return e.reduce((u, v) => u + v, 0) / n;
  };
  const render = crossmodalPredictMm(model, "img", d, stats);
  const eR = mpjpePerFrame(render, gt);
  return {
    samples: n,
    p1From2d: p1(from2d),
    p1ViaDecodedImage: p1(viaImg),
    p1FromRender: eR.reduce((u, v) => u + v, 0) / n,
    imageL1: l1 / (n * s * s * 3),
  };
}
