/**
 * Training runs: a custom loop (Adam, learning-rate decay, β schedule, seeded shuffles,
 * init, dropout and sampling), progress per epoch (loss terms, samples/s, ETA), and a run
 * folder that holds everything:
 *
 *   runs/<name>/config.json      the TrainConfig
 *   runs/<name>/stats.json       normalization statistics (training split)
 *   runs/<name>/metrics.jsonl    one line per finished epoch (rewritten whole, atomically)
 *   runs/<name>/checkpoint.json  + checkpoint-<step>.bin: weights, optimizer state, position
 *
 * Every file is written atomically. A killed run resumes from its last checkpoint and
 * finishes with the same numbers as an uninterrupted one (shuffles and random streams are
 * indexed by epoch and step, not drawn from a running generator).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { TrainConfig } from "./config";
import { writeFileAtomic, writeJsonAtomic } from "../core/io";
import { mpjpe } from "../pose/metrics";
import { Lifter } from "../models/lifter";
import { Mlp } from "../nn/mlp";
import { Adam } from "../nn/optim";
import { outDir } from "../core/paths";
import { denormalize3d, rootCentred, type Normalized, type NormStats } from "../data/preprocess";
import type { PoseSet } from "../data/dataset";
import { mulberry32, permutation } from "../core/rng";
import { betaAt, learningRateAt } from "./schedules";

export interface EpochLog {
  epoch: number;
  step: number;
  loss: number;
  recon: number;
  kl: number;
  beta: number;
  lr: number;
  /** Protocol #1 on the validation subset (mm). */
  valMpjpe: number;
  samplesPerSec: number;
  seconds: number;
  etaSeconds: number;
}

export interface TrainData {
  train: Normalized;
  /** Validation inputs/targets and ground truth for P1 each epoch. */
  val: { x: Normalized; set: PoseSet };
  stats: NormStats;
}

export interface TrainOptions {
  /** Folder holding run folders (default `runs/` under the output folder). */
  runsDir?: string;
  /** Called after every epoch with the log line and the history so far. */
  onEpoch?: (log: EpochLog, history: EpochLog[]) => void;
  /** Print a progress line per epoch (default true). */
  verbose?: boolean;
  /** Called after every step with the global step (cheap: no tensor reads). */
  onStep?: (globalStep: number) => void;
}

export interface TrainedRun {
  config: TrainConfig;
  dir: string;
  lifter: Lifter;
  stats: NormStats;
  history: EpochLog[];
  /** True when the run was already complete and only loaded. */
  loaded: boolean;
  /** Epochs trained by this call. */
  epochsTrained: number;
}

/** Where run folders live: `HPE_RUNS_DIR`, else `<output folder>/runs`. */
export function runsDir(): string {
  return process.env.HPE_RUNS_DIR ? path.resolve(process.env.HPE_RUNS_DIR) : outDir("runs");
}

/** A 31-bit seed derived from a run seed and labels (epoch, step…). */
export function deriveSeed(...parts: number[]): number {
  let h = 2166136261;
  for (const p of parts) {
    h ^= p >>> 0; h = Math.imul(h, 16777619);
    h ^= (p / 4294967296) >>> 0; h = Math.imul(h, 16777619);
  }
  return (h >>> 1) % 2147483647;
}

export function buildLifter(cfg: TrainConfig, stats: NormStats): Lifter {
  return new Lifter({
    kind: cfg.model, inputDim: stats.joints2d.length * 2, outputDim: stats.joints3d.length * 3,
    hidden: cfg.hidden, layers: cfg.layers, latentDim: cfg.latentDim, residual: cfg.residual, batchNorm: cfg.batchNorm, dropout: cfg.dropout,
  }, cfg.seed);
}

