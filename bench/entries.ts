/**
 * One benchmark entry per process (so peak RSS is the entry's own): prints one JSON line.
 *   node --import tsx bench/entries.ts <entry> [--quick]
 * Entries repeat their measured unit several times and report the min and median.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend, describeBackend } from "../lib/backend/backend";
import { loadBvhFolder, listBvhFiles } from "../lib/data/mocap";
import { mpjpe, pMpjpe } from "../lib/pose/metrics";
import { fitBatch } from "../lib/models/supervised";
import { createLifter } from "../lib/models/registry";
import { Adam } from "../lib/nn/optim";
import { mulberry32, normal } from "../lib/core/rng";
import { umapEmbed } from "../lib/eval/umap";
import { dataDir } from "../lib/data/dataset";

const quick = process.argv.includes("--quick");

interface Result {
  entry: string;
  unit: string;
  /** Items per second at the best (min) and median repeat. */
  best: number;
  median: number;
  gflops?: number;
  repeats: number;
  notes?: string;
}

function stats(times: number[]): { min: number; median: number } {
  const s = [...times].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * normal(r));
}

/** Training steps of a lifter; FLOPs ≈ 6 × parameters × batch (matrix products only). */
async function lifterSteps(kind: "beta-vae" | "baseline", batch: number): Promise<Result> {
  const opts = kind === "beta-vae"
    ? { inputDim: 32, outputDim: 48, hidden: 512, layers: 5, latentDim: 100, residual: false, batchNorm: false, dropout: 0, maxNorm: 0 }
    : { inputDim: 32, outputDim: 48, hidden: 1024, layers: 5, latentDim: 0, residual: true, batchNorm: true, dropout: 0.5, maxNorm: 1 };
  const m = createLifter(kind, opts, 1);
  const firstWeight = () => Object.values(m.parts)[0].trainable()[0];
  const x = tf.tensor2d(randn(batch * 32, 1), [batch, 32]), y = tf.tensor2d(randn(batch * 48, 2), [batch, 48]);
  const step = (s: number) => {
    tf.dispose(Object.values(fitBatch(m, { x, y }, { beta: 1e-3, lr: 1e-3, seed: s })));
  };
  for (let s = 0; s < 5; s++) step(s);
  await tf.ready();
  firstWeight().dataSync();
  const per = Number(process.env.BENCH_STEPS ?? (quick ? 5 : 20)), repeats = Number(process.env.BENCH_REPEATS ?? (quick ? 3 : 5));
  const times: number[] = [];
  const tensors0 = tf.memory().numTensors;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) step(100 + r * per + s);
    firstWeight().dataSync(); // wait for the last update
    times.push((performance.now() - t0) / per);
  }
  const { min, median } = stats(times);
  const params = m.parameterCount();
  return { entry: `${kind}-train-step`, unit: "samples/s", best: (batch * 1000) / min, median: (batch * 1000) / median, gflops: (6 * params * batch) / (min / 1000) / 1e9, repeats,
    notes: `batch ${batch}, ${params.toLocaleString("en")} parameters, ${min.toFixed(1)} ms/step; tensors ${tensors0}→${tf.memory().numTensors}` };
}

/** WGAN-GP critic step (48 → 3 × 256 → 1, batch 64) with the gradient penalty. */
async function criticBench(): Promise<Result> {
  const { MlpCritic, criticStep } = await import("../lib/models/critic");
  const batch = 64;
  const c = new MlpCritic({ inputDim: 48, hidden: 256, blocks: 1, leak: 0.2 }, 1);
  const adam = new Adam(c.trainable());
  const real = tf.tensor2d(randn(batch * 48, 5), [batch, 48]), fake = tf.tensor2d(randn(batch * 48, 6, 0.5), [batch, 48]);
  const step = (s: number) => { tf.dispose(criticStep(c, adam, real, fake, { loss: "wgan-gp", lambda: 10, lr: 1e-4, seed: s })); };
  for (let s = 0; s < 5; s++) step(s);
  const per = quick ? 10 : 50, repeats = quick ? 3 : 5, times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) step(10 + s);
    c.trainable()[0].dataSync();
    times.push((performance.now() - t0) / per);
  }
  const { min, median } = stats(times);
  return { entry: "critic-gp-step", unit: "samples/s", best: (batch * 1000) / min, median: (batch * 1000) / median, repeats, notes: `batch ${batch}, ${min.toFixed(1)} ms/step (forward, double backward, Adam)` };
}

