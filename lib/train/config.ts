/**
 * Typed training configs. A notebook's first code cell writes
 *   const cfg: TrainConfig = { ...DEFAULT_VAE_CONFIG, beta: 0.01 };
 * and `withProfile(cfg)` checks it against CONFIG_SCHEMA and scales it for the active profile (smoke / full).
 * The named presets (beta-vae, ae, baseline, vae-gan, cvae) are listed in lib/train/presets.ts.
 *
 * The VAE-GAN's own fields (gamma, poseMseWeight, disc*, decoderGan) are optional: configs of the
 * other models leave them out (so their saved config.json files are as before), and only a
 * `vae-gan` config may set them. `clipNorm` is optional too (absent = 0 = off), so the presets that
 * leave it out train and save exactly as before; the vae-gan, whose adversarial steps it would not
 * reach, refuses it.
 *
 * CONFIG_SCHEMA gives every field its type and range; the same schema checks JSON config files, run
 * folders' config.json (`parseConfig`) and the CLI's `--set key=value`.
 */
import type { BetaSchedule } from "./schedules";
import {
  type CvaeOptions,
  DECODER_GAN_LOSSES,
  HYPOTHESIS_INPUTS,
  MODEL_KINDS,
  type ModelKind,
  type VaeGanOptions,
} from "../models/lifter";
import { INPUT_MODES, type InputMode } from "../data/preprocess";
import { DEFAULT_CVAE_OPTIONS } from "../models/cvae";
import { byProfile, profileName, type ProfileName } from "../core/profile";
import { objectSchema, SchemaError, type Field } from "./schema";

export interface TrainConfig extends Partial<VaeGanOptions>, Partial<CvaeOptions> {
  /** Run name: the run's folder is runs/<name>/ (a killed run resumes from there). */
  name: string;
  /**
   * `beta-vae` (thesis), `ae` (plain autoencoder, z = μ), `baseline` (Martinez et al.), `vae-gan`
   * (Larsen et al.) or `cvae` (conditional VAE: the decoder sees the 2D pose and z).
   */
  model: ModelKind;
  /** Seed for weight init, shuffles, dropout masks and latent sampling. */
  seed: number;

  // --- data ---
  /** Open mocap sets to use (their splits are in lib/splits.ts). */
  sources: ("cmu" | "bandai")[];
  /** Preprocessing: `thesis`, `martinez` or `videopose3d` (lib/preprocess.ts). */
  inputMode: InputMode;
  /** Keep every n-th frame of the training split (1 = all 50 fps frames). */
  trainEveryNth: number;
  /** Keep every n-th frame of the test split for evaluation. */
  testEveryNth: number;

  // --- architecture ---
  /** Units per hidden layer (thesis 512; Martinez 1024). */
  hidden: number;
  /** Linear+ReLU layers per network, stem included (thesis 5; Martinez 1 + 2 blocks × 2 = 5). */
  layers: number;
  /** Latent size (thesis 100); unused by the baseline. */
  latentDim: number;
  /** Residual blocks (pairs of layers with a skip connection). */
  residual: boolean;
  /** Batch normalization after each hidden Linear. */
  batchNorm: boolean;
  /** Dropout rate after each hidden layer (0 = off). */
  dropout: number;

