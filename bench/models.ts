/**
 * The training steps that the benchmark and the profiler measure, with the FLOPs of one
 * step computed from the layer shapes: a matrix product [M×K]·[K×N] is 2·M·K·N; a
 * convolution is 2·Ho·Wo·KH·KW·Ci·Co per sample. Backward costs the same again for the
 * weight gradient and for the input gradient, except at the first layer (its input, the
 * data, needs no gradient). Element-wise work is not counted.
 */
import * as tf from "@tensorflow/tfjs";
import { createLifter } from "../lib/models/registry";
import { fitBatch } from "../lib/models/supervised";
import { Adam } from "../lib/nn/optim";
import { mulberry32, normal } from "../lib/core/rng";
import { BONES, JOINTS_LEFT, JOINTS_RIGHT, NUM_JOINTS } from "../lib/pose/skeleton";
import { glorotVariable } from "../lib/nn/init";

export interface TrainingModel {
  name: string;
  batch: number;
  /** FLOPs of the matrix products and convolutions of one step, forward and backward. */
  flopsPerStep: number;
  /** Parameter count. */
  params: number;
  /** One training step with a step seed (image models: optionally this batch's images). */
  step(seed: number, images?: tf.Tensor4D): void;
  /** Wait for the last update. */
  sync(): void;
  /** Describes the layers (for notes). */
  layers: string;
}

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * normal(r));
}

/** FLOPs of dense layers [fanIn, fanOut] (first layer without input gradient), per sample. */
export function denseFlops(layers: [number, number][], firstNeedsNoInputGrad = true): number {
  return layers.reduce((s, [i, o], k) => s + (k === 0 && firstNeedsNoInputGrad ? 4 : 6) * i * o, 0);
}

/** Forward FLOPs of a convolution, per sample. */
export function convFlops(ho: number, wo: number, kh: number, kw: number, ci: number, co: number): number {
  return 2 * ho * wo * kh * kw * ci * co;
}

/**
 * A lifter's training step (lib/models/supervised.ts fitBatch). Adam runs through the fused
 * kernel where the addon is built (HPE_NATIVE_OPS=0 gives the op-by-op update, same values).
 */
function lifterModel(kind: "beta-vae" | "baseline", batch: number): TrainingModel {
  const opts =
    kind === "beta-vae"
      ? {
          inputDim: 32,
          outputDim: 48,
          hidden: 512,
          layers: 5,
          latentDim: 100,
          residual: false,
          batchNorm: false,
          dropout: 0,
          maxNorm: 0,
        }
      : {
          inputDim: 32,
          outputDim: 48,
          hidden: 1024,
          layers: 5,
          latentDim: 0,
          residual: true,
          batchNorm: true,
          dropout: 0.5,
          maxNorm: 1,
        };
  const m = createLifter(kind, opts, 1);
  const x = tf.tensor2d(randn(batch * 32, 1), [batch, 32]),
    y = tf.tensor2d(randn(batch * 48, 2), [batch, 48]);
  const h = opts.hidden;
  const body: [number, number][] = Array.from({ length: opts.layers - 1 }, () => [h, h]);
  const perSample =
    kind === "beta-vae"
      ? denseFlops([[32, h], ...body, [h, 2 * opts.latentDim]]) +
        denseFlops([[opts.latentDim, h], ...body, [h, 48]], false)
      : denseFlops([[32, h], ...body, [h, 48]]);
  return {
    name: kind,
    batch,
    flopsPerStep: perSample * batch,
    params: m.parameterCount(),
    layers:
      kind === "beta-vae"
        ? `32→5×${h}→2×${opts.latentDim} | ${opts.latentDim}→5×${h}→48`
        : `32→5×${h} (BN, dropout 0.5, residual, max-norm)→48`,
    step: (s) => tf.dispose(Object.values(fitBatch(m, { x, y }, { beta: 1e-3, lr: 1e-3, seed: s }))),
    sync: () => void Object.values(m.parts)[0].trainable()[0].dataSync(),
  };
}

function glorotVar(r: () => number, shape: number[], fanIn: number, fanOut: number): tf.Variable {
  return glorotVariable(shape, fanIn, fanOut, r);
}

/**
 * Crossmodal image encoder: 64×64×3 images → 4 stride-2 4×4 convolutions (32, 64, 128, 256
 * channels, ReLU) → μ, log σ² (100) → pose (48); reconstruction + KL, Adam.
 */
