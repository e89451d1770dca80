/**
 * Training runs of the crossmodal VAE (lib/models/crossmodal.ts): its config (checked by
 * CROSSMODAL_SCHEMA), a BatchSource that renders the images of each batch on the fly (never the whole
 * set: memory stays one batch of images) next to the normalized 2D inputs and 3D targets of the same
 * samples, and the run through the shared loop (run folder, metrics.jsonl, checkpoints, resume),
 * validated after each epoch on the VALIDATION split: image→3D and 2D→3D P1 (mm).
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { byProfile, type ProfileName, profileName } from "../core/profile";
import { mulberry32, sampleIndices } from "../core/rng";
import { runsDir } from "../core/paths";
import type { PoseSet } from "../data/dataset";
import { type ExperimentData, experimentData, selectSamples } from "../data/experiment";
import { INPUT_MODES, type InputMode, type Normalized, normalize, rootCentred } from "../data/preprocess";
import { renderBatch } from "../data/render";
import { crossmodalPredictMm } from "../eval/crossmodal";
import {
  type CrossmodalBatch,
  CrossmodalVae,
  PAIRS,
  type PairName,
  type PairSchedule,
  pairParts,
} from "../models/crossmodal";
import type { BatchSource } from "../nn/trainable";
import { mpjpe } from "../pose/metrics";
import { trainLoop } from "./loop";
import { type EpochLog, openRunFolder } from "./run-folder";
import { objectSchema, type Field } from "./schema";
import { RUN_FIELDS } from "./config";

export interface CrossmodalConfig {
  /** Run name: the run's folder is runs/<name>/. */
  name: string;
  /** Seed of weights, shuffles, latent samples and rendering. */
  seed: number;
  sources: ("cmu" | "bandai")[];
  inputMode: InputMode;
  /** Keep every n-th training frame. */
  trainEveryNth: number;
  /** Keep every n-th validation / test frame. */
  testEveryNth: number;
  /** Rendered image side, px (multiple of 16). */
  imageSize: number;
  latentDim: number;
  /** Units and layers of the pose MLPs. */
  hidden: number;
  layers: number;
  /** Image encoder widths [c0, c1, c2]. */
  encoderChannels: number[];
  /** Image decoder widths [C1, C2, C3, C4]. */
  decoderChannels: number[];
  /** Encoder→decoder pairs trained, in schedule order. */
  pairs: PairName[];
  /** "alternate": pairs take consecutive batches in a cycle; "epoch": one pair per epoch in turn. */
  schedule: PairSchedule;
  /** KL weight; the KL is divided by the decoder's element count (48 or s·s·3). */
  beta: number;
  epochs: number;
  batchSize: number;
  /** Adam learning rate (every pair). */
  lr: number;
  /** Validation samples (seeded subset of the validation split) scored after each epoch. */
  valSamples: number;
  checkpointEverySteps: number;
}

/** Spurr et al.'s pairs as the thesis author's code trains them, 64 px images, 5 × 512 pose MLPs. */
export const DEFAULT_CROSSMODAL_CONFIG: CrossmodalConfig = {
  name: "crossmodal",
  seed: 42,
  sources: ["cmu", "bandai"],
  inputMode: "thesis",
  trainEveryNth: 20,
  testEveryNth: 20,
  imageSize: 64,
  latentDim: 64,
  hidden: 512,
  layers: 5,
  encoderChannels: [16, 32, 64],
  decoderChannels: [64, 32, 16, 16],
  pairs: ["2d-3d", "img-3d", "img-img", "2d-img"],
  schedule: "alternate",
  beta: 0.001,
  epochs: 10,
  batchSize: 64,
  lr: 1e-3,
  valSamples: 1024,
  checkpointEverySteps: 200,
};

const posInt = (doc: string, max: number): Field => ({ type: "integer", doc, min: 1, max });