  // --- optimization ---
  epochs: number;
  batchSize: number;
  /** Adam learning rate. */
  lr: number;
  /** Exponential decay factor of the learning rate … */
  lrDecay: number;
  /** … applied every this many steps (0 = no decay). */
  lrDecaySteps: number;
  /** Max-norm constraint on kernel columns (0 = off; Martinez uses 1). */
  maxNorm: number;
  /** KL weight β (thesis 0.001); the KL term is divided by the output size. */
  beta: number;
  /** How β evolves over training (lib/schedules.ts). */
  betaSchedule: BetaSchedule;
  /** Also checkpoint every this many steps within an epoch (0 = at epoch ends only). */
  checkpointEverySteps: number;
  /**
   * Clip the gradient by its global L2 norm to at most this before each update (absent or 0 = off);
   * the logged gradNorm is the norm before clipping. Not for vae-gan.
   */
  clipNorm?: number;
  /**
   * Share of each training batch seen through a seeded random virtual camera instead of its
   * H36M camera (lib/data/virtual-camera.ts: any azimuth, 0–30° elevation, 3.5–7 m, focal ±15 %);
   * absent or 0 = off. Inputs keep the training set's normalization statistics.
   */
  virtualCameras?: number;
  // --- vae-gan only (optional; see VaeGanOptions in lib/models/lifter.ts) ---
  // gamma, poseMseWeight, discHidden, discBlocks, discFeatureLayer, discLr, decoderGan
  // --- cvae only (optional; see CvaeOptions in lib/models/lifter.ts) ---
  // modeWeight, bestOfMany, bestOfManyWeight, hypothesisHidden, hypothesisInput
}

/** The config fields that only the vae-gan model takes. */
export const VAE_GAN_FIELDS = [
  "gamma",
  "poseMseWeight",
  "discHidden",
  "discBlocks",
  "discFeatureLayer",
  "discLr",
  "decoderGan",
] as const satisfies readonly (keyof VaeGanOptions)[];

/** The config fields that only the cvae model takes. */
export const CVAE_FIELDS = [
  "modeWeight",
  "bestOfMany",
  "bestOfManyWeight",
  "hypothesisHidden",
  "hypothesisInput",
] as const satisfies readonly (keyof CvaeOptions)[];

/** The thesis β-VAE: 5 × 512 encoder and decoder, latent 100, β = 0.001. */
export const DEFAULT_VAE_CONFIG: TrainConfig = {
  name: "beta-vae",
  model: "beta-vae",
  seed: 42,
  sources: ["cmu", "bandai"],
  inputMode: "thesis",
  trainEveryNth: 1,
  testEveryNth: 1,
  hidden: 512,
  layers: 5,
  latentDim: 100,
  residual: false,
  batchNorm: false,
  dropout: 0,
  epochs: 40,
  batchSize: 256,
  lr: 1e-3,
  lrDecay: 0.96,
  lrDecaySteps: 10_000,
  maxNorm: 0,
  beta: 0.001,
  betaSchedule: { kind: "constant" },
  checkpointEverySteps: 0,
};

/** A plain autoencoder with the same architecture (β = 0, no sampling). */
export const DEFAULT_AE_CONFIG: TrainConfig = { ...DEFAULT_VAE_CONFIG, name: "ae", model: "ae", beta: 0 };

/** Martinez et al.: 1024 units, stem + 2 residual blocks, batch norm, dropout 0.5, max-norm 1. */
export const DEFAULT_BASELINE_CONFIG: TrainConfig = {
  ...DEFAULT_VAE_CONFIG,
  name: "baseline",
  model: "baseline",
  inputMode: "martinez",
  hidden: 1024,
  layers: 5,
  residual: true,
  batchNorm: true,
  dropout: 0.5,
  maxNorm: 1,
  beta: 0,
};

/**
 * The VAE-GAN hybrid (Larsen et al.) on the β-VAE's architecture: an MLP discriminator (256 units, a stem
 * and one residual pair, which is D_l), γ = 100, pose MSE weight 1, discriminator Adam 1e-3. (In smoke runs
 * on the shared data, γ = 1 let the GAN term swamp the reconstruction, and without the pose MSE the
 * lifter did not beat predicting the mean pose.)
 */
export const DEFAULT_VAE_GAN_CONFIG: TrainConfig = {
  ...DEFAULT_VAE_CONFIG,
  name: "vae-gan",
  model: "vae-gan",
  gamma: 100,
  poseMseWeight: 1,
  discHidden: 256,
  discBlocks: 1,
  discFeatureLayer: 1,
  discLr: 1e-3,
  decoderGan: "non-saturating",
};

