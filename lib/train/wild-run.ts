/**
 * Training runs of the in-the-wild lifter: the thesis β-VAE (or any lifter kind) on COCO-17 keypoints
 * (lib/data/coco-input.ts) with a visibility mask in the input, trained with random joint dropout and
 * detector-like 2D noise drawn per batch from the loop's per-batch seed (so a resumed run sees the same
 * batches). Validation P1 is on clean val keypoints. Same run folder and loop as lifter-run.ts; its own
 * config type (`WildLiftConfig` = a TrainConfig plus the corruption and threshold fields).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeJsonAtomic } from "../core/io";
import { runsDir } from "../core/paths";
import { byProfile, profileName, type ProfileName } from "../core/profile";
import { mulberry32 } from "../core/rng";
import {
  COCO_INPUT_DIM,
  type CocoKeypoints,
  cocoFeatures,
  cocoKeypointsFromPoseSet,
  cocoTargets,
  corruptKeypoints,
  DEFAULT_CONF_THRESHOLD,
  normalizeCoco,
} from "../data/coco-input";
import type { PoseSet } from "../data/dataset";
import { experimentData } from "../data/experiment";
import { computeStats, type NormStats, rootCentred, statsFromJson, statsToJson } from "../data/preprocess";
import { predictMm } from "../eval/infer";
import type { LiftBatch, Lifter } from "../models/lifter";
import { createLifter } from "../models/registry";
import type { BatchSource } from "../nn/trainable";
import { mpjpe } from "../pose/metrics";
import { CONFIG_SCHEMA, DEFAULT_VAE_CONFIG, PROFILE_OVERRIDES, type TrainConfig } from "./config";
import { cvaeOptions } from "./lifter-run";
import { trainLoop } from "./loop";
import { type EpochLog, loadCheckpoint, openRunFolder, readJsonFile } from "./run-folder";
import { betaAt, learningRateAt } from "./schedules";
import { objectSchema } from "./schema";

export interface WildLiftConfig extends TrainConfig {
  /** Probability that a training sample loses some keypoints (joint dropout). */
  jointDropout: number;
  /** A sample that loses keypoints loses 1..maxDropped of its 13 body keypoints. */
  maxDropped: number;
  /** Gaussian 2D noise on training keypoints, pixels of the 1000-px H36M camera image (σ). */
  noisePx: number;
  /** Detector confidence below which a keypoint counts as missing at inference. */
  confThreshold: number;
}

/**
 * The in-the-wild β-VAE: the thesis architecture on COCO input, dropout of up to 4 keypoints in half the
 * samples, 4 px noise, threshold 0.45. `inputMode` is ignored for the 2D input (always COCO); 3D is "thesis".
 */
export const DEFAULT_WILD_CONFIG: WildLiftConfig = {
  ...DEFAULT_VAE_CONFIG,
  name: "wild-vae",
  jointDropout: 0.5,
  maxDropped: 4,
  noisePx: 4,
  confThreshold: DEFAULT_CONF_THRESHOLD,
};

export const WILD_CONFIG_SCHEMA = objectSchema<WildLiftConfig>({
  ...CONFIG_SCHEMA.fields,
  jointDropout: { type: "number", doc: "probability that a training sample loses keypoints", min: 0, max: 1 },
  maxDropped: { type: "integer", doc: "most body keypoints a sample loses", min: 0, max: 11 },
  noisePx: { type: "number", doc: "σ of training 2D noise, pixels", min: 0, max: 100 },
  confThreshold: { type: "number", doc: "confidence below which a keypoint is missing", min: 0, max: 1 },
});

export function parseWildConfig(raw: unknown, where: string, defaults?: WildLiftConfig): WildLiftConfig {
  return WILD_CONFIG_SCHEMA.parse(raw, where, defaults);
}

/**
 * What smoke changes beyond PROFILE_OVERRIDES: a narrower, shallower network (256 units, 3 layers) taking more,
 * smaller steps (batch 64, lr 0.002), so that notebook 06 trains in seconds and still learns (val P1 ≈ 110 mm;
 * 2 epochs of 31 full-size batches leave a mean pose).
 */
export const WILD_SMOKE: Partial<WildLiftConfig> = { hidden: 256, layers: 3, batchSize: 64, lr: 2e-3 };

/** The config checked and scaled for a profile (default: the active one), as `withProfile`, plus WILD_SMOKE. */
export function wildWithProfile(cfg: WildLiftConfig, profile: ProfileName = profileName()): WildLiftConfig {
  WILD_CONFIG_SCHEMA.parse(cfg, "config");
  const o = byProfile(PROFILE_OVERRIDES, profile);
  const extra = profile === "smoke" ? WILD_SMOKE : {};
  const scaled = {
    ...cfg,
    ...o,
    ...extra,
    epochs: Math.min(cfg.epochs, o.epochs ?? cfg.epochs),
    name: `${cfg.name}-${profile}`,
  };
  return WILD_CONFIG_SCHEMA.parse(scaled, `config scaled for the ${profile} profile`);
}

/** Training data of a wild run: keypoints (pixels, before corruption), targets, and 3D statistics. */
export interface WildData {
  train: { kp: CocoKeypoints; y: Float32Array };
  val: PoseSet;
  test: PoseSet;
  /** Thesis statistics of the training split; only the 3D fields are used. */
  stats: NormStats;
}