export const CROSSMODAL_SCHEMA = objectSchema<CrossmodalConfig>({
  ...RUN_FIELDS,
  inputMode: { type: "enum", doc: "2D input preprocessing", values: INPUT_MODES },
  trainEveryNth: posInt("keep every n-th training frame", 1_000_000),
  testEveryNth: posInt("keep every n-th validation/test frame", 1_000_000),
  imageSize: { type: "integer", doc: "image side (multiple of 16)", min: 16, max: 256 },
  latentDim: posInt("latent size", 4096),
  hidden: posInt("units of the pose MLPs", 8192),
  layers: posInt("layers of the pose MLPs", 64),
  encoderChannels: { type: "array", doc: "image encoder widths", items: posInt("channels", 1024), minItems: 3 },
  decoderChannels: { type: "array", doc: "image decoder widths", items: posInt("channels", 1024), minItems: 4 },
  pairs: {
    type: "array",
    doc: "encoder→decoder pairs",
    items: { type: "enum", doc: "a pair", values: PAIRS },
    minItems: 1,
    unique: true,
  },
  schedule: { type: "enum", doc: "pair schedule", values: ["alternate", "epoch"] },
  beta: { type: "number", doc: "KL weight", min: 0 },
  epochs: posInt("epochs", 100_000),
  batchSize: posInt("samples per step", 4096),
  lr: { type: "number", doc: "Adam learning rate", min: 0, exclusiveMin: true, max: 1 },
  valSamples: posInt("validation samples per epoch", 1_000_000),
  checkpointEverySteps: {
    type: "integer",
    doc: "also checkpoint every this many steps (0 = epoch ends)",
    min: 0,
    max: 1e9,
  },
});

/** Check a config; also the shapes the schema cannot express (channel counts, image size). */
export function validateCrossmodalConfig(cfg: CrossmodalConfig, where = "crossmodal config"): CrossmodalConfig {
  CROSSMODAL_SCHEMA.parse(cfg, where);
  if (cfg.imageSize % 16 !== 0) throw new Error(`${where}: imageSize must be a multiple of 16, got ${cfg.imageSize}`);
  if (cfg.encoderChannels.length !== 3)
    throw new Error(`${where}: encoderChannels must list 3 widths, got ${cfg.encoderChannels.length}`);
  if (cfg.decoderChannels.length !== 4)
    throw new Error(`${where}: decoderChannels must list 4 widths, got ${cfg.decoderChannels.length}`);
  return cfg;
}

export function parseCrossmodalConfig(raw: unknown, where: string): CrossmodalConfig {
  return validateCrossmodalConfig(CROSSMODAL_SCHEMA.parse(raw, where), where);
}

/** Smoke: 32 px, narrow networks, a small subset, 1 epoch; full: the defaults. */
export const CROSSMODAL_PROFILE: Record<ProfileName, Partial<CrossmodalConfig>> = {
  smoke: {
    imageSize: 32,
    trainEveryNth: 400,
    testEveryNth: 200,
    hidden: 128,
    layers: 3,
    latentDim: 32,
    epochs: 1,
    batchSize: 32,
    valSamples: 128,
    encoderChannels: [8, 16, 32],
    decoderChannels: [32, 16, 8, 8],
    checkpointEverySteps: 0,
  },
  full: {},
};

/** The config scaled for a profile (default: the active one); the run name gets the profile. */
export function crossmodalWithProfile(cfg: CrossmodalConfig, profile: ProfileName = profileName()): CrossmodalConfig {
  validateCrossmodalConfig(cfg);
  const o = byProfile(CROSSMODAL_PROFILE, profile);
  return validateCrossmodalConfig({
    ...cfg,
    ...o,
    epochs: Math.min(cfg.epochs, o.epochs ?? cfg.epochs),
    name: `${cfg.name}-${profile}`,
  });
}

/** The experiment data of a config (cached per process). */
export function crossmodalData(cfg: CrossmodalConfig, dataDir?: string): ExperimentData {
  return experimentData({
    sources: cfg.sources,
    inputMode: cfg.inputMode,
    trainEveryNth: cfg.trainEveryNth,
    testEveryNth: cfg.testEveryNth,
    dataDir,
  });
}

/**
 * Batches of a set: normalized 2D inputs x2d [B, D2], 3D targets y3d [B, D3], and images [B, s, s, 3]
 * rendered now from the same samples' 3D poses and cameras (the batch seed varies their look).
 */
