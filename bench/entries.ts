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
import { Adam } from "../lib/nn/optim";
import { randn, trainingModels } from "./models";
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
  gflopsMedian?: number;
  /** Training entries: the dense sgemm limit timed between their repeats (GFLOP/s). */
  limitGflops?: number;
  repeats: number;
  notes?: string;
}

function stats(times: number[]): { min: number; median: number } {
  const s = [...times].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

/**
 * Training steps of one of bench/models.ts's models: samples/s, and GFLOP/s from the FLOPs
 * of its layer shapes (run.ts divides them by the sgemm limit measured in the same run).
 */
async function trainingSteps(which: keyof typeof trainingModels, entry: string): Promise<Result> {
  const m = await trainingModels[which]();
  const warm = which.startsWith("cnn") ? 2 : 5;
  for (let s = 0; s < warm; s++) m.step(s);
  m.sync();
  const cnn = which.startsWith("cnn");
  const per = Number(process.env.BENCH_STEPS ?? (cnn ? (quick ? 2 : 5) : quick ? 5 : 20)),
    repeats = Number(process.env.BENCH_REPEATS ?? (quick ? 3 : 5));
  const times: number[] = [];
  const limit = interleavedLimit();
  limit.sample();
  const tensors0 = tf.memory().numTensors;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) m.step(100 + r * per + s);
    m.sync(); // wait for the last update
    times.push((performance.now() - t0) / per);
    limit.sample();
  }
  const { min, median } = stats(times);
  const limitGflops = limit.gflops();
  limit.dispose();
  return {
    entry,
    unit: "samples/s",
    best: (m.batch * 1000) / min,
    median: (m.batch * 1000) / median,
    gflops: m.flopsPerStep / (min / 1000) / 1e9,
    gflopsMedian: m.flopsPerStep / (median / 1000) / 1e9,
    repeats,
    limitGflops,
    notes: `${m.layers}; batch ${m.batch}, ${m.params.toLocaleString("en")} parameters, ${(m.flopsPerStep / m.batch / 1e6).toFixed(1)} MFLOP/sample, ${min.toFixed(1)} ms/step; tensors ${tensors0}→${tf.memory().numTensors}`,
  };
}

/**
 * The machine's limit: GFLOP/s of the matrix product in use (tf.matMul through the active
 * backend: OpenBLAS when the addon is built) at the shapes that training multiplies:
 * forward X·W, input gradient dY·Wᵀ and weight gradient Xᵀ·dY of a 1024- and a 512-wide
 * layer at batch 256, and the largest im2col product of the image encoder. Each set's
 * rate is its FLOPs over its best times; the limit is the best set (the strictest).
 */
const LIMIT_SETS: { name: string; shapes: [number, number, number, boolean, boolean][] }[] = [
  {
    name: "dense 256×1024×1024",
    shapes: [
      [256, 1024, 1024, false, false],
      [256, 1024, 1024, false, true],
      [1024, 256, 1024, true, false],
    ],
  },
  {
    name: "dense 256×512×512",
    shapes: [
      [256, 512, 512, false, false],
      [256, 512, 512, false, true],
      [512, 256, 512, true, false],
    ],
  },
  {
    name: "im2col 8192×512×64",
    shapes: [
      [8192, 512, 64, false, false],
      [512, 8192, 64, true, false],
      [8192, 64, 512, false, true],
    ],
  },
];

/**
 * The dense sets of the limit, timed between the repeats of a training entry (same
 * process, same moments of machine load): call `sample()` once per repeat; `gflops()` is
 * the best set's FLOPs over its best time per product.
 */