/**
 * A crossmodal image-encoder training step: 64×64×3 images → 4 stride-2 convolutions
 * (32, 64, 128, 256 channels, 4×4, ReLU) → μ, log σ² (100) → 3D pose (48), batch 64,
 * reconstruction + KL, Adam. The image size is the one the crossmodal VAE will use.
 */
async function cnnBench(): Promise<Result> {
  const batch = 64, size = 64;
  const r = mulberry32(3);
  const glorot = (shape: number[], fanIn: number, fanOut: number) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * r() - 1) * Math.sqrt(6 / (fanIn + fanOut))), shape));
  const chans = [3, 32, 64, 128, 256];
  const convs = chans.slice(1).map((c, i) => ({ W: glorot([4, 4, chans[i], c], 16 * chans[i], 16 * c), b: tf.variable(tf.zeros([c])) }));
  const flat = (size / 16) * (size / 16) * 256;
  const head = { W: glorot([flat, 200], flat, 200), b: tf.variable(tf.zeros([200])) };
  const dec = { W: glorot([100, 48], 100, 48), b: tf.variable(tf.zeros([48])) };
  const params = [...convs.flatMap((c) => [c.W, c.b]), head.W, head.b, dec.W, dec.b];
  const adam = new Adam(params);
  const images = tf.tensor4d(randn(batch * size * size * 3, 7), [batch, size, size, 3]), poses = tf.tensor2d(randn(batch * 48, 8), [batch, 48]);
  const step = (s: number) => {
    const { value, grads } = tf.variableGrads(() => {
      let h: tf.Tensor4D = images;
      for (const c of convs) h = tf.relu(tf.add(tf.conv2d(h, c.W as tf.Tensor4D, 2, "same"), c.b));
      const z = tf.add(tf.matMul(tf.reshape(h, [batch, flat]), head.W), head.b);
      const mu = tf.slice(z, [0, 0], [batch, 100]), lv = tf.slice(z, [0, 100], [batch, 100]);
      const zs = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), tf.randomNormal([batch, 100], 0, 1, "float32", s)));
      const y = tf.add(tf.matMul(zs, dec.W), dec.b);
      const kl = tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, lv), tf.add(tf.square(mu), tf.exp(lv))), 1)));
      return tf.add(tf.mean(tf.squaredDifference(y, poses)), tf.mul(kl, 1e-3 / 48)) as tf.Scalar;
    }, params);
    adam.apply(params.map((p) => grads[p.name]), 1e-4);
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (let s = 0; s < 2; s++) step(s);
  const per = quick ? 2 : 5, repeats = 3, times: number[] = [];
  for (let q = 0; q < repeats; q++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) step(10 + q * per + s);
    params[0].dataSync();
    times.push((performance.now() - t0) / per);
  }
  const { min, median } = stats(times);
  return { entry: "crossmodal-cnn-step", unit: "samples/s", best: (batch * 1000) / min, median: (batch * 1000) / median, repeats, notes: `64×64×3 images, batch ${batch}, 4 conv layers, ${min.toFixed(0)} ms/step` };
}