export function crossmodalBatches(set: PoseSet, norm: Normalized, imageSize: number): BatchSource<CrossmodalBatch> {
  if (set.n !== norm.n)
    throw new Error(`crossmodalBatches: the set has ${set.n} samples but its normalized arrays ${norm.n}`);
  return {
    size: set.n,
    batch(idx, seed) {
      const b = idx.length;
      const x = new Float32Array(b * norm.dimIn),
        y = new Float32Array(b * norm.dimOut);
      for (let k = 0; k < b; k++) {
        x.set(norm.x.subarray(idx[k] * norm.dimIn, (idx[k] + 1) * norm.dimIn), k * norm.dimIn);
        y.set(norm.y.subarray(idx[k] * norm.dimOut, (idx[k] + 1) * norm.dimOut), k * norm.dimOut);
      }
      const { images } = renderBatch(set, idx, { size: imageSize }, seed);
      return {
        x2d: tf.tensor2d(x, [b, norm.dimIn]),
        y3d: tf.tensor2d(y, [b, norm.dimOut]),
        img: tf.tensor4d(images, [b, imageSize, imageSize, 3]),
      };
    },
  };
}

/** The model a config describes, sized for the data. */
export function buildCrossmodal(cfg: CrossmodalConfig, data: ExperimentData): CrossmodalVae {
  const { imageSize, latentDim, hidden, layers, encoderChannels, decoderChannels, pairs, schedule, beta, lr } = cfg;
  return new CrossmodalVae(
    {
      imageSize,
      latentDim,
      hidden,
      layers,
      encoderChannels,
      decoderChannels,
      pairs,
      schedule,
      beta,
      lr,
      dim2d: data.trainN.dimIn,
      dim3d: data.trainN.dimOut,
    },
    cfg.seed,
  );
}

export interface CrossmodalRun {
  config: CrossmodalConfig;
  dir: string;
  model: CrossmodalVae;
  data: ExperimentData;
  history: EpochLog[];
  loaded: boolean;
}

/** Train (or resume, or reload) the run `cfg.name`. */
export async function trainCrossmodal(
  cfg: CrossmodalConfig,
  opts: {
    runsDir?: string;
    dataDir?: string;
    verbose?: boolean;
    onEpoch?: (log: EpochLog, history: EpochLog[]) => void;
  } = {},
): Promise<CrossmodalRun> {
  validateCrossmodalConfig(cfg);
  const dir = path.join(opts.runsDir ?? runsDir(), cfg.name);
  openRunFolder(dir, cfg, parseCrossmodalConfig);
  const data = crossmodalData(cfg, opts.dataDir);
  const model = buildCrossmodal(cfg, data);
  const valIdx = sampleIndices(data.val.n, Math.min(cfg.valSamples, data.val.n), mulberry32(cfg.seed));
  const valSet = selectSamples(data.val, valIdx);
  const val = { set: valSet, norm: normalize(valSet, data.stats), renderSeed: cfg.seed + 1 };
  const valGt = rootCentred(valSet);
  const encoders = [...new Set(cfg.pairs.filter((p) => pairParts(p).dec === "3d").map((p) => pairParts(p).enc))];
  try {
    const r = await trainLoop(model, cfg, {
      dir,
      data: crossmodalBatches(data.train, data.trainN, cfg.imageSize),
      schedule: () => ({ lr: cfg.lr }),
      validate: () =>
        Object.fromEntries(
          encoders.map((e) => [`p1_${e}`, mpjpe(crossmodalPredictMm(model, e, val, data.stats), valGt)]),
        ),
      describe:
        `crossmodal ${cfg.pairs.join(", ")} (${cfg.schedule}), ${model.parameterCount().toLocaleString("en")} parameters, ` +
        `${data.train.n} samples, ${cfg.imageSize} px`,
      verbose: opts.verbose,
      onEpoch: opts.onEpoch,
    });
    return { config: cfg, dir, model, data, history: r.history, loaded: r.loaded };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
