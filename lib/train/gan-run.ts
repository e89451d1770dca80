/**
 * Training runs of pose GANs (lib/models/pose-gan.ts) through the shared loop: the config
 * (GanConfig, checked by GAN_CONFIG_SCHEMA), the run folder, batches of real normalized 3D
 * poses of the training split, and after every epoch the plausibility of generated poses
 * against held-out VALIDATION poses, in mm:
 *   fid            pose FID against half of the validation poses (the FID reference set)
 *   symmetry       mean |left − right| bone length
 *   outsideAngles  share of bone directions outside the limits learned from the training split
 *   diversity      average pairwise per-joint distance of the samples
 *   criticReal / criticFake / criticGap
 *                  the critic's mean score (GAN: logit) on the other half of the validation poses
 *                  and on the samples, and their difference (the WGANs' Wasserstein estimate)
 * The same measures of the held-out real poses are the reference row. Samples of a fixed,
 * seeded z after every epoch are kept in <run>/fixed-z.json (sample grids over training).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeJsonAtomic } from "../core/io";
import { runsDir } from "../core/paths";
import { byProfile, profileName, type ProfileName } from "../core/profile";
import { deriveSeed, mulberry32, normal, permutation } from "../core/rng";
import { experimentData } from "../data/experiment";
import { denormalize3d, rootCentred, type NormStats } from "../data/preprocess";
import {
  normalizePoses3d,
  plausibilityMeasures,
  scorePoses,
  type PlausibilityMeasures,
} from "../eval/pose-plausibility";
import { ADVERSARIAL_LOSSES, type AdversarialLoss } from "../models/critic";
import {
  checkPoseGanOptions,
  CRITIC_ARCHS,
  POSE_GAN_DEFAULTS,
  PoseGan,
  type GanBatch,
  type PoseGanOptions,
} from "../models/pose-gan";
import type { BatchSource } from "../nn/trainable";
import { learnAngleLimits, type AngleLimits } from "../pose/plausibility";
import { NUM_JOINTS } from "../pose/skeleton";
import { RUN_FIELDS } from "./config";
import { trainLoop } from "./loop";
import { type EpochLog, openRunFolder, readJsonFile } from "./run-folder";
import { objectSchema, type Field } from "./schema";

export interface GanConfig extends PoseGanOptions {
  /** Run name: the run's folder is runs/<name>/. */
  name: string;
  /** Seed of weights, shuffles, z of every step, and the fixed z of the sample grids. */
  seed: number;
  /** Open mocap sets. */
  sources: ("cmu" | "bandai")[];
  /** Keep every n-th frame of the training split. */
  trainEveryNth: number;
  /** Keep every n-th frame of the validation split. */
  valEveryNth: number;
  epochs: number;
  batchSize: number;
  /** Also checkpoint every this many steps within an epoch (0 = at epoch ends only). */
  checkpointEverySteps: number;
  /** Generated poses (and at most as many held-out real ones) per validation. */
  evalSamples: number;
  /** Poses of the fixed z kept after every epoch. */
  gridSamples: number;
}

const posInt = (doc: string, max: number): Field => ({ type: "integer", doc, min: 1, max });