function interleavedLimit(): { sample(): void; gflops(): number; dispose(): void } {
  const sets = LIMIT_SETS.slice(0, 2).map((set) =>
    set.shapes.map(([M, K, N, ta, tb]) => ({
      a: tf.tensor2d(randn(M * K, M + K), ta ? [K, M] : [M, K]),
      b: tf.tensor2d(randn(K * N, K + N), tb ? [N, K] : [K, N]),
      ta,
      tb,
      flops: 2 * M * K * N,
      best: Infinity,
    })),
  );
  return {
    sample() {
      for (const set of sets) {
        for (const p of set) {
          const t0 = performance.now();
          const c = tf.matMul(p.a, p.b, p.ta, p.tb);
          c.dataSync();
          p.best = Math.min(p.best, performance.now() - t0);
          c.dispose();
        }
      }
    },
    gflops: () =>
      Math.max(
        ...sets.map((set) => set.reduce((s, p) => s + p.flops, 0) / (set.reduce((s, p) => s + p.best, 0) / 1000) / 1e9),
      ),
    dispose: () => tf.dispose(sets.flatMap((set) => set.flatMap((p) => [p.a, p.b]))),
  };
}

async function sgemmLimit(): Promise<Result> {
  const sets = LIMIT_SETS;
  const reps = quick ? 5 : 12;
  const rates: string[] = [];
  let best = 0,
    bestMedian = 0;
  for (const set of sets) {
    let bestT = 0,
      medT = 0,
      flops = 0;
    for (const [M, K, N, ta, tb] of set.shapes) {
      // [M×K]·[K×N] with the operands stored transposed where the flags say.
      const a = tf.tensor2d(randn(M * K, M + K), ta ? [K, M] : [M, K]),
        b = tf.tensor2d(randn(K * N, K + N), tb ? [N, K] : [K, N]);
      const times: number[] = [];
      for (let r = 0; r < reps + 2; r++) {
        const t0 = performance.now();
        const c = tf.matMul(a, b, ta, tb);
        c.dataSync();
        times.push(performance.now() - t0);
        c.dispose();
      }
      const s = stats(times.slice(2));
      bestT += s.min;
      medT += s.median;
      flops += 2 * M * K * N;
      tf.dispose([a, b]);
    }
    const g = flops / (bestT / 1000) / 1e9,
      gm = flops / (medT / 1000) / 1e9;
    rates.push(`${set.name} ${g.toFixed(0)} (median ${gm.toFixed(0)})`);
    if (g > best) [best, bestMedian] = [g, gm];
  }
  return {
    entry: "sgemm-limit",
    unit: "GFLOP/s",
    best,
    median: bestMedian,
    gflops: best,
    gflopsMedian: bestMedian,
    repeats: reps,
    notes: `tf.matMul NN/NT/TN sets, GFLOP/s: ${rates.join("; ")}`,
  };
}

/** WGAN-GP critic step (48 → 3 × 256 → 1, batch 64) with the gradient penalty. */
async function criticBench(): Promise<Result> {
  const { MlpCritic, criticStep } = await import("../lib/models/critic");
  const batch = 64;
  const c = new MlpCritic({ inputDim: 48, hidden: 256, blocks: 1, leak: 0.2 }, 1);
  const adam = new Adam(c.trainable());
  const real = tf.tensor2d(randn(batch * 48, 5), [batch, 48]),
    fake = tf.tensor2d(randn(batch * 48, 6, 0.5), [batch, 48]);
  const step = (s: number) => {
    tf.dispose(criticStep(c, adam, real, fake, { loss: "wgan-gp", lambda: 10, lr: 1e-4, seed: s }));
  };
  for (let s = 0; s < 5; s++) step(s);
  const per = quick ? 10 : 50,
    repeats = quick ? 3 : 5,
    times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) step(10 + s);
    c.trainable()[0].dataSync();
    times.push((performance.now() - t0) / per);
  }
  const { min, median } = stats(times);
  return {
    entry: "critic-gp-step",
    unit: "samples/s",
    best: (batch * 1000) / min,
    median: (batch * 1000) / median,
    repeats,
    notes: `batch ${batch}, ${min.toFixed(1)} ms/step (forward, double backward, Adam)`,
  };
}

/**
 * Memory of crossmodal training: an epoch-like loop of image-encoder and image-decoder
 * steps (bench/models.ts) whose 64×64×3 images are rendered per batch from real 2D poses
 * (joints and bones as soft dots), never held all at once. Peak RSS (of this process) is
 * the entry's peakRssMb; tf.memory and RSS are sampled along the loop.
 */
