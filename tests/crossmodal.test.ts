/**
 * The crossmodal VAE (lib/models/crossmodal.ts, lib/nn/conv.ts, lib/train/crossmodal-run.ts): output shapes of
 * every encoder and decoder, the loss normalization against hand-computed values, no leaks in a pair step, the
 * two pair schedules through the training loop, and a tiny run on rendered images that lowers image→image L1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { mulberry32, normal } from "../lib/core/rng";
import { captureMocap, loadMocap } from "../lib/data/dataset";
import { computeStats, normalize } from "../lib/data/preprocess";
import {
  type CrossmodalBatch,
  CrossmodalVae,
  type CrossmodalOptions,
  pairLoss,
  type PairName,
} from "../lib/models/crossmodal";
import type { BatchSource } from "../lib/nn/trainable";
import { trainLoop } from "../lib/train/loop";
import { readMetrics } from "../lib/train/run-folder";
import { crossmodalBatches, DEFAULT_CROSSMODAL_CONFIG, validateCrossmodalConfig } from "../lib/train/crossmodal-run";
import { renderBatch } from "../lib/data/render";
import { pairedLatentDistance } from "../lib/eval/crossmodal";
import { BatchNorm, type ConvBnStats, ConvTranspose2d, Conv2d, ParamStore, updateMovingStats } from "../lib/nn/conv";
import { mocapDataDir, scratchDir } from "./helpers";

await initBackend({ quiet: true });
const root = scratchDir("crossmodal");

const tiny = (pairs: PairName[], o: Partial<CrossmodalOptions> = {}): CrossmodalOptions => ({
  imageSize: 16,
  latentDim: 6,
  dim2d: 32,
  dim3d: 48,
  hidden: 16,
  layers: 2,
  encoderChannels: [4, 6, 8],
  decoderChannels: [8, 6, 4, 4],
  pairs,
  schedule: "alternate",
  beta: 0.5,
  lr: 1e-3,
  ...o,
});

const randn = (shape: number[], seed: number) => {
  const r = mulberry32(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal(r)),
    shape,
  );
};

/** Random tensors of a batch's shapes (images in [−1, 1]). */
function randomBatch(b: number, size: number, seed: number): CrossmodalBatch {
  return tf.tidy(() => ({
    x2d: randn([b, 32], seed) as tf.Tensor2D,
    y3d: randn([b, 48], seed + 1) as tf.Tensor2D,
    img: tf.tanh(randn([b, size, size, 3], seed + 2)) as tf.Tensor4D,
  }));
}

test("every encoder gives μ, log σ² [B, latent]; the decoders give [B, 48] and images [B, s, s, 3] in [−1, 1]", () => {
  const m = new CrossmodalVae(tiny(["2d-3d", "img-3d", "img-img", "2d-img", "3d-3d"]), 1);
  assert.deepEqual(Object.keys(m.parts), ["enc_2d", "enc_img", "enc_3d", "dec_3d", "dec_img"]);
  assert.deepEqual(Object.keys(m.optimizers), ["2d-3d", "img-3d", "img-img", "2d-img", "3d-3d"]);
  const batch = randomBatch(3, 16, 5);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    for (const enc of ["2d", "img", "3d"] as const) {
      const [mu, logvar] = m.encode(enc, batch, { training: false });
      assert.deepEqual(mu.shape, [3, 6], `${enc} μ`);
      assert.deepEqual(logvar.shape, [3, 6], `${enc} log σ²`);
    }
    const z = randn([3, 6], 9) as tf.Tensor2D;
    assert.deepEqual(m.decode("3d", z, { training: false }).shape, [3, 48]);
    const img = m.decode("img", z, { training: true });
    assert.deepEqual(img.shape, [3, 16, 16, 3]);
    const v = img.dataSync();
    assert.ok(
      v.every((x) => x >= -1 && x <= 1),
      "decoded images leave [−1, 1]",
    );
  });
  assert.equal(tf.memory().numTensors, before, "forward passes leak tensors");
  assert.throws(
    () => m.encode("img", { img: randn([3, 32, 32, 3], 1) as tf.Tensor4D }, { training: false }),
    /expected images \[B, 16, 16, 3\]/,
  );
  assert.throws(() => m.decode("3d", randn([3, 5], 1) as tf.Tensor2D, { training: false }), /expected z \[B, 6\]/);
  const only2d = new CrossmodalVae(tiny(["2d-3d"]), 1);
  assert.throws(() => only2d.encode("img", batch, { training: false }), /no image encoder/);
  tf.dispose(Object.values(batch));
  m.dispose();
  only2d.dispose();
});