/** Memory of a thesis-size pose set: the shared mocap tiled to ~1.5M samples, normalized. */
async function datasetBench(): Promise<Result> {
  const { captureMocap, loadMocap } = await import("../lib/data/dataset");
  const { selectSamples } = await import("../lib/data/experiment");
  const { computeStats, normalize } = await import("../lib/data/preprocess");
  const t0 = performance.now();
  const base = captureMocap(loadMocap(), "train");
  const target = quick ? 300_000 : 1_500_000;
  const big = selectSamples(base, Int32Array.from({ length: target }, (_, i) => i % base.n));
  const n = normalize(big, computeStats(big));
  const ms = performance.now() - t0;
  const bytes = big.poses3d.byteLength + big.poses2d.byteLength + big.visible.byteLength + n.x.byteLength + n.y.byteLength + n.mask.byteLength;
  return { entry: "dataset-1.5m", unit: "samples/s (build)", best: (target * 1000) / ms, median: (target * 1000) / ms, repeats: 1, notes: `${target.toLocaleString("en")} 2D/3D pairs + normalized copies: ${(bytes / 2 ** 30).toFixed(2)} GiB of arrays, built in ${(ms / 1000).toFixed(1)} s` };
}

/** One epoch of β-VAE training on the full shared training split: tf.memory and RSS along it. */
async function epochMemoryBench(): Promise<Result> {
  const { DEFAULT_VAE_CONFIG } = await import("../lib/train/config");
  const { experimentData } = await import("../lib/data/experiment");
  const { trainRun } = await import("../lib/train/lifter-run");
  const cfg = { ...DEFAULT_VAE_CONFIG, name: `bench-epoch-${process.pid}`, epochs: 1, trainEveryNth: quick ? 4 : 1 };
  const d = experimentData(cfg);
  const samples: { step: number; tensors: number; bytes: number; rss: number }[] = [];
  const t0 = performance.now();
  const run = await trainRun(cfg, { train: d.trainN, val: { x: d.valN, set: d.val }, stats: d.stats }, {
    runsDir: path.resolve("out", "bench", "runs"), verbose: false,
    onStep: (s) => { if (s % 25 === 0) samples.push({ step: s, tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, rss: process.memoryUsage().rss }); },
  });
  const ms = performance.now() - t0;
  fs.rmSync(run.dir, { recursive: true, force: true });
  const t = samples.map((s) => s.tensors), r = samples.map((s) => s.rss / 2 ** 20), b = samples.map((s) => s.bytes / 2 ** 20);
  const rate = (d.trainN.n * 1000) / ms;
  return { entry: "vae-epoch-memory", unit: "samples/s (whole epoch)", best: rate, median: rate, repeats: 1,
    notes: `${d.trainN.n} samples, ${samples.length} probes: tf tensors ${Math.min(...t)}–${Math.max(...t)}, tf bytes ${Math.min(...b).toFixed(1)}–${Math.max(...b).toFixed(1)} MiB, RSS ${Math.min(...r).toFixed(0)}–${Math.max(...r).toFixed(0)} MiB` };
}

async function metricsEval(): Promise<Result> {
  const n = quick ? 50_000 : 500_000;
  const gt = randn(n * 51, 3, 200), pred = Float32Array.from(gt, (v, i) => v + 30 * Math.sin(i));
  const t1: number[] = [], t2: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now(); mpjpe(pred, gt); t1.push(performance.now() - t0);
    t0 = performance.now(); pMpjpe(pred, gt); t2.push(performance.now() - t0);
  }
  const a = stats(t1), b = stats(t2);
  return { entry: "mpjpe+p-mpjpe", unit: "poses/s", best: (n * 1000) / (a.min + b.min), median: (n * 1000) / (a.median + b.median), repeats: 3,
    notes: `${n.toLocaleString("en")} poses: MPJPE ${a.min.toFixed(0)} ms, P-MPJPE ${b.min.toFixed(0)} ms` };
}