async function convEpochMemory(): Promise<Result> {
  const { captureMocap, loadMocap } = await import("../lib/data/dataset");
  const { renderPoseImages } = await import("./models");
  const set = captureMocap(loadMocap(), "train");
  const enc = await trainingModels["cnn-encoder"](),
    dec = await trainingModels["cnn-decoder"]();
  const batch = enc.batch,
    steps = quick ? 8 : 40;
  const rss: number[] = [],
    tensors: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const first = (s * batch * 7919) % Math.max(1, set.n - batch);
    const images = renderPoseImages(set.poses2d.subarray(first * 34, (first + batch) * 34), batch, 64);
    enc.step(s, images);
    dec.step(s, images);
    tf.dispose(images);
    if (s % 4 === 0) {
      rss.push(process.memoryUsage().rss / 2 ** 20);
      tensors.push(tf.memory().numTensors);
    }
  }
  enc.sync();
  dec.sync();
  const ms = performance.now() - t0;
  const rate = (steps * batch * 1000) / ms;
  return {
    entry: "conv-epoch-memory",
    unit: "samples/s (encoder+decoder)",
    best: rate,
    median: rate,
    repeats: 1,
    notes: `${steps} batches of ${batch} rendered 64×64×3 images from ${set.n.toLocaleString("en")} poses: tf tensors ${Math.min(...tensors)}–${Math.max(...tensors)}, RSS ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MiB`,
  };
}

/** Memory of a thesis-size pose set: the shared mocap tiled to ~1.5M samples, normalized. */
async function datasetBench(): Promise<Result> {
  const { captureMocap, loadMocap } = await import("../lib/data/dataset");
  const { selectSamples } = await import("../lib/data/experiment");
  const { computeStats, normalize } = await import("../lib/data/preprocess");
  const t0 = performance.now();
  const base = captureMocap(loadMocap(), "train");
  const target = quick ? 300_000 : 1_500_000;
  const big = selectSamples(
    base,
    Int32Array.from({ length: target }, (_, i) => i % base.n),
  );
  const n = normalize(big, computeStats(big));
  const ms = performance.now() - t0;
  const bytes =
    big.poses3d.byteLength +
    big.poses2d.byteLength +
    big.visible.byteLength +
    n.x.byteLength +
    n.y.byteLength +
    n.mask.byteLength;
  return {
    entry: "dataset-1.5m",
    unit: "samples/s (build)",
    best: (target * 1000) / ms,
    median: (target * 1000) / ms,
    repeats: 1,
    notes: `${target.toLocaleString("en")} 2D/3D pairs + normalized copies: ${(bytes / 2 ** 30).toFixed(2)} GiB of arrays, built in ${(ms / 1000).toFixed(1)} s`,
  };
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
  const run = await trainRun(
    cfg,
    { train: d.trainN, val: { x: d.valN, set: d.val }, stats: d.stats },
    {
      runsDir: path.resolve("out", "bench", "runs"),
      verbose: false,
      onStep: (s) => {
        if (s % 25 === 0)
          samples.push({
            step: s,
            tensors: tf.memory().numTensors,
            bytes: tf.memory().numBytes,
            rss: process.memoryUsage().rss,
          });
      },
    },
  );
  const ms = performance.now() - t0;
  fs.rmSync(run.dir, { recursive: true, force: true });
  const t = samples.map((s) => s.tensors),
    r = samples.map((s) => s.rss / 2 ** 20),
    b = samples.map((s) => s.bytes / 2 ** 20);
  const rate = (d.trainN.n * 1000) / ms;
  return {
    entry: "vae-epoch-memory",
    unit: "samples/s (whole epoch)",
    best: rate,
    median: rate,
    repeats: 1,
    notes: `${d.trainN.n} samples, ${samples.length} probes: tf tensors ${Math.min(...t)}–${Math.max(...t)}, tf bytes ${Math.min(...b).toFixed(1)}–${Math.max(...b).toFixed(1)} MiB, RSS ${Math.min(...r).toFixed(0)}–${Math.max(...r).toFixed(0)} MiB`,
  };
}

