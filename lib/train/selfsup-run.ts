/**
 * Training runs of the 2D-only lifter (lib/models/selfsup.ts): its config (validated with the
 * schema of schema.ts), batches of raw 2D poses, and the run through the shared loop, in a run
 * folder that resumes like the supervised ones.
 *
 * No 3D labels: the training data is `Poses2d`, a pose set's `n` and `poses2d` only; nothing here
 * reads `poses3d` of the training split (tests/selfsup.test.ts trains on a set whose 3D accessor
 * throws). The optional `monitor` set (the validation split) gives P2 / N-MPJPE curves for the
 * reader; training never sees them and no choice is made on them.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { runsDir } from "../core/paths";
import type { PoseSet } from "../data/dataset";
import { rootCentred } from "../data/preprocess";
import { mapBatches, predictMm } from "../eval/infer";
import { asLifter, type Pose2dBatch, SELFSUP_STATS, SelfSupLifter, type SelfSupOptions } from "../models/selfsup";
import type { BatchSource } from "../nn/trainable";
import { nMpjpe, pMpjpe } from "../pose/metrics";
import { NUM_JOINTS } from "../pose/skeleton";
import { cameraElevationDeg, h36mCameras } from "../pose/camera";
import { SPLITS } from "../data/splits";
import { byProfile, type ProfileName, profileName } from "../core/profile";
import { PROFILE_OVERRIDES, RUN_FIELDS } from "./config";
import { trainLoop } from "./loop";
import { type EpochLog, loadCheckpoint, openRunFolder, readJsonFile } from "./run-folder";
import { type Field, objectSchema } from "./schema";
import { learningRateAt } from "./schedules";

export interface SelfSupConfig extends SelfSupOptions {
  /** Run name: the run's folder is runs/<name>/. */
  name: string;
  /** Seed for weight init, shuffles, dropout and the random views. */
  seed: number;
  /** Open mocap sets (the same data as the supervised lifters; only its 2D is used for training). */
  sources: ("cmu" | "bandai")[];
  /** Kept so experimentData gives the same splits as the supervised runs; the 2D input here is always raw. */
  inputMode: "thesis";
  trainEveryNth: number;
  testEveryNth: number;
  epochs: number;
  batchSize: number;
  /** Adam learning rate of the lifter … */
  lr: number;
  /** … decayed by this factor … */
  lrDecay: number;
  /** … every this many steps (0 = none). */
  lrDecaySteps: number;
  checkpointEverySteps: number;
}

const posInt = (doc: string, max: number): Field => ({ type: "integer", doc, min: 1, max });
const weight = (doc: string): Field => ({ type: "number", doc, min: 0, max: 1e6 });
const flag = (doc: string): Field => ({ type: "boolean", doc });

export const SELFSUP_SCHEMA = objectSchema<SelfSupConfig>({
  ...RUN_FIELDS,
  inputMode: { type: "enum", doc: "data split settings (2D input is always raw pixels here)", values: ["thesis"] },
  trainEveryNth: posInt("keep every n-th training frame", 1_000_000),
  testEveryNth: posInt("keep every n-th test frame", 1_000_000),
  hidden: posInt("units per hidden layer of the lifter", 8192),
  layers: posInt("Linear+ReLU layers of the lifter (odd when residual)", 64),
  residual: flag("residual blocks in the lifter"),
  batchNorm: flag("batch normalization in the lifter"),
  dropout: { type: "number", doc: "dropout rate of the lifter", min: 0, max: 1, exclusiveMax: true },
  rootDepth: { type: "number", doc: "root depth c in units of the 2D scale", min: 1, max: 1000 },
  elevationDeg: {
    type: "number",
    doc: "camera elevation e (degrees, > 0 looking down): initial value when learned",
    min: -45,
    max: 45,
  },
  learnElevation: flag("learn the camera elevation from the 2D-only losses"),
  maxAzimuthDeg: { type: "number", doc: "random azimuth range ± (degrees)", min: 0, max: 180 },
  maxElevationDeg: { type: "number", doc: "random elevation range ± (degrees)", min: 0, max: 90 },
  criticHidden: posInt("units per hidden layer of the 2D critic", 8192),
  criticBlocks: { type: "integer", doc: "residual pairs of the 2D critic", min: 0, max: 32 },
  nCritic: posInt("critic steps per lifter step", 100),
  lambda: weight("WGAN-GP gradient-penalty weight λ"),
  criticLr: { type: "number", doc: "Adam learning rate of the critic", min: 0, exclusiveMin: true, max: 1 },
  reprojection: flag("use the reprojection loss"),
  cycle: flag("use the rotation cycle (3D and 2D)"),
  critic: flag("use the 2D critic on random new views"),
  priors: flag("use the bone-length priors (symmetry, ratios)"),
  wReprojection: weight("weight of the reprojection loss"),
  wCycle3d: weight("weight of the 3D cycle loss"),
  wCycle2d: weight("weight of the 2D cycle loss"),
  wAdversarial: weight("weight of the adversarial loss"),
  wSymmetry: weight("weight of the left/right symmetry prior"),
  wRatio: weight("weight of the bone-ratio prior"),
  epochs: posInt("training epochs", 100_000),
  batchSize: posInt("samples per step", 65_536),
  lr: { type: "number", doc: "Adam learning rate of the lifter", min: 0, exclusiveMin: true, max: 1 },
  lrDecay: { type: "number", doc: "learning-rate decay factor", min: 0, exclusiveMin: true, max: 1 },
  lrDecaySteps: { type: "integer", doc: "steps per decay (0 = none)", min: 0, max: 1e9 },
  checkpointEverySteps: {
    type: "integer",
    doc: "also checkpoint every this many steps (0 = epoch ends)",
    min: 0,
    max: 1e9,
  },
});