function cnnEncoderModel(batch = 64, size = 64): TrainingModel {
  const r = mulberry32(3);
  const chans = [3, 32, 64, 128, 256];
  const convs = chans
    .slice(1)
    .map((c, i) => ({ W: glorotVar(r, [4, 4, chans[i], c], 16 * chans[i], 16 * c), b: tf.variable(tf.zeros([c])) }));
  const flat = (size / 16) * (size / 16) * 256;
  const head = { W: glorotVar(r, [flat, 200], flat, 200), b: tf.variable(tf.zeros([200])) };
  const dec = { W: glorotVar(r, [100, 48], 100, 48), b: tf.variable(tf.zeros([48])) };
  const params = [...convs.flatMap((c) => [c.W, c.b]), head.W, head.b, dec.W, dec.b];
  const adam = new Adam(params);
  const images = tf.tensor4d(randn(batch * size * size * 3, 7), [batch, size, size, 3]),
    poses = tf.tensor2d(randn(batch * 48, 8), [batch, 48]);
  let flops = 0;
  chans.slice(1).forEach((c, i) => {
    const o = size >> (i + 1);
    flops += (i === 0 ? 2 : 3) * convFlops(o, o, 4, 4, chans[i], c);
  });
  flops += denseFlops(
    [
      [flat, 200],
      [100, 48],
    ],
    false,
  );
  return {
    name: "cnn-encoder",
    batch,
    flopsPerStep: flops * batch,
    params: params.reduce((s, p) => s + p.size, 0),
    layers: `${size}×${size}×3 → conv 4×4/2 ×4 (32, 64, 128, 256) → 200 → 48`,
    step: (s, batchImages) => {
      const { value, grads } = tf.variableGrads(() => {
        let h: tf.Tensor4D = batchImages ?? images;
        for (const c of convs) h = tf.relu(tf.add(tf.conv2d(h, c.W as tf.Tensor4D, 2, "same"), c.b));
        const z = tf.add(tf.matMul(tf.reshape(h, [batch, flat]), head.W), head.b);
        const mu = tf.slice(z, [0, 0], [batch, 100]),
          lv = tf.slice(z, [0, 100], [batch, 100]);
        const zs = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), tf.randomNormal([batch, 100], 0, 1, "float32", s)));
        const y = tf.add(tf.matMul(zs, dec.W), dec.b);
        const kl = tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, lv), tf.add(tf.square(mu), tf.exp(lv))), 1)));
        return tf.add(tf.mean(tf.squaredDifference(y, poses)), tf.mul(kl, 1e-3 / 48)) as tf.Scalar;
      }, params);
      adam.apply(
        params.map((p) => grads[p.name]),
        1e-4,
      );
      tf.dispose([value, ...Object.values(grads)]);
    },
    sync: () => void params[0].dataSync(),
  };
}

/**
 * Crossmodal image decoder: pose latent (100) → 4×4×256 → 4 stride-2 4×4 transposed
 * convolutions (128, 64, 32, 3 channels; ReLU, then sigmoid) → 64×64×3 image; MSE, Adam.
 */