/**
 * The conditional VAE (lib/models/cvae.ts), on equal terms with the baseline: its preprocessing
 * (martinez), its network as the CVAE's trunk (1024 units, stem + 2 residual blocks, batch norm,
 * dropout 0.5, max-norm 1) and its optimization (Adam 1e-3, decay 0.96 per 10k steps, batch 256,
 * 40 epochs). Its own choices:
 * - latentDim 16: z codes only what the 2D pose leaves open (a few depth orderings of limbs, a
 *   scale); 16 dimensions hold that, and few enough that samples of the N(0, I) prior land where
 *   the training posteriors were.
 * - β = 0.01 (KL divided by the 48 outputs, as for the β-VAE): recon + β·KL/D is the negative ELBO,
 *   scaled, of a Gaussian likelihood with variance β/2 = 0.005 per normalized coordinate. Chosen on
 *   the validation split against β = 0.05 (medium scale: every 4th frame, 20 epochs, with the model's
 *   second design, before z = 0 was made exactly m): the same P1 at z = 0 (42.1 mm), best-of-10 35.4
 *   against 36.3; z carries about 16 nats instead of 4.
 * - modeWeight 1: dec(x, 0) = m is trained with the baseline's loss, so the single prediction starts
 *   from the baseline's.
 * - bestOfMany 8, weight 1: of 8 prior samples per example only the nearest learns it (plus 5 %
 *   for all), so the prior's samples, the ones drawn at test time, spread over the answers.
 * - hypothesisInput "pose", hypothesisHidden 1024: G sees the 2D pose and the single prediction
 *   [x, m] rather than the trunk's features, in 2 layers of 1024. Chosen on the validation split at
 *   the same medium scale, with the third design: G on the features, 256 units, gave 46.5 mm at
 *   z = 0 and 38.0 best-of-10 (1024 units: 47.6 and 39.0); on [x, m], 256 units gave 43.5 and 35.1,
 *   512 gave 42.8 and 33.2, 1024 gave 42.4 and 30.3. It costs: the 10 passes of G per step (z = 0,
 *   z ~ q, 8 prior samples) take more than the trunk's one.
 * - betaSchedule linear over the first 10% of training: the KL warm-up that keeps the decoder
 *   from learning to ignore z before the encoder has anything to give it.
 * - clipNorm 1: no update's gradient is longer than 1. What it prevents is a spike inflating
 *   Adam's second moment and stalling the steps after it.
 */
export const DEFAULT_CVAE_CONFIG: TrainConfig = {
  ...DEFAULT_BASELINE_CONFIG,
  name: "cvae",
  model: "cvae",
  latentDim: 16,
  beta: 0.01,
  betaSchedule: { kind: "linear", warmup: 0.1 },
  clipNorm: 1,
  ...DEFAULT_CVAE_OPTIONS,
};

/** A run name is a folder name: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export const RUN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const posInt = (doc: string, max: number): Field => ({ type: "integer", doc, min: 1, max });
const counter = (doc: string): Field => ({ type: "integer", doc, min: 0, max: 1e9 });

/** The fields every kind of run config shares (lifters, GANs, crossmodal, 2D-only runs). */
export const RUN_FIELDS = {
  name: {
    type: "string",
    doc: "run name: the run folder is runs/<name>/",
    pattern: RUN_NAME_PATTERN,
    expected: "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 100)",
  },
  seed: { type: "integer", doc: "seed for init, shuffles, dropout and sampling", min: 0, max: 2 ** 32 - 1 },
  sources: {
    type: "array",
    doc: "open mocap sets to train and test on",
    items: { type: "enum", doc: "a mocap set", values: ["cmu", "bandai"] },
    minItems: 1,
    unique: true,
  },
} satisfies Record<string, Field>;

/**
 * Type and range of every TrainConfig field. Upper bounds on sizes keep a typo from allocating
 * gigabytes (hidden 8192 is a 256 MiB weight matrix).
 */