/**
 * The training cameras' mean elevation (12.6°, from their calibration: lib/pose/camera.ts). Rotating
 * about the camera's own y axis instead (elevation 0) leaves the lifted poses untilted: 65% of test
 * frames then come out mirrored in depth, against 10–15% with it (notebook 07).
 */
export const TRAIN_CAMERA_ELEVATION_DEG =
  Math.round(10 * cameraElevationDeg(SPLITS.virtualCameras.train.flatMap((s) => h36mCameras(s)))) / 10;

/** Full-profile defaults. */
export const DEFAULT_SELFSUP_CONFIG: SelfSupConfig = {
  name: "selfsup",
  seed: 1,
  sources: ["cmu", "bandai"],
  inputMode: "thesis",
  trainEveryNth: 1,
  testEveryNth: 1,
  hidden: 1024,
  layers: 5,
  residual: true,
  batchNorm: false,
  dropout: 0,
  rootDepth: 10,
  elevationDeg: TRAIN_CAMERA_ELEVATION_DEG,
  learnElevation: false,
  maxAzimuthDeg: 180,
  maxElevationDeg: 15,
  criticHidden: 512,
  criticBlocks: 1,
  nCritic: 2,
  lambda: 10,
  criticLr: 1e-4,
  reprojection: true,
  cycle: true,
  critic: true,
  priors: true,
  wReprojection: 1,
  wCycle3d: 1,
  wCycle2d: 1,
  wAdversarial: 0.05,
  wSymmetry: 1,
  wRatio: 1,
  epochs: 20,
  batchSize: 256,
  lr: 2e-4,
  lrDecay: 0.96,
  lrDecaySteps: 10_000,
  checkpointEverySteps: 0,
};

/** The ablation: the full model and one switch off at a time. */
export const SELFSUP_ABLATION: readonly { label: string; off?: "critic" | "cycle" | "reprojection" | "priors" }[] = [
  { label: "full" },
  { label: "without critic", off: "critic" },
  { label: "without rotation cycle", off: "cycle" },
  { label: "without reprojection", off: "reprojection" },
  { label: "without priors", off: "priors" },
];

/** Check a complete config; returns it unchanged. @throws SchemaError naming the field. */
export function validateSelfSupConfig(cfg: SelfSupConfig, where = "self-supervised config"): SelfSupConfig {
  SELFSUP_SCHEMA.parse(cfg, where);
  if (cfg.residual && (cfg.layers - 1) % 2 !== 0)
    throw new Error(`${where}: layers must be odd with residual blocks, got ${cfg.layers}`);
  return cfg;
}

/**
 * The config checked and scaled for a profile (default: the active one), as withProfile does for the
 * supervised lifters: smoke keeps at most 2 epochs on every 10th frame; the run name gets the profile.
 */
export function selfSupWithProfile(cfg: SelfSupConfig, profile: ProfileName = profileName()): SelfSupConfig {
  validateSelfSupConfig(cfg);
  const { epochs, trainEveryNth, testEveryNth } = byProfile(PROFILE_OVERRIDES, profile);
  const o = {
    trainEveryNth: trainEveryNth ?? cfg.trainEveryNth,
    testEveryNth: testEveryNth ?? cfg.testEveryNth,
    epochs,
  };
  const scaled = { ...cfg, ...o, epochs: Math.min(cfg.epochs, o.epochs ?? cfg.epochs), name: `${cfg.name}-${profile}` };
  return validateSelfSupConfig(scaled, `self-supervised config scaled for the ${profile} profile`);
}

/**
 * A config from JSON (a run folder's config.json). Runs written before the camera elevation existed
 * turned poses about the camera's own axis: they read as elevationDeg 0, not learned.
 */
export function parseSelfSupConfig(raw: unknown, where: string): SelfSupConfig {
  const before =
    typeof raw === "object" && raw !== null && !("elevationDeg" in raw) && !("learnElevation" in raw)
      ? { ...raw, elevationDeg: 0, learnElevation: false }
      : raw;
  return validateSelfSupConfig(SELFSUP_SCHEMA.parse(before, where), where);
}

/** What training may see of a pose set: the count and the 2D pixels [n, 17, 2]. */
export type Poses2d = Pick<PoseSet, "n" | "poses2d">;