/** Type and range of every GanConfig field (upper bounds keep a typo from allocating gigabytes). */
export const GAN_CONFIG_SCHEMA = objectSchema<GanConfig>({
  ...RUN_FIELDS,
  trainEveryNth: posInt("keep every n-th training frame", 1000),
  valEveryNth: posInt("keep every n-th validation frame", 1000),
  loss: { type: "enum", doc: "adversarial objective", values: ADVERSARIAL_LOSSES },
  critic: { type: "enum", doc: "critic architecture", values: CRITIC_ARCHS },
  criticHidden: posInt("units per hidden layer of the critic", 4096),
  criticBlocks: { type: "integer", doc: "residual pairs of the critic", min: 0, max: 16 },
  generatorHidden: posInt("units per hidden layer of the generator", 4096),
  generatorLayers: posInt("hidden layers of the generator (odd)", 31),
  latentDim: posInt("size of z", 1024),
  nCritic: posInt("critic updates per generator update", 100),
  lr: { type: "number", doc: "learning rate of both players", min: 0, exclusiveMin: true, max: 1 },
  clip: { type: "number", doc: "WGAN weight-clipping bound c", min: 0, exclusiveMin: true, max: 10 },
  lambda: { type: "number", doc: "WGAN-GP gradient-penalty weight λ", min: 0, exclusiveMin: true, max: 1e4 },
  epochs: posInt("epochs", 100_000),
  batchSize: posInt("poses per batch", 65_536),
  checkpointEverySteps: {
    type: "integer",
    doc: "extra checkpoints every this many steps (0 = none)",
    min: 0,
    max: 1e9,
  },
  evalSamples: { type: "integer", doc: "generated poses per validation", min: 2, max: 100_000 },
  gridSamples: posInt("poses of the fixed z", 1000),
});

/** Parse a saved or typed config; errors name `where` and the field. */
export function parseGanConfig(raw: unknown, where: string): GanConfig {
  const cfg = GAN_CONFIG_SCHEMA.parse(raw, where);
  checkPoseGanOptions(cfg, where);
  return cfg;
}

/** The thesis-like run of each objective (critic and generator 1024 wide, all training frames). */
export function defaultGanConfig(loss: AdversarialLoss): GanConfig {
  return {
    name: `pose-${loss}`,
    seed: 42,
    sources: ["cmu", "bandai"],
    trainEveryNth: 1,
    valEveryNth: 1,
    ...POSE_GAN_DEFAULTS[loss],
    epochs: 20,
    batchSize: 64,
    checkpointEverySteps: 2000,
    evalSamples: 2000,
    gridSamples: 8,
  };
}

/** What the smoke profile changes: a small network on every 10th frame, a few short epochs. */
export const GAN_PROFILE_OVERRIDES: Record<ProfileName, Partial<GanConfig>> = {
  smoke: {
    trainEveryNth: 10,
    valEveryNth: 10,
    criticHidden: 128,
    criticBlocks: 1,
    generatorHidden: 128,
    generatorLayers: 3,
    epochs: 3,
    batchSize: 64,
    evalSamples: 500,
    checkpointEverySteps: 0,
  },
  full: {},
};

/**
 * The smoke profile's learning-rate factor: its runs make about 75 generator updates, too few
 * to move a generator at the papers' rates (measured: at ×1 every model's samples stay near the mean pose).
 */
export const GAN_LR_FACTOR: Record<ProfileName, number> = { smoke: 5, full: 1 };

/** The config checked and scaled for a profile (default: the active one); the run name gets the profile. */
export function ganWithProfile(cfg: GanConfig, profile: ProfileName = profileName()): GanConfig {
  parseGanConfig(cfg, "config");
  const o = byProfile(GAN_PROFILE_OVERRIDES, profile);
  const scaled = {
    ...cfg,
    ...o,
    epochs: Math.min(cfg.epochs, o.epochs ?? cfg.epochs),
    lr: cfg.lr * byProfile(GAN_LR_FACTOR, profile),
    name: `${cfg.name}-${profile}`,
  };
  return parseGanConfig(scaled, `config scaled for the ${profile} profile`);
}

/** The data of a GAN run: training poses (normalized and mm), validation poses (mm), statistics. */
export interface GanData {
  /** Normalized training poses [n, 48]. */
  train: Float32Array;
  /** The same poses, root-centred [n, 17, 3] mm (angle limits). */
  trainMm: Float32Array;
  /** Validation poses, root-centred [m, 17, 3] mm. */
  valMm: Float32Array;
  stats: NormStats;
}