export const CONFIG_SCHEMA = objectSchema<TrainConfig>({
  name: RUN_FIELDS.name,
  model: { type: "enum", doc: "the lifter", values: MODEL_KINDS },
  seed: RUN_FIELDS.seed,
  sources: RUN_FIELDS.sources,
  inputMode: { type: "enum", doc: "2D input preprocessing", values: INPUT_MODES },
  trainEveryNth: posInt("keep every n-th training frame", 1_000_000),
  testEveryNth: posInt("keep every n-th test frame", 1_000_000),
  hidden: posInt("units per hidden layer", 8192),
  layers: posInt("Linear+ReLU layers per network", 64),
  latentDim: posInt("latent size (unused by the baseline)", 4096),
  residual: { type: "boolean", doc: "residual blocks" },
  batchNorm: { type: "boolean", doc: "batch normalization after each hidden Linear" },
  dropout: { type: "number", doc: "dropout rate", min: 0, max: 1, exclusiveMax: true },
  epochs: posInt("training epochs", 100_000),
  batchSize: posInt("samples per step", 65_536),
  lr: { type: "number", doc: "Adam learning rate", min: 0, exclusiveMin: true, max: 1 },
  lrDecay: { type: "number", doc: "learning-rate decay factor", min: 0, exclusiveMin: true, max: 1 },
  lrDecaySteps: counter("steps per decay (0 = no decay)"),
  maxNorm: { type: "number", doc: "max-norm of kernel columns (0 = off)", min: 0 },
  beta: { type: "number", doc: "KL weight β", min: 0 },
  betaSchedule: {
    type: "union",
    doc: "how β evolves over training",
    tag: "kind",
    variants: {
      constant: {},
      linear: { warmup: { type: "number", doc: "warm-up fraction of training", min: 0, max: 1 } },
      cyclical: {
        cycles: posInt("cycles over training", 10_000),
        ratio: { type: "number", doc: "rising fraction of each cycle", min: 0, exclusiveMin: true, max: 1 },
      },
    },
  },
  checkpointEverySteps: counter("also checkpoint every this many steps (0 = epoch ends only)"),
  clipNorm: {
    type: "number",
    doc: "clip the gradient's global L2 norm to this before each update (0 or absent = off; not vae-gan)",
    min: 0,
    max: 1e6,
    optional: true,
  },
  virtualCameras: {
    type: "number",
    doc: "share of each training batch seen through a random virtual camera (0 or absent = off)",
    min: 0,
    max: 1,
    optional: true,
  },
  gamma: {
    type: "number",
    doc: "vae-gan: weight γ of the reconstruction in the decoder's update",
    min: 0,
    max: 1e6,
    optional: true,
  },
  poseMseWeight: {
    type: "number",
    doc: "vae-gan: weight of the pose MSE (0 = D_l reconstruction only)",
    min: 0,
    max: 1e6,
    optional: true,
  },
  discHidden: { ...posInt("vae-gan: discriminator units per hidden layer", 8192), optional: true },
  discBlocks: { type: "integer", doc: "vae-gan: discriminator residual pairs", min: 0, max: 64, optional: true },
  discFeatureLayer: {
    type: "integer",
    doc: "vae-gan: D_l, 0 = stem, k = residual pair k (≤ discBlocks)",
    min: 0,
    max: 64,
    optional: true,
  },
  discLr: {
    type: "number",
    doc: "vae-gan: discriminator Adam learning rate",
    min: 0,
    exclusiveMin: true,
    max: 1,
    optional: true,
  },
  decoderGan: { type: "enum", doc: "vae-gan: the decoder's GAN term", values: DECODER_GAN_LOSSES, optional: true },
  modeWeight: {
    type: "number",
    doc: "cvae: weight of the squared error of the single prediction dec(x, 0)",
    min: 0,
    max: 1e6,
    optional: true,
  },
  bestOfMany: {
    type: "integer",
    doc: "cvae: prior samples per example in the best-of-many term (0 = off)",
    min: 0,
    max: 64,
    optional: true,
  },
  bestOfManyWeight: {
    type: "number",
    doc: "cvae: weight of the best-of-many term",
    min: 0,
    max: 1e6,
    optional: true,
  },
  hypothesisHidden: { ...posInt("cvae: units of the recognition and hypothesis networks", 8192), optional: true },
  hypothesisInput: {
    type: "enum",
    doc: "cvae: what the hypothesis network sees besides z (the trunk's features, or the 2D pose and the single prediction)",
    values: HYPOTHESIS_INPUTS,
    optional: true,
  },
});