/** Scalars of one optimization step; numbers are read only when asked (no per-step sync). */
export interface StepResult {
  total: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/**
 * One training step on a batch: loss, gradients, Adam update, batch-norm statistics,
 * max-norm. Returns the loss terms as tensors the caller must dispose.
 */
export function trainStep(lifter: Lifter, adam: Adam, x: tf.Tensor2D, y: tf.Tensor2D, o: { beta: number; lr: number; stepSeed: number; maxNorm: number }): StepResult {
  const bnStats: NonNullable<Parameters<Lifter["loss"]>[3]["bnStats"]> = [];
  let recon!: tf.Scalar, kl!: tf.Scalar;
  const params = lifter.trainable();
  const { value, grads } = tf.variableGrads(() => {
    const l = lifter.loss(x, y, o.beta, { training: true, stepSeed: o.stepSeed, bnStats });
    recon = tf.keep(l.recon);
    kl = tf.keep(l.kl);
    return l.total;
  }, params);
  adam.apply(params.map((p) => grads[p.name]), o.lr);
  tf.dispose(Object.values(grads));
  if (bnStats.length) Mlp.updateMovingStats(bnStats);
  if (o.maxNorm > 0) lifter.applyMaxNorm(o.maxNorm);
  return { total: value, recon, kl };
}

/** Predictions [n, 17, 3] in mm (root-centred, root = 0) for normalized inputs. */
export function predictMm(lifter: Lifter, x: Normalized, stats: NormStats, batch = 4096): Float32Array {
  const out = new Float32Array(x.n * x.dimOut);
  for (let s = 0; s < x.n; s += batch) {
    const e = Math.min(x.n, s + batch);
    const xb = tf.tensor2d(x.x.subarray(s * x.dimIn, e * x.dimIn), [e - s, x.dimIn]);
    const yb = lifter.predict(xb);
    out.set(yb.dataSync(), s * x.dimOut);
    tf.dispose([xb, yb]);
  }
  return denormalize3d(out, stats);
}

interface CheckpointMeta {
  version: 1;
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  adamStep: number;
  bin: string;
  sha256: string;
  shapes: number[][];
  history: EpochLog[];
  /** Device-side loss sums of the epoch in progress, so a resumed epoch logs the same mean. */
  partialSums: [number, number, number];
}

function configKey(cfg: TrainConfig): string {
  return JSON.stringify(cfg);
}

function saveCheckpoint(dir: string, lifter: Lifter, adam: Adam, meta: Omit<CheckpointMeta, "bin" | "sha256" | "shapes" | "version">): void {
  const vars = [...lifter.variables(), ...adam.stateVariables()];
  const parts = vars.map((v) => v.dataSync() as Float32Array);
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  const bin = `checkpoint-${meta.globalStep}.bin`;
  writeFileAtomic(path.join(dir, bin), bytes);
  const full: CheckpointMeta = { version: 1, ...meta, bin, sha256: createHash("sha256").update(bytes).digest("hex"), shapes: vars.map((v) => v.shape) };
  writeJsonAtomic(path.join(dir, "checkpoint.json"), full);
  for (const f of fs.readdirSync(dir)) if (/^checkpoint-\d+\.bin$/.test(f) && f !== bin) fs.rmSync(path.join(dir, f), { force: true });
}

function loadCheckpoint(dir: string, lifter: Lifter, adam: Adam): CheckpointMeta | undefined {
  const f = path.join(dir, "checkpoint.json");
  if (!fs.existsSync(f)) return undefined;
  const meta = JSON.parse(fs.readFileSync(f, "utf8")) as CheckpointMeta;
  const binPath = path.join(dir, meta.bin);
  if (!fs.existsSync(binPath)) throw new Error(`${f}: names ${meta.bin}, which is missing`);
  const bytes = fs.readFileSync(binPath);
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== meta.sha256) throw new Error(`${binPath}: checksum mismatch (expected ${meta.sha256}, got ${sha}): the checkpoint is corrupt`);
  const vars = [...lifter.variables(), ...adam.stateVariables()];
  if (vars.length !== meta.shapes.length || vars.some((v, i) => v.shape.join() !== meta.shapes[i].join())) {
    throw new Error(`${f}: holds ${meta.shapes.length} tensors that do not match this model's ${vars.length}; was the config changed?`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let o = 0;
  for (const v of vars) {
    v.assign(tf.tensor(all.subarray(o, o + v.size), v.shape));
    o += v.size;
  }
  adam.step = meta.adamStep;
  return meta;
}

/** Open an existing run folder: config, statistics, and the model at its last checkpoint. */
export function loadRun(dir: string): { config: TrainConfig; stats: NormStats; lifter: Lifter; history: EpochLog[]; complete: boolean } {
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) throw new Error(`${dir}: not a run folder (no config.json)`);
  const config = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as TrainConfig;
  const stats = readStats(path.join(dir, "stats.json"));
  const lifter = buildLifter(config, stats);
  const adam = new Adam(lifter.trainable());
  const meta = loadCheckpoint(dir, lifter, adam);
  adam.dispose();
  if (!meta) throw new Error(`${dir}: has no checkpoint yet`);
  return { config, stats, lifter, history: meta.history, complete: meta.epoch >= config.epochs };
}

function writeStats(file: string, s: NormStats): void {
  writeJsonAtomic(file, { ...s, mean2d: Array.from(s.mean2d), std2d: Array.from(s.std2d), mean3d: Array.from(s.mean3d), std3d: Array.from(s.std3d) });
}

export function readStats(file: string): NormStats {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing normalization statistics`);
  const s = JSON.parse(fs.readFileSync(file, "utf8"));
  return { ...s, mean2d: Float32Array.from(s.mean2d), std2d: Float32Array.from(s.std2d), mean3d: Float32Array.from(s.mean3d), std3d: Float32Array.from(s.std3d) };
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

/**
 * Train (or resume, or just load) the run `cfg.name`. Resuming needs the same config;
 * a different config under the same name is an error.
 */
export async function trainRun(cfg: TrainConfig, data: TrainData, opts: TrainOptions = {}): Promise<TrainedRun> {
  const dir = path.join(opts.runsDir ?? runsDir(), cfg.name);
  fs.mkdirSync(dir, { recursive: true });
  const cfgFile = path.join(dir, "config.json");
  if (fs.existsSync(cfgFile)) {
    const old = fs.readFileSync(cfgFile, "utf8");
    if (configKey(JSON.parse(old)) !== configKey(cfg)) {
      throw new Error(`${dir} holds a run with a different config; use another name or delete the folder. Saved: ${old.trim()}`);
    }
  } else {
    writeJsonAtomic(cfgFile, cfg);
  }
  const statsFile = path.join(dir, "stats.json");
  if (fs.existsSync(statsFile)) {
    const saved = readStats(statsFile);
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= 1e-4 * Math.max(1, Math.abs(v)));
    if (saved.mode !== data.stats.mode || !same(saved.mean2d, data.stats.mean2d) || !same(saved.std3d, data.stats.std3d)) {
      throw new Error(`${dir}: the training data's normalization statistics differ from the ones this run started with (different data folder or files?); use another run name`);
    }
  } else {
    writeStats(statsFile, data.stats);
  }

  const lifter = buildLifter(cfg, data.stats);
  const adam = new Adam(lifter.trainable());
  const meta = loadCheckpoint(dir, lifter, adam);
  const history: EpochLog[] = meta?.history ?? [];
  const verbose = opts.verbose ?? true;
  const log = (s: string) => verbose && console.log(s);
  const { train } = data;
  const stepsPerEpoch = Math.floor(train.n / cfg.batchSize);
  if (stepsPerEpoch < 1) throw new Error(`training set has ${train.n} samples, fewer than one batch of ${cfg.batchSize}`);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  let epoch = meta?.epoch ?? 0;
  let stepInEpoch = meta?.stepInEpoch ?? 0;
  let globalStep = meta?.globalStep ?? 0;
  if (meta) log(`[train] ${cfg.name}: resuming at epoch ${epoch + 1}, step ${stepInEpoch}/${stepsPerEpoch} (${dir})`);
  else log(`[train] ${cfg.name}: ${cfg.model}, ${lifter.parameterCount().toLocaleString("en")} parameters, ${train.n} samples, ${cfg.epochs} epochs × ${stepsPerEpoch} steps (${dir})`);
  const loaded = epoch >= cfg.epochs;
  const startEpoch = epoch;
  const xb = new Float32Array(cfg.batchSize * train.dimIn), yb = new Float32Array(cfg.batchSize * train.dimOut);
  const valGt = rootCentred(data.val.set);
  const metricsFile = path.join(dir, "metrics.jsonl");
  const t0 = performance.now();
  let samplesThisCall = 0;

  while (epoch < cfg.epochs) {
    const perm = permutation(train.n, mulberry32(deriveSeed(cfg.seed, epoch)));
    const tEpoch = performance.now();
    let sums = tf.tensor1d(meta && epoch === meta.epoch ? meta.partialSums : [0, 0, 0]);
    let lastBeta = 0, lastLr = cfg.lr;
    const firstStep = stepInEpoch;
    for (; stepInEpoch < stepsPerEpoch; stepInEpoch++) {
      for (let b = 0; b < cfg.batchSize; b++) {
        const i = perm[stepInEpoch * cfg.batchSize + b];
        xb.set(train.x.subarray(i * train.dimIn, (i + 1) * train.dimIn), b * train.dimIn);
        yb.set(train.y.subarray(i * train.dimOut, (i + 1) * train.dimOut), b * train.dimOut);
      }
      lastBeta = betaAt(cfg.beta, cfg.betaSchedule, globalStep / totalSteps);
      lastLr = learningRateAt(cfg.lr, cfg.lrDecay, cfg.lrDecaySteps, globalStep);
      const x = tf.tensor2d(xb, [cfg.batchSize, train.dimIn]), y = tf.tensor2d(yb, [cfg.batchSize, train.dimOut]);
      const r = trainStep(lifter, adam, x, y, { beta: lastBeta, lr: lastLr, stepSeed: deriveSeed(cfg.seed, 1, globalStep), maxNorm: cfg.maxNorm });
      const next = tf.tidy(() => tf.add(sums, tf.stack([r.total, r.recon, r.kl])));
      tf.dispose([x, y, r.total, r.recon, r.kl, sums]);
      sums = next as tf.Tensor1D;
      globalStep++;
      samplesThisCall += cfg.batchSize;
      opts.onStep?.(globalStep);
      if (cfg.checkpointEverySteps > 0 && globalStep % cfg.checkpointEverySteps === 0 && stepInEpoch + 1 < stepsPerEpoch) {
        const s = Array.from(sums.dataSync()) as [number, number, number];
        saveCheckpoint(dir, lifter, adam, { epoch, stepInEpoch: stepInEpoch + 1, globalStep, adamStep: adam.step, history, partialSums: s });
      }
      if (stepInEpoch % 20 === 19) await new Promise((r) => setImmediate(r)); // let the kernel deliver output
    }
    const [sTotal, sRecon, sKl] = Array.from(sums.dataSync());
    sums.dispose();
    const seconds = (performance.now() - tEpoch) / 1000;
    const pred = predictMm(lifter, data.val.x, data.stats);
    const done = epoch + 1;
    const elapsed = (performance.now() - t0) / 1000;
    const rate = samplesThisCall / elapsed;
    const entry: EpochLog = {
      epoch: done, step: globalStep, loss: sTotal / stepsPerEpoch, recon: sRecon / stepsPerEpoch, kl: sKl / stepsPerEpoch, beta: lastBeta, lr: lastLr,
      valMpjpe: mpjpe(pred, valGt), samplesPerSec: ((stepsPerEpoch - firstStep) * cfg.batchSize) / seconds, seconds,
      etaSeconds: ((cfg.epochs - done) * stepsPerEpoch * cfg.batchSize) / rate,
    };
    history.push(entry);
    writeFileAtomic(metricsFile, history.map((h) => JSON.stringify(h)).join("\n") + "\n");
    epoch = done;
    stepInEpoch = 0;
    saveCheckpoint(dir, lifter, adam, { epoch, stepInEpoch: 0, globalStep, adamStep: adam.step, history, partialSums: [0, 0, 0] });
    log(`[train] ${cfg.name} epoch ${done}/${cfg.epochs}  loss ${entry.loss.toFixed(4)} (recon ${entry.recon.toFixed(4)}, KL ${entry.kl.toFixed(2)}, β ${entry.beta.toPrecision(2)})  val P1 ${entry.valMpjpe.toFixed(1)} mm  ${Math.round(entry.samplesPerSec)} samples/s  ETA ${fmtTime(entry.etaSeconds)}`);
    opts.onEpoch?.(entry, history);
    await new Promise((r) => setImmediate(r));
  }
  adam.dispose();
  return { config: cfg, dir, lifter, stats: data.stats, history, loaded, epochsTrained: epoch - startEpoch };
}
