/**
 * Training runs of lifters: the run folder (config, statistics, metrics, checkpoints; see
 * run-folder.ts), the model from its config, batches of normalized poses, the β and
 * learning-rate schedules, and validation P1 after every epoch, all through the shared
 * loop (loop.ts). A killed run resumes from its last checkpoint with the same numbers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeJsonAtomic } from "../core/io";
import { runsDir } from "../core/paths";
import type { PoseSet } from "../data/dataset";
import {
  normalize,
  rootCentred,
  statsFromJson,
  statsToJson,
  type Normalized,
  type NormStats,
} from "../data/preprocess";
import { virtualViews } from "../data/virtual-camera";
import { mulberry32 } from "../core/rng";
import { predictMm } from "../eval/infer";
import { DEFAULT_CVAE_OPTIONS } from "../models/cvae";
import type { CvaeOptions, Lifter, LifterOptions, VaeGanOptions } from "../models/lifter";
import { createLifter } from "../models/registry";
import type { BatchSource } from "../nn/trainable";
import { mpjpe } from "../pose/metrics";
import {
  CVAE_FIELDS,
  DEFAULT_VAE_GAN_CONFIG,
  parseConfig,
  type TrainConfig,
  VAE_GAN_FIELDS,
  validateConfig,
} from "./config";
import { trainLoop } from "./loop";
import { type EpochLog, loadCheckpoint, openRunFolder, readJsonFile } from "./run-folder";
import { betaAt, learningRateAt } from "./schedules";

export interface TrainData {
  train: Normalized;
  /** The training set `train` was normalized from: needed when the config asks for virtual cameras. */
  trainSet?: PoseSet;
  /** Validation inputs and ground truth, for P1 after every epoch. */
  val: { x: Normalized; set: PoseSet };
  stats: NormStats;
}