/**
 * Model-specific checks: vae-gan fields only on vae-gan configs, cvae fields only on cvae configs, D_l within the discriminator, and
 * no gradient clipping on the vae-gan (its steps would silently ignore it).
 */
function checkModelFields(cfg: TrainConfig, where: string): void {
  if (cfg.model === "vae-gan" && (cfg.clipNorm ?? 0) > 0) {
    throw new SchemaError(
      `${where}: clipNorm is not supported by model vae-gan (its adversarial steps are not clipped); expected 0 or absent, got ${cfg.clipNorm}`,
      "clipNorm",
    );
  }
  const ownFields: [ModelKind, readonly (keyof TrainConfig)[]][] = [
    ["vae-gan", VAE_GAN_FIELDS],
    ["cvae", CVAE_FIELDS],
  ];
  for (const [model, fields] of ownFields) {
    if (cfg.model === model) continue;
    const stray = fields.filter((k) => cfg[k] !== undefined);
    if (stray.length) {
      const what = stray.length > 1 ? `are ${model} fields` : `is a ${model} field`;
      throw new SchemaError(`${where}: ${stray.join(", ")} ${what}, not for model ${cfg.model}`, stray[0]);
    }
  }
  if (cfg.model !== "vae-gan") return;
  const blocks = cfg.discBlocks ?? DEFAULT_VAE_GAN_CONFIG.discBlocks!;
  const layer = cfg.discFeatureLayer ?? DEFAULT_VAE_GAN_CONFIG.discFeatureLayer!;
  if (layer > blocks) {
    throw new SchemaError(
      `${where}: discFeatureLayer must be ≤ discBlocks (${blocks}), got ${layer}`,
      "discFeatureLayer",
    );
  }
}

/**
 * Check a complete config (a notebook's object, or one built in code); returns it unchanged.
 * @throws SchemaError `<where>: lr must be a number > 0 and ≤ 1, got 1000000`
 */
export function validateConfig(cfg: TrainConfig, where = "config"): TrainConfig {
  // Optional fields set to undefined count as absent.
  const present = Object.fromEntries(Object.entries(cfg).filter(([, v]) => v !== undefined));
  checkModelFields(CONFIG_SCHEMA.parse(present, where), where);
  return cfg;
}

/**
 * Parse a config from JSON text or a parsed JSON value (a run's config.json, a user's file). Every field
 * is checked; with `defaults`, missing fields are taken from it, else a missing field is an error.
 * @throws SchemaError naming `where` (the path) and the field: `runs/x/config.json: missing field "lr" (…)`
 */
export function parseConfig(raw: unknown, where: string, defaults?: TrainConfig): TrainConfig {
  const cfg = CONFIG_SCHEMA.parse(raw, where, defaults);
  checkModelFields(cfg, where);
  return cfg;
}

/** What each profile changes: smoke runs in minutes on 2 cores, full is thesis scale. */
export const PROFILE_OVERRIDES: Record<ProfileName, Partial<TrainConfig>> = {
  smoke: { epochs: 2, trainEveryNth: 10, testEveryNth: 10 },
  full: {},
};

/**
 * The config checked (validateConfig) and scaled for a profile (default: the active one); the run name
 * gets the profile.
 */
export function withProfile(cfg: TrainConfig, profile: ProfileName = profileName()): TrainConfig {
  validateConfig(cfg);
  const o = byProfile(PROFILE_OVERRIDES, profile);
  const scaled = { ...cfg, ...o, epochs: Math.min(cfg.epochs, o.epochs ?? cfg.epochs), name: `${cfg.name}-${profile}` };
  return validateConfig(scaled, `config scaled for the ${profile} profile`);
}