function cnnDecoderModel(batch = 64, size = 64): TrainingModel {
  const r = mulberry32(4);
  const chans = [256, 128, 64, 32, 3];
  const s0 = size / 16;
  const fc = { W: glorotVar(r, [100, s0 * s0 * 256], 100, s0 * s0 * 256), b: tf.variable(tf.zeros([s0 * s0 * 256])) };
  // conv2dTranspose filters are [KH, KW, outChannels, inChannels].
  const deconvs = chans
    .slice(1)
    .map((c, i) => ({ W: glorotVar(r, [4, 4, c, chans[i]], 16 * chans[i], 16 * c), b: tf.variable(tf.zeros([c])) }));
  const params = [fc.W, fc.b, ...deconvs.flatMap((d) => [d.W, d.b])];
  const adam = new Adam(params);
  const z = tf.tensor2d(randn(batch * 100, 9), [batch, 100]);
  const images = tf.sigmoid(tf.tensor4d(randn(batch * size * size * 3, 10), [batch, size, size, 3]));
  let flops = denseFlops([[100, s0 * s0 * 256]]);
  chans.slice(1).forEach((c, i) => {
    const inSize = s0 << i;
    // A transposed conv costs what the conv it transposes costs (input = its output).
    flops += 3 * convFlops(inSize, inSize, 4, 4, c, chans[i]);
  });
  return {
    name: "cnn-decoder",
    batch,
    flopsPerStep: flops * batch,
    params: params.reduce((s, p) => s + p.size, 0),
    layers: `100 → ${s0}×${s0}×256 → deconv 4×4/2 ×4 (128, 64, 32, 3) → ${size}×${size}×3`,
    step: (_s, batchImages) => {
      const target = batchImages ?? images;
      const { value, grads } = tf.variableGrads(() => {
        let h = tf.reshape(tf.relu(tf.add(tf.matMul(z, fc.W), fc.b)), [batch, s0, s0, 256]) as tf.Tensor4D;
        deconvs.forEach((d, i) => {
          const o = s0 << (i + 1);
          const y = tf.add(
            tf.conv2dTranspose(h, d.W as tf.Tensor4D, [batch, o, o, chans[i + 1]], 2, "same"),
            d.b,
          ) as tf.Tensor4D;
          h = i === deconvs.length - 1 ? tf.sigmoid(y) : tf.relu(y);
        });
        return tf.mean(tf.squaredDifference(h, target)) as tf.Scalar;
      }, params);
      adam.apply(
        params.map((p) => grads[p.name]),
        1e-4,
      );
      tf.dispose([value, ...Object.values(grads)]);
    },
    sync: () => void params[0].dataSync(),
  };
}

/**
 * Images [B, size, size, 3] of 2D poses (px, [B·17·2]): each pose scaled into the frame,
 * joints and 4 points along each bone drawn as soft dots (σ = 1 px), left side in channel
 * 0, right in 1, the centre line in 2. Rendered per batch by the memory benchmark.
 */
export function renderPoseImages(poses2d: Float32Array, batch: number, size: number): tf.Tensor4D {
  if (poses2d.length !== batch * NUM_JOINTS * 2)
    throw new Error(`renderPoseImages: expected ${batch}·${NUM_JOINTS}·2 coordinates, got ${poses2d.length}`);
  const img = new Float32Array(batch * size * size * 3);
  const side = (j: number) => (JOINTS_LEFT.includes(j) ? 0 : JOINTS_RIGHT.includes(j) ? 1 : 2);
  for (let b = 0; b < batch; b++) {
    const p = poses2d.subarray(b * NUM_JOINTS * 2, (b + 1) * NUM_JOINTS * 2);
    let x0 = Infinity,
      x1 = -Infinity,
      y0 = Infinity,
      y1 = -Infinity;
    for (let j = 0; j < NUM_JOINTS; j++) {
      x0 = Math.min(x0, p[2 * j]);
      x1 = Math.max(x1, p[2 * j]);
      y0 = Math.min(y0, p[2 * j + 1]);
      y1 = Math.max(y1, p[2 * j + 1]);
    }
    const scale = (size - 8) / Math.max(1e-6, x1 - x0, y1 - y0);
    const dot = (x: number, y: number, c: number) => {
      const u = 4 + (x - x0) * scale,
        v = 4 + (y - y0) * scale;
      for (let yy = Math.max(0, Math.floor(v - 2)); yy <= Math.min(size - 1, Math.ceil(v + 2)); yy++) {
        for (let xx = Math.max(0, Math.floor(u - 2)); xx <= Math.min(size - 1, Math.ceil(u + 2)); xx++) {
          const k = ((b * size + yy) * size + xx) * 3 + c;
          img[k] = Math.min(1, img[k] + Math.exp(-((xx - u) ** 2 + (yy - v) ** 2) / 2));
        }
      }
    };
    for (const [a, c] of BONES) {
      for (let t = 0; t <= 4; t++)
        dot(
          p[2 * a] + ((p[2 * c] - p[2 * a]) * t) / 4,
          p[2 * a + 1] + ((p[2 * c + 1] - p[2 * a + 1]) * t) / 4,
          side(c),
        );
    }
  }
  return tf.tensor4d(img, [batch, size, size, 3]);
}

export const trainingModels = {
  vae: async () => lifterModel("beta-vae", 256),
  baseline: async () => lifterModel("baseline", 256),
  "cnn-encoder": async () => cnnEncoderModel(),
  "cnn-decoder": async () => cnnDecoderModel(),
};