/** The data a config asks for (experimentData: cached per process); `dataDir` overrides the data folder. */
export function ganData(cfg: GanConfig, dataDir?: string): GanData {
  const d = experimentData({
    sources: cfg.sources,
    inputMode: "thesis",
    trainEveryNth: cfg.trainEveryNth,
    testEveryNth: cfg.valEveryNth,
    dataDir,
  });
  return { train: d.trainN.y, trainMm: rootCentred(d.train), valMm: rootCentred(d.val), stats: d.stats };
}

/** Batches of real normalized poses. */
export function poseBatches(train: Float32Array, dim: number): BatchSource<GanBatch> {
  const n = train.length / dim;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`poseBatches: expected poses [n, ${dim}], got ${train.length} values`);
  return {
    size: n,
    batch(idx) {
      const b = new Float32Array(idx.length * dim);
      for (let k = 0; k < idx.length; k++) b.set(train.subarray(idx[k] * dim, (idx[k] + 1) * dim), k * dim);
      return { real: tf.tensor2d(b, [idx.length, dim]) };
    },
  };
}

/** Validation measures of one set of poses: plausibility plus the critic's mean scores. */
export type GanValidation = PlausibilityMeasures & { criticReal: number; criticFake: number; criticGap: number };

export interface GanTrainOptions {
  /** Folder holding run folders (default: `runsDir()`). */
  runsDir?: string;
  onEpoch?: (log: EpochLog, history: EpochLog[]) => void;
  verbose?: boolean;
  compute?: string;
}

export interface TrainedGan {
  config: GanConfig;
  dir: string;
  gan: PoseGan;
  stats: NormStats;
  history: EpochLog[];
  loaded: boolean;
  epochsTrained: number;
  /** The fixed z [gridSamples, latent] and its poses [gridSamples, 17, 3] mm after each epoch (1-based). */
  fixedZ: Float32Array;
  samplesByEpoch: Map<number, Float32Array>;
  /** The measures of held-out real validation poses (criticFake = criticReal: no samples). */
  reference: PlausibilityMeasures;
  /** Held-out real validation poses [n, 17, 3] mm scored in validation, and the FID reference set. */
  heldOut: Float32Array;
  fidReference: Float32Array;
  limits: AngleLimits;
}

/** Seeded N(0, I) values. */
function normals(n: number, seed: number): Float32Array {
  const r = mulberry32(seed),
    out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = normal(r);
  return out;
}

function pickPoses(mm: Float32Array, idx: ArrayLike<number>): Float32Array {
  const P = NUM_JOINTS * 3,
    out = new Float32Array(idx.length * P);
  for (let k = 0; k < idx.length; k++) out.set(mm.subarray(idx[k] * P, (idx[k] + 1) * P), k * P);
  return out;
}