/** The shared mocap (of `dataDir`, default `dataDir()`) for a wild config: train/val/test sets, COCO keypoints of train, targets. */
export function wildData(cfg: WildLiftConfig, dataDir?: string): WildData {
  const { sources, trainEveryNth, testEveryNth } = cfg;
  const d = experimentData({ sources, inputMode: "thesis", trainEveryNth, testEveryNth, dataDir });
  const stats = computeStats(d.train, "thesis");
  return {
    train: { kp: cocoKeypointsFromPoseSet(d.train), y: cocoTargets(d.train, stats) },
    val: d.val,
    test: d.test,
    stats,
  };
}

/**
 * Batches of corrupted keypoints: each batch draws its dropout and noise from the loop's per-batch seed.
 * x [B, 51] (coco features), y [B, 48].
 */
export function wildBatches(
  train: WildData["train"],
  o: { jointDropout: number; maxDropped: number; noisePx: number },
): BatchSource<LiftBatch> {
  const dimOut = train.y.length / train.kp.n;
  return {
    size: train.kp.n,
    batch(idx, seed) {
      const kp = corruptKeypoints(
        train.kp,
        idx,
        { dropProb: o.jointDropout, maxDropped: o.maxDropped, noisePx: o.noisePx },
        mulberry32(seed),
      );
      const yb = new Float32Array(idx.length * dimOut);
      for (let k = 0; k < idx.length; k++) yb.set(train.y.subarray(idx[k] * dimOut, (idx[k] + 1) * dimOut), k * dimOut);
      return {
        x: tf.tensor2d(cocoFeatures(kp), [idx.length, COCO_INPUT_DIM]),
        y: tf.tensor2d(yb, [idx.length, dimOut]),
      };
    },
  };
}

/** The lifter a wild config describes (input: COCO features), with seeded weights. */
export function buildWildLifter(cfg: WildLiftConfig, stats: NormStats): Lifter {
  const { hidden, layers, latentDim, residual, batchNorm, dropout, maxNorm, clipNorm } = cfg;
  const dims = { inputDim: COCO_INPUT_DIM, outputDim: stats.joints3d.length * 3 };
  return createLifter(
    cfg.model,
    {
      ...dims,
      hidden,
      layers,
      latentDim,
      residual,
      batchNorm,
      dropout,
      maxNorm,
      ...(clipNorm ? { clipNorm } : {}),
      ...(cfg.model === "cvae" ? { cvae: cvaeOptions(cfg) } : {}),
    },
    cfg.seed,
  );
}

export interface WildRun {
  config: WildLiftConfig;
  dir: string;
  lifter: Lifter;
  stats: NormStats;
  history: EpochLog[];
  loaded: boolean;
}

/** Train (or resume, or load) the wild run `cfg.name` in `runsDir` (default `runsDir()`). */
export async function trainWildRun(
  cfg: WildLiftConfig,
  data: WildData = wildData(cfg),
  opts: { runsDir?: string; verbose?: boolean; onEpoch?: (log: EpochLog, history: EpochLog[]) => void } = {},
): Promise<WildRun> {
  WILD_CONFIG_SCHEMA.parse(cfg, "config");
  const dir = path.join(opts.runsDir ?? runsDir(), cfg.name);
  openRunFolder(dir, cfg, parseWildConfig);
  const statsFile = path.join(dir, "stats.json");
  if (fs.existsSync(statsFile)) {
    const saved = statsFromJson(readJsonFile(statsFile, "normalization statistics"), statsFile);
    if (saved.mean3d.some((v, i) => Math.abs(v - data.stats.mean3d[i]) > 1e-3 * Math.max(1, Math.abs(v)))) {
      throw new Error(
        `${dir}: the training data's 3D statistics differ from the ones this run started with; use another run name`,
      );
    }
  } else writeJsonAtomic(statsFile, statsToJson(data.stats));
  const lifter = buildWildLifter(cfg, data.stats);
  const valX = normalizeCoco(data.val, data.stats);
  const valGt = rootCentred(data.val);
  try {
    const r = await trainLoop(lifter, cfg, {
      dir,
      data: wildBatches(data.train, cfg),
      schedule: (step, t) => ({
        beta: betaAt(cfg.beta, cfg.betaSchedule, t),
        lr: learningRateAt(cfg.lr, cfg.lrDecay, cfg.lrDecaySteps, step),
      }),
      validate: () => ({ p1: mpjpe(predictMm(lifter, valX, data.stats), valGt) }),
      describe: `${cfg.model} on COCO keypoints, ${lifter.parameterCount().toLocaleString("en")} parameters, ${data.train.kp.n} samples`,
      verbose: opts.verbose,
      onEpoch: opts.onEpoch,
    });
    return { config: cfg, dir, lifter, stats: data.stats, history: r.history, loaded: r.loaded };
  } catch (e) {
    lifter.dispose();
    throw e;
  }
}

/** Open a wild run folder: config, statistics and the lifter at its last checkpoint. */
export function loadWildRun(dir: string): WildRun {
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) throw new Error(`${dir}: not a run folder (no config.json)`);
  const config = parseWildConfig(readJsonFile(cfgFile, "the run config"), cfgFile);
  const statsFile = path.join(dir, "stats.json");
  const stats = statsFromJson(readJsonFile(statsFile, "normalization statistics"), statsFile);
  const lifter = buildWildLifter(config, stats);
  try {
    const meta = loadCheckpoint(dir, lifter);
    if (!meta) throw new Error(`${dir}: has no checkpoint yet`);
    return { config, dir, lifter, stats, history: meta.history, loaded: true };
  } catch (e) {
    lifter.dispose();
    throw e;
  }
}