async function metricsEval(): Promise<Result> {
  const n = quick ? 50_000 : 500_000;
  const gt = randn(n * 51, 3, 200),
    pred = Float32Array.from(gt, (v, i) => v + 30 * Math.sin(i));
  const t1: number[] = [],
    t2: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now();
    mpjpe(pred, gt);
    t1.push(performance.now() - t0);
    t0 = performance.now();
    pMpjpe(pred, gt);
    t2.push(performance.now() - t0);
  }
  const a = stats(t1),
    b = stats(t2);
  return {
    entry: "mpjpe+p-mpjpe",
    unit: "poses/s",
    best: (n * 1000) / (a.min + b.min),
    median: (n * 1000) / (a.median + b.median),
    repeats: 3,
    notes: `${n.toLocaleString("en")} poses: MPJPE ${a.min.toFixed(0)} ms, P-MPJPE ${b.min.toFixed(0)} ms`,
  };
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
  return {
    entry: "umap-5k-latents",
    unit: "points/s",
    best: (n * 1000) / s.min,
    median: (n * 1000) / s.median,
    repeats: times.length,
    notes: `${n} × 100, n_neighbors 15, ${(s.min / 1000).toFixed(1)} s`,
  };
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
  return {
    entry: "bvh-load",
    unit: "frames/s (50 fps output)",
    best: (frames * 1000) / s.min,
    median: (frames * 1000) / s.median,
    repeats: 3,
    notes: `${files} files → ${frames} frames, parse + FK + map + resample, ${s.min.toFixed(0)} ms`,
  };
}

async function exportBench(): Promise<Result> {
  const { exportFigure } = await import("../lib/viz/plot");
  const { closeSharedExporter } = await import("../lib/viz/image-export");
  const dir = path.resolve("out", "bench", "figures");
  const t = Array.from({ length: 2000 }, (_, i) => i / 100);
  const fig2d = {
    data: [{ type: "scatter" as const, mode: "lines" as const, x: t, y: t.map(Math.sin) }],
    layout: { title: { text: "bench 2D" } },
  };
  const fig3d = {
    data: [{ type: "scatter3d" as const, mode: "lines" as const, x: t.map(Math.cos), y: t.map(Math.sin), z: t }],
    layout: { title: { text: "bench 3D" } },
  };
  await exportFigure(fig2d, "warmup", ["png"], dir);
  const t2: number[] = [],
    t3: number[] = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    let t0 = performance.now();
    await exportFigure(fig2d, `f2d-${r}`, ["svg", "png", "pdf"], dir);
    t2.push(performance.now() - t0);
    t0 = performance.now();
    await exportFigure(fig3d, `f3d-${r}`, ["svg", "png"], dir);
    t3.push(performance.now() - t0);
  }
  await closeSharedExporter();
  const a = stats(t2),
    b = stats(t3);
  return {
    entry: "figure-export",
    unit: "figures/s (2D: svg+png+pdf)",
    best: 1000 / a.min,
    median: 1000 / a.median,
    repeats: t2.length,
    notes: `2D svg+png+pdf ${a.median.toFixed(0)} ms/figure; 3D svg+png ${b.median.toFixed(0)} ms/figure (median)`,
  };
}

const ENTRIES: Record<string, () => Promise<Result>> = {
  "sgemm-limit": sgemmLimit,
  "vae-step": () => trainingSteps("vae", "beta-vae-train-step"),
  "baseline-step": () => trainingSteps("baseline", "baseline-train-step"),
  "critic-gp-step": criticBench,
  "crossmodal-cnn-step": () => trainingSteps("cnn-encoder", "crossmodal-cnn-step"),
  "crossmodal-decoder-step": () => trainingSteps("cnn-decoder", "crossmodal-decoder-step"),
  "conv-epoch-memory": convEpochMemory,
  render: async () => (await import("./render-entry")).renderBench(quick),
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
  console.log(
    JSON.stringify({
      ...r,
      backend: describeBackend(b)
        .replace(/^\[hpe3d\] backend: /, "")
        .replace(/; skipped.*$/, ""),
      peakRssMb: Math.round(ru.maxRSS / 1024),
    }),
  );
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