/** Poses [n, 17, 3] mm of z [n·latent] from the generator. */
export function generateMm(gan: PoseGan, z: Float32Array, stats: NormStats): Float32Array {
  return denormalize3d(gan.generateArray(z, z.length / gan.opts.latentDim), stats);
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

/**
 * Train (or resume, or just load) the run `cfg.name`. The validation split is cut in two
 * seeded halves: held-out poses scored like the samples, and the FID reference set.
 */
export async function trainGan(cfg: GanConfig, data: GanData, opts: GanTrainOptions = {}): Promise<TrainedGan> {
  parseGanConfig(cfg, "config");
  const dir = path.join(opts.runsDir ?? runsDir(), cfg.name);
  openRunFolder(dir, cfg, parseGanConfig);
  const D = data.stats.joints3d.length * 3,
    P = NUM_JOINTS * 3;
  const nVal = data.valMm.length / P;
  if (nVal < 4)
    throw new Error(`${cfg.name}: the validation split holds ${nVal} poses; need at least 4 (lower valEveryNth)`);
  const statsFile = path.join(dir, "stats.json");
  const statsKey = {
    mean3d: Array.from(data.stats.mean3d, (v) => Math.round(v * 1e3) / 1e3),
    std3d: Array.from(data.stats.std3d, (v) => Math.round(v * 1e3) / 1e3),
  };
  if (fs.existsSync(statsFile)) {
    const saved = readJsonFile(statsFile, "normalization statistics") as typeof statsKey;
    if (JSON.stringify(saved) !== JSON.stringify(statsKey)) {
      throw new Error(
        `${dir}: the training data's normalization statistics differ from the ones this run started with; use another run name`,
      );
    }
  } else writeJsonAtomic(statsFile, statsKey);

  // Held-out halves of the validation split, and the evaluation / grid latents (all seeded).
  const perm = permutation(nVal, mulberry32(deriveSeed(cfg.seed, 500)));
  const nEval = Math.min(cfg.evalSamples, Math.floor(nVal / 2));
  const heldOut = pickPoses(data.valMm, perm.subarray(0, nEval));
  const fidReference = pickPoses(data.valMm, perm.subarray(nEval));
  const heldOutN = normalizePoses3d(heldOut, data.stats);
  const limits = learnAngleLimits(data.trainMm);
  const reference = plausibilityMeasures(heldOut, fidReference, limits, { seed: cfg.seed });
  const gan = new PoseGan(cfg, data.stats, cfg.seed);
  const evalZ = normals(nEval * cfg.latentDim, deriveSeed(cfg.seed, 501));
  const fixedZ = normals(cfg.gridSamples * cfg.latentDim, deriveSeed(cfg.seed, 502));
  const gridFile = path.join(dir, "fixed-z.json");
  const samplesByEpoch = new Map<number, Float32Array>();
  if (fs.existsSync(gridFile)) {
    const saved = readJsonFile(gridFile, "fixed-z samples") as { epochs?: Record<string, number[]> };
    for (const [e, v] of Object.entries(saved.epochs ?? {})) {
      if (!Array.isArray(v) || v.length !== cfg.gridSamples * P)
        throw new Error(`${gridFile}: epoch ${e} must hold ${cfg.gridSamples * P} values`);
      samplesByEpoch.set(Number(e), Float32Array.from(v));
    }
  }
  const validate = (): GanValidation => {
    const y = gan.generateArray(evalZ, nEval);
    const row = plausibilityMeasures(denormalize3d(y, data.stats), fidReference, limits, { seed: cfg.seed });
    const criticReal = mean(scorePoses(gan.critic, heldOutN)),
      criticFake = mean(scorePoses(gan.critic, y));
    return { ...row, criticReal, criticFake, criticGap: criticReal - criticFake };
  };
  try {
    const r = await trainLoop(gan, cfg, {
      dir,
      data: poseBatches(data.train, D),
      schedule: () => ({ lr: cfg.lr }),
      validate: () => ({ ...validate() }),
      compute: opts.compute,
      describe:
        `${cfg.loss} with a ${cfg.critic} critic, ${gan.parameterCount().toLocaleString("en")} parameters, ` +
        `${data.train.length / D} poses`,
      verbose: opts.verbose,
      onEpoch: (log, history) => {
        // Kept to 0.001 mm, in memory as on disk, so a resumed run holds the same numbers.
        samplesByEpoch.set(
          log.epoch,
          generateMm(gan, fixedZ, data.stats).map((v) => Math.round(v * 1000) / 1000),
        );
        const epochs = Object.fromEntries([...samplesByEpoch].map(([e, s]) => [String(e), Array.from(s)]));
        writeJsonAtomic(gridFile, { latentDim: cfg.latentDim, gridSamples: cfg.gridSamples, epochs });
        opts.onEpoch?.(log, history);
      },
    });
    return {
      config: cfg,
      dir,
      gan,
      stats: data.stats,
      history: r.history,
      loaded: r.loaded,
      epochsTrained: r.epochsTrained,
      fixedZ,
      samplesByEpoch,
      reference,
      heldOut,
      fidReference,
      limits,
    };
  } catch (e) {
    gan.dispose();
    throw e;
  }
}