async function umapBench(): Promise<Result> {
  const n = quick ? 1000 : 5000;
  const pts = randn(n * 100, 4);
  for (let i = 0; i < n; i++) pts[i * 100 + (i % 10)] += 6; // 10 clusters
  const times: number[] = [];
  for (let r = 0; r < (quick ? 1 : 2); r++) {
    const t0 = performance.now();
    await umapEmbed(pts, 100, { nNeighbors: 15, seed: 1 });
    times.push(performance.now() - t0);
  }
  const s = stats(times);
  return { entry: "umap-5k-latents", unit: "points/s", best: (n * 1000) / s.min, median: (n * 1000) / s.median, repeats: times.length, notes: `${n} × 100, n_neighbors 15, ${(s.min / 1000).toFixed(1)} s` };
}

async function bvhBench(): Promise<Result> {
  const dirs = ["cmu-mocap", "bandai-namco-motion"].map((d) => path.join(dataDir(), d)).filter((d) => fs.existsSync(d));
  if (!dirs.length) throw new Error(`no BVH data in ${dataDir()} (set HPE_DATA_DIR)`);
  const times: number[] = [];
  let frames = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    frames = dirs.flatMap((d) => loadBvhFolder(d)).reduce((s, q) => s + q.frames, 0);
    times.push(performance.now() - t0);
  }
  const s = stats(times);
  const files = dirs.reduce((n, d) => n + listBvhFiles(d).length, 0);
  return { entry: "bvh-load", unit: "frames/s (50 fps output)", best: (frames * 1000) / s.min, median: (frames * 1000) / s.median, repeats: 3, notes: `${files} files → ${frames} frames, parse + FK + map + resample, ${s.min.toFixed(0)} ms` };
}

async function exportBench(): Promise<Result> {
  const { exportFigure } = await import("../lib/viz/plot");
  const { closeSharedExporter } = await import("../lib/viz/image-export");
  const dir = path.resolve("out", "bench", "figures");
  const t = Array.from({ length: 2000 }, (_, i) => i / 100);
  const fig2d = { data: [{ type: "scatter" as const, mode: "lines" as const, x: t, y: t.map(Math.sin) }], layout: { title: { text: "bench 2D" } } };
  const fig3d = { data: [{ type: "scatter3d" as const, mode: "lines" as const, x: t.map(Math.cos), y: t.map(Math.sin), z: t }], layout: { title: { text: "bench 3D" } } };
  await exportFigure(fig2d, "warmup", ["png"], dir);
  const t2: number[] = [], t3: number[] = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    let t0 = performance.now(); await exportFigure(fig2d, `f2d-${r}`, ["svg", "png", "pdf"], dir); t2.push(performance.now() - t0);
    t0 = performance.now(); await exportFigure(fig3d, `f3d-${r}`, ["svg", "png"], dir); t3.push(performance.now() - t0);
  }
  await closeSharedExporter();
  const a = stats(t2), b = stats(t3);
  return { entry: "figure-export", unit: "figures/s (2D: svg+png+pdf)", best: 1000 / a.min, median: 1000 / a.median, repeats: t2.length,
    notes: `2D svg+png+pdf ${a.median.toFixed(0)} ms/figure; 3D svg+png ${b.median.toFixed(0)} ms/figure (median)` };
}

const ENTRIES: Record<string, () => Promise<Result>> = {
  "vae-step": () => lifterSteps("beta-vae", 256),
  "baseline-step": () => lifterSteps("baseline", 256),
  "critic-gp-step": criticBench,
  "crossmodal-cnn-step": cnnBench,
  metrics: metricsEval,
  "dataset-1.5m": datasetBench,
  "vae-epoch-memory": epochMemoryBench,
  umap: umapBench,
  bvh: bvhBench,
  export: exportBench,
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const fn = ENTRIES[name];
  if (!fn) throw new Error(`unknown entry "${name}"; entries: ${Object.keys(ENTRIES).join(", ")}`);
  const b = await initBackend({ quiet: true });
  const r = await fn();
  const ru = process.resourceUsage();
  console.log(JSON.stringify({ ...r, backend: describeBackend(b).replace(/^\[hpe3d\] backend: /, "").replace(/; skipped.*$/, ""), peakRssMb: Math.round(ru.maxRSS / 1024) }));
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