test("conv blocks: shapes, batch norm against a plain-JS computation, moving statistics among variables()", () => {
  const ps = new ParamStore("t", 3);
  const conv = new Conv2d(ps, "c", 2, 3, 3, 2),
    up = new ConvTranspose2d(ps, "u", 3, 2, 4, 2),
    bn = new BatchNorm(ps, "bn", 2);
  assert.equal(ps.trainable().length, 6);
  assert.equal(ps.variables().length, 8);
  const x = randn([2, 5, 5, 2], 4) as tf.Tensor4D;
  const h = conv.apply(x);
  assert.deepEqual(h.shape, [2, 3, 3, 3]);
  assert.deepEqual(up.apply(h).shape, [2, 6, 6, 2]);
  assert.throws(() => conv.apply(randn([2, 5, 5, 3], 1) as tf.Tensor4D), /expected input \[B, H, W, 2\]/);
  bn.gamma.assign(tf.tensor1d([2, 0.5]));
  bn.beta.assign(tf.tensor1d([1, -1]));
  const stats: ConvBnStats = [];
  const y = bn.apply(x, { training: true, bnStats: stats }).dataSync(),
    xv = x.dataSync();
  for (let c = 0; c < 2; c++) {
    const vals = Array.from(xv).filter((_, i) => i % 2 === c);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length;
    for (let i = c; i < xv.length; i += 2) {
      const want = ((xv[i] - m) / Math.sqrt(v + 1e-3)) * [2, 0.5][c] + [1, -1][c];
      assert.ok(Math.abs(y[i] - want) < 1e-4, `channel ${c} value ${i}: ${y[i]} vs ${want}`);
    }
    assert.ok(Math.abs(stats[0].mean.dataSync()[c] - m) < 1e-5);
  }
  updateMovingStats(stats);
  assert.ok(
    Math.abs(
      bn.mean.dataSync()[0] -
        (0.1 *
          Array.from(xv)
            .filter((_, i) => i % 2 === 0)
            .reduce((a, b) => a + b, 0)) /
          50,
    ) < 1e-5,
    "moving mean = 0.9·0 + 0.1·batch mean",
  );
  tf.dispose([x, h]);
  ps.dispose();
});