export interface TrainOptions {
  /** Folder holding run folders (default: `runsDir()`). */
  runsDir?: string;
  /** Called after every epoch with the log line and the history so far. */
  onEpoch?: (log: EpochLog, history: EpochLog[]) => void;
  /** Print progress lines (default true). */
  verbose?: boolean;
  /** Called after every step with the global step (no tensor reads). */
  onStep?: (globalStep: number) => void;
  /** The compute path recorded in checkpoints (default: the running one; see lib/train/loop.ts). */
  compute?: string;
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

/** The lifter a config describes, sized for the statistics' joints, with seeded weights. */
export function buildLifter(cfg: TrainConfig, stats: NormStats): Lifter {
  const { hidden, layers, latentDim, residual, batchNorm, dropout, maxNorm } = cfg;
  const dims = { inputDim: stats.joints2d.length * 2, outputDim: stats.joints3d.length * 3 };
  const opts: LifterOptions = { ...dims, hidden, layers, latentDim, residual, batchNorm, dropout, maxNorm };
  if (cfg.clipNorm) opts.clipNorm = cfg.clipNorm;
  if (cfg.model === "vae-gan") {
    // Fields a config leaves out take the vae-gan preset's values.
    const d = DEFAULT_VAE_GAN_CONFIG as Required<TrainConfig>;
    opts.vaeGan = Object.fromEntries(VAE_GAN_FIELDS.map((k) => [k, cfg[k] ?? d[k]])) as unknown as VaeGanOptions;
  }
  if (cfg.model === "cvae") opts.cvae = cvaeOptions(cfg);
  return createLifter(cfg.model, opts, cfg.seed);
}

/**
 * A cvae config's own options; fields it leaves out (runs made before they existed) take the model's
 * defaults, except hypothesisInput: every run made before it existed had G on the trunk's features.
 */
export function cvaeOptions(cfg: Partial<CvaeOptions>): CvaeOptions {
  const before: Partial<CvaeOptions> = { hypothesisInput: "features" };
  return Object.fromEntries(
    CVAE_FIELDS.map((k) => [k, cfg[k] ?? before[k] ?? DEFAULT_CVAE_OPTIONS[k]]),
  ) as unknown as CvaeOptions;
}

/**
 * Batches of normalized (x, y) rows. With `virtual` (share > 0), each sample of a batch is, with
 * that probability, replaced by its view through a virtual camera (lib/data/virtual-camera.ts),
 * normalized with the same statistics; the draws come from the batch's seed.
 */
export function liftBatches(
  train: Normalized,
  virtual?: { share: number; set: PoseSet; stats: NormStats },
): BatchSource<{ x: tf.Tensor2D; y: tf.Tensor2D }> {
  if (virtual && virtual.set.n !== train.n)
    throw new Error(
      `liftBatches: the virtual cameras' set has ${virtual.set.n} samples, the normalized one ${train.n}`,
    );
  let xb = new Float32Array(0),
    yb = new Float32Array(0);
  return {
    size: train.n,
    batch(idx, seed) {
      const b = idx.length;
      if (xb.length !== b * train.dimIn) {
        xb = new Float32Array(b * train.dimIn);
        yb = new Float32Array(b * train.dimOut);
      }
      for (let k = 0; k < b; k++) {
        const i = idx[k];
        xb.set(train.x.subarray(i * train.dimIn, (i + 1) * train.dimIn), k * train.dimIn);
        yb.set(train.y.subarray(i * train.dimOut, (i + 1) * train.dimOut), k * train.dimOut);
      }
      if (virtual && virtual.share > 0) {
        const random = mulberry32(seed);
        const rows: number[] = [];
        for (let k = 0; k < b; k++) if (random() < virtual.share) rows.push(k);
        if (rows.length) {
          const seen = normalize(
            virtualViews(
              virtual.set,
              rows.map((k) => idx[k]),
              random,
            ),
            virtual.stats,
          );
          rows.forEach((k, r) => {
            xb.set(seen.x.subarray(r * train.dimIn, (r + 1) * train.dimIn), k * train.dimIn);
            yb.set(seen.y.subarray(r * train.dimOut, (r + 1) * train.dimOut), k * train.dimOut);
          });
        }
      }
      return { x: tf.tensor2d(xb, [b, train.dimIn]), y: tf.tensor2d(yb, [b, train.dimOut]) };
    },
  };
}

/** The virtual-camera augmentation a config asks for, with the data it needs. */
function virtualCameraSource(cfg: TrainConfig, data: TrainData) {
  const share = cfg.virtualCameras ?? 0;
  if (!(share > 0)) return undefined;
  if (!data.trainSet)
    throw new Error(
      `${cfg.name}: virtualCameras = ${share} needs the training set's camera-space poses (TrainData.trainSet)`,
    );
  return { share, set: data.trainSet, stats: data.stats };
}

function readStats(file: string): NormStats {
  return statsFromJson(readJsonFile(file, "normalization statistics"), file);
}

/**
 * Train (or resume, or just load) the run `cfg.name`. Resuming needs the same config and
 * the same training data; either changed is an error.
 */
export async function trainRun(cfg: TrainConfig, data: TrainData, opts: TrainOptions = {}): Promise<TrainedRun> {
  validateConfig(cfg);
  const dir = path.join(opts.runsDir ?? runsDir(), cfg.name);
  openRunFolder(dir, cfg, parseConfig);
  const statsFile = path.join(dir, "stats.json");
  if (fs.existsSync(statsFile)) {
    const saved = readStats(statsFile);
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= 1e-4 * Math.max(1, Math.abs(v)));
    if (
      saved.mode !== data.stats.mode ||
      !same(saved.mean2d, data.stats.mean2d) ||
      !same(saved.std3d, data.stats.std3d)
    ) {
      throw new Error(
        `${dir}: the training data's normalization statistics differ from the ones this run started with ` +
          `(different data folder or files?); use another run name`,
      );
    }
  } else {
    writeJsonAtomic(statsFile, statsToJson(data.stats));
  }
  const lifter = buildLifter(cfg, data.stats);
  const valGt = rootCentred(data.val.set);
  try {
    const r = await trainLoop(lifter, cfg, {
      dir,
      data: liftBatches(data.train, virtualCameraSource(cfg, data)),
      schedule: (step, t) => ({
        beta: betaAt(cfg.beta, cfg.betaSchedule, t),
        lr: learningRateAt(cfg.lr, cfg.lrDecay, cfg.lrDecaySteps, step),
      }),
      validate: () => ({ p1: mpjpe(predictMm(lifter, data.val.x, data.stats), valGt) }),
      compute: opts.compute,
      describe: `${cfg.model}, ${lifter.parameterCount().toLocaleString("en")} parameters, ${data.train.n} samples`,
      verbose: opts.verbose,
      onEpoch: opts.onEpoch,
      onStep: opts.onStep,
    });
    return {
      config: cfg,
      dir,
      lifter,
      stats: data.stats,
      history: r.history,
      loaded: r.loaded,
      epochsTrained: r.epochsTrained,
    };
  } catch (e) {
    lifter.dispose();
    throw e;
  }
}

/** Open an existing run folder: config, statistics, and the model at its last checkpoint. */
export function loadRun(dir: string): {
  config: TrainConfig;
  stats: NormStats;
  lifter: Lifter;
  history: EpochLog[];
  complete: boolean;
} {
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) throw new Error(`${dir}: not a run folder (no config.json)`);
  const config = parseConfig(readJsonFile(cfgFile, "the run config"), cfgFile);
  const stats = readStats(path.join(dir, "stats.json"));
  const lifter = buildLifter(config, stats);
  try {
    const meta = loadCheckpoint(dir, lifter);
    if (!meta) throw new Error(`${dir}: has no checkpoint yet`);
    return { config, stats, lifter, history: meta.history, complete: meta.epoch >= config.epochs };
  } catch (e) {
    lifter.dispose();
    throw e;
  }
}