/** Batches of raw 2D pixels [B, 34]; reads `poses2d` only. */
export function poses2dBatches(set: Poses2d): BatchSource<Pose2dBatch> {
  const D = NUM_JOINTS * 2,
    p2 = set.poses2d,
    n = set.n;
  if (p2.length !== n * D)
    throw new Error(`poses2dBatches: poses2d has ${p2.length} values, expected n × ${D} = ${n * D}`);
  let xb = new Float32Array(0);
  return {
    size: n,
    batch(idx) {
      if (xb.length !== idx.length * D) xb = new Float32Array(idx.length * D);
      for (let k = 0; k < idx.length; k++) xb.set(p2.subarray(idx[k] * D, (idx[k] + 1) * D), k * D);
      return { x: tf.tensor2d(xb, [idx.length, D]) };
    },
  };
}

export function buildSelfSup(cfg: SelfSupConfig): SelfSupLifter {
  return new SelfSupLifter(cfg, cfg.seed);
}

/** Predictions [n, 17, 3] (root = 0) in pose units for a pose set (reads its 2D only). */
export function predictSelfSup(model: SelfSupLifter, set: Poses2d): Float32Array {
  const x = {
    n: set.n,
    x: set.poses2d,
    y: new Float32Array(0),
    mask: new Uint8Array(0),
    dimIn: NUM_JOINTS * 2,
    dimOut: model.outputDim,
  };
  return predictMm(asLifter(model), x, SELFSUP_STATS);
}

export interface SelfSupData {
  /** The training split's 2D. */
  train: Poses2d;
  /** Optional: a labelled set for P2 / N-MPJPE curves only (never used by training). */
  monitor?: PoseSet;
}

export interface SelfSupRun {
  config: SelfSupConfig;
  dir: string;
  model: SelfSupLifter;
  history: EpochLog[];
  loaded: boolean;
}

/** 2D-only validation terms on raw pixels (mean over batches): reprojection, cycle3d, wasserstein. */
function diagnostics(model: SelfSupLifter, set: Poses2d, seed: number): Record<string, number> {
  const n = Math.min(set.n, 4096);
  const x = {
    n,
    x: set.poses2d.subarray(0, n * NUM_JOINTS * 2),
    y: new Float32Array(0),
    mask: new Uint8Array(0),
    dimIn: NUM_JOINTS * 2,
    dimOut: 0,
  };
  const keys = model.critic ? ["reprojection", "cycle3d", "wasserstein"] : ["reprojection", "cycle3d"];
  const outs = mapBatches(
    x,
    keys.map(() => 1),
    (xb) => {
      const d = model.diagnostics(xb, seed) as Record<string, tf.Scalar>;
      return keys.map((k) => tf.mul(d[k], tf.ones([xb.shape[0]])));
    },
    1024,
  );
  return Object.fromEntries(keys.map((k, i) => [`val2d.${k}`, outs[i].reduce((s, v) => s + v, 0) / n]));
}

/**
 * Train (or resume, or just load) the run `cfg.name` on 2D poses only.
 * @param data.train what training may see: `n` and `poses2d`.
 */
export async function trainSelfSup(
  cfg: SelfSupConfig,
  data: SelfSupData,
  opts: { runsDir?: string; verbose?: boolean; onEpoch?: (log: EpochLog, history: EpochLog[]) => void } = {},
): Promise<SelfSupRun> {
  validateSelfSupConfig(cfg);
  const dir = path.join(opts.runsDir ?? runsDir(), cfg.name);
  openRunFolder(dir, cfg, parseSelfSupConfig);
  const model = buildSelfSup(cfg);
  const monitor = data.monitor;
  const monitorGt = monitor ? rootCentred(monitor) : undefined;
  const valSeed = cfg.seed + 99;
  try {
    const r = await trainLoop(model, cfg, {
      dir,
      data: poses2dBatches(data.train),
      schedule: (step) => ({ lr: learningRateAt(cfg.lr, cfg.lrDecay, cfg.lrDecaySteps, step) }),
      validate: () => {
        const v = diagnostics(model, monitor ?? data.train, valSeed);
        if (monitor && monitorGt) {
          const pred = predictSelfSup(model, monitor);
          v.p2 = pMpjpe(pred, monitorGt);
          v.nMpjpe = nMpjpe(pred, monitorGt);
        }
        return v;
      },
      describe: `2D-only lifter, ${model.parameterCount().toLocaleString("en")} parameters, ${data.train.n} 2D poses`,
      verbose: opts.verbose,
      onEpoch: opts.onEpoch,
    });
    return { config: cfg, dir, model, history: r.history, loaded: r.loaded };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Open an existing run folder at its last checkpoint. */
export function loadSelfSup(dir: string): SelfSupRun {
  const cfgFile = path.join(dir, "config.json");
  const config = parseSelfSupConfig(readJsonFile(cfgFile, "the run config"), cfgFile);
  const model = buildSelfSup(config);
  const meta = loadCheckpoint(dir, model);
  if (!meta) {
    model.dispose();
    throw new Error(`${dir}: has no checkpoint yet`);
  }
  return { config, dir, model, history: meta.history, loaded: true };
}