test("the loss: MSE / L1 plus β·ΣKL/(B·D), D the decoder's elements per sample (hand-computed)", () => {
  // KL_b = −½ Σ_k (1 + lv − μ² − e^lv):
  //   b0: μ = (1, 0), lv = (0, 0)      → −½((1+0−1−1) + (1+0−0−1))         = 0.5
  //   b1: μ = (0, 2), lv = (ln 2, 0)   → −½((1+ln2−0−2) + (1+0−4−1))        = (5 − ln 2)/2
  const klSum = 0.5 + (5 - Math.log(2)) / 2;
  const mu = tf.tensor2d([
      [1, 0],
      [0, 2],
    ]),
    logvar = tf.tensor2d([
      [0, 0],
      [Math.log(2), 0],
    ]);
  // 3D: B = 2, D = 48; prediction 0.5 everywhere, target 0 → MSE 0.25.
  const p3 = tf.fill([2, 48], 0.5),
    t3 = tf.zeros([2, 48]);
  const a = pairLoss("mse", p3, t3, mu as tf.Tensor2D, logvar as tf.Tensor2D, 2);
  assert.ok(Math.abs(a.recon.dataSync()[0] - 0.25) < 1e-6);
  assert.ok(Math.abs(a.kl.dataSync()[0] - klSum / 2) < 1e-5, `mean KL ${a.kl.dataSync()[0]} vs ${klSum / 2}`);
  assert.ok(Math.abs(a.klNorm.dataSync()[0] - klSum / (2 * 48)) < 1e-6);
  assert.ok(Math.abs(a.loss.dataSync()[0] - (0.25 + (2 * klSum) / 96)) < 1e-6, `3D loss ${a.loss.dataSync()[0]}`);
  // Images: B = 2, 3×3×3 = 27 elements each; prediction 0.5, target −0.25 except one value 0.5 → L1 = (53·0.75)/54.
  const ti = tf.tidy(() => tf.add(tf.fill([2, 3, 3, 3], -0.25), tf.mul(tf.oneHot(0, 54).reshape([2, 3, 3, 3]), 0.75)));
  const b = pairLoss("l1", tf.fill([2, 3, 3, 3], 0.5), ti, mu as tf.Tensor2D, logvar as tf.Tensor2D, 2);
  const l1 = (53 * 0.75) / 54;
  assert.ok(Math.abs(b.recon.dataSync()[0] - l1) < 1e-6, `L1 ${b.recon.dataSync()[0]} vs ${l1}`);
  assert.ok(
    Math.abs(b.loss.dataSync()[0] - (l1 + (2 * klSum) / (2 * 27))) < 1e-6,
    `image loss ${b.loss.dataSync()[0]}`,
  );
  assert.throws(() => pairLoss("l1", p3, tf.zeros([2, 47]), mu as tf.Tensor2D, logvar as tf.Tensor2D, 1), /differ/);
  tf.dispose([mu, logvar, p3, t3, ti, ...Object.values(a), ...Object.values(b)]);
});

test("a pair step updates only its pair's parts and leaks no tensor", () => {
  const m = new CrossmodalVae(tiny(["img-img", "2d-3d"]), 2);
  const batch = randomBatch(4, 16, 11);
  tf.dispose(Object.values(m.trainPair("img-img", batch, 1e-3, 1))); // warm-up
  const before = tf.memory().numTensors;
  const snap = (p: string) => m.parts[p].variables().map((v) => Array.from(v.dataSync()));
  const enc2d = snap("enc_2d"),
    decImg = snap("dec_img");
  const terms = m.trainPair("img-img", batch, 1e-3, 2);
  assert.deepEqual(Object.keys(terms).sort(), ["gradNorm", "kl", "loss", "recon"]);
  tf.dispose(Object.values(terms));
  assert.equal(tf.memory().numTensors, before, "a pair step leaks tensors");
  assert.deepEqual(snap("enc_2d"), enc2d, "img-img moved the 2D encoder");
  assert.notDeepEqual(snap("dec_img"), decImg, "img-img did not move the image decoder");
  // Batch-norm moving statistics (not trainable) moved too.
  const stats = m.parts.dec_img.variables().slice(m.parts.dec_img.trainable().length);
  assert.ok(
    stats.length === 8 && stats.some((v) => v.dataSync().some((x) => x !== 0 && x !== 1)),
    "moving statistics unchanged",
  );
  tf.dispose(Object.values(batch));
  m.dispose();
});

/** A source of seeded random batches (16 px), for loop-level checks of the schedules. */
const randomSource = (n: number): BatchSource<CrossmodalBatch> => ({
  size: n,
  batch: (idx, seed) => randomBatch(idx.length, 16, seed),
});

test("schedules: 'epoch' trains one pair per epoch in turn, 'alternate' every pair in every epoch (metrics.jsonl)", async () => {
  const pairs: PairName[] = ["2d-3d", "img-img", "3d-3d"];
  const run = async (schedule: "epoch" | "alternate") => {
    const dir = path.join(root, `schedule-${schedule}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const m = new CrossmodalVae(tiny(pairs, { schedule }), 3);
    await trainLoop(
      m,
      { name: schedule, seed: 1, epochs: 4, batchSize: 4, checkpointEverySteps: 0 },
      { dir, data: randomSource(12), verbose: false },
    );
    m.dispose();
    return readMetrics(dir).map((h) => [...new Set(Object.keys(h.terms).map((k) => k.split(".")[0]))]);
  };
  assert.deepEqual(await run("epoch"), [["2d-3d"], ["img-img"], ["3d-3d"], ["2d-3d"]]);
  assert.deepEqual(await run("alternate"), Array(4).fill(pairs));
});

const data = mocapDataDir();

test("a tiny run on rendered images lowers the image→image L1", { skip: data.skip, timeout: 120_000 }, async () => {
  const set = captureMocap(
    loadMocap({ dir: data.dir, filter: (f) => /\/(02_01|05_01)\.bvh$|dataset-1_walk_normal_001/.test(f) }),
    "train",
    { everyNth: 20, ignoreSplits: true },
  );
  const norm = normalize(set, computeStats(set));
  const src = crossmodalBatches(set, norm, 16);
  const fixed = src.batch(
    Int32Array.from({ length: 16 }, (_, i) => (i * 7) % set.n),
    99,
  );
  const m = new CrossmodalVae(tiny(["img-img"], { lr: 3e-3 }), 4);
  const l1 = () => tf.tidy(() => m.pairObjective("img-img", fixed, 5).recon.dataSync()[0]);
  const start = l1();
  const dir = path.join(root, "img-img");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await trainLoop(
    m,
    { name: "img-img", seed: 2, epochs: 4, batchSize: 16, checkpointEverySteps: 0 },
    { dir, data: src, verbose: false },
  );
  const end = l1();
  assert.ok(end < 0.8 * start, `image→image L1 went from ${start} to ${end}`);
  tf.dispose(Object.values(fixed));
  m.dispose();
});

test("the batch source gives the same samples' 2D rows, 3D rows and renders (batch seed = render seed)", {
  skip: data.skip,
}, () => {
  const set = captureMocap(
    loadMocap({ dir: data.dir, filter: (f) => /\/02_01\.bvh$|dataset-1_walk_normal_001/.test(f) }),
    "train",
    { everyNth: 50, ignoreSplits: true },
  );
  const norm = normalize(set, computeStats(set));
  const idx = Int32Array.from([3, 0, 7]);
  const b = crossmodalBatches(set, norm, 16).batch(idx, 1234);
  assert.deepEqual(b.img.shape, [3, 16, 16, 3]);
  assert.deepEqual(b.img.dataSync(), renderBatch(set, idx, { size: 16 }, 1234).images);
  const x = b.x2d.dataSync(),
    y = b.y3d.dataSync();
  idx.forEach((i, k) => {
    assert.deepEqual(
      x.subarray(k * norm.dimIn, (k + 1) * norm.dimIn),
      norm.x.subarray(i * norm.dimIn, (i + 1) * norm.dimIn),
    );
    assert.deepEqual(
      y.subarray(k * norm.dimOut, (k + 1) * norm.dimOut),
      norm.y.subarray(i * norm.dimOut, (i + 1) * norm.dimOut),
    );
  });
  tf.dispose(Object.values(b));
});

test("paired latent distance: hand-computed", () => {
  // a = (0,0), (3,0); b = (0,4), (3,0): paired |(0,0)−(0,4)| = 4, |(3,0)−(3,0)| = 0 → 2;
  // unpaired (shift 1): |(0,0)−(3,0)| = 3, |(3,0)−(0,4)| = 5 → 4.
  assert.deepEqual(pairedLatentDistance(Float32Array.from([0, 0, 3, 0]), Float32Array.from([0, 4, 3, 0]), 2), {
    paired: 2,
    unpaired: 4,
  });
  assert.throws(() => pairedLatentDistance(new Float32Array(4), new Float32Array(6), 2), /two \[n ≥ 2, 2\] arrays/);
});

test("config errors name the field", () => {
  assert.throws(
    () => validateCrossmodalConfig({ ...DEFAULT_CROSSMODAL_CONFIG, imageSize: 40 }),
    /imageSize must be a multiple of 16, got 40/,
  );
  assert.throws(
    () => validateCrossmodalConfig({ ...DEFAULT_CROSSMODAL_CONFIG, pairs: ["2d-3d", "x-y" as PairName] }),
    /pairs\[1\] must be one of/,
  );
  assert.throws(
    () => validateCrossmodalConfig({ ...DEFAULT_CROSSMODAL_CONFIG, decoderChannels: [8, 8, 8] }),
    /decoderChannels must be a list of at least 4/,
  );
});
