/**
 * Typed training configs. A notebook's first code cell writes
 *   const cfg: TrainConfig = { ...DEFAULT_VAE_CONFIG, beta: 0.01 };
 * and `withProfile(cfg)` scales it for the active profile (smoke / full).
 */
import type { BetaSchedule } from "./schedules";
import type { ModelKind } from "../models/lifter";
import type { InputMode } from "../data/preprocess";
import { byProfile, profileName, type ProfileName } from "../core/profile";

export interface TrainConfig {
  /** Run name: the run's folder is runs/<name>/ (a killed run resumes from there). */
  name: string;
  /** `beta-vae` (thesis), `ae` (plain autoencoder, z = μ) or `baseline` (Martinez et al.). */
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
}

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

/** What each profile changes: smoke runs in minutes on 2 cores, full is thesis scale. */
export const PROFILE_OVERRIDES: Record<ProfileName, Partial<TrainConfig>> = {
  smoke: { epochs: 2, trainEveryNth: 10, testEveryNth: 10 },
  full: {},
};

/** The config scaled for a profile (default: the active one); the run name gets the profile. */
export function withProfile(cfg: TrainConfig, profile: ProfileName = profileName()): TrainConfig {
  const o = byProfile(PROFILE_OVERRIDES, profile);
  return { ...cfg, ...o, epochs: Math.min(cfg.epochs, o.epochs ?? cfg.epochs), name: `${cfg.name}-${profile}` };
}

/** Validate a config loaded from JSON; unknown or mistyped fields are errors naming the field. */
export function parseConfig(raw: unknown, where: string): TrainConfig {
  if (typeof raw !== "object" || raw === null) throw new Error(`${where}: expected a JSON object with TrainConfig fields`);
  const base = { vae: DEFAULT_VAE_CONFIG, "beta-vae": DEFAULT_VAE_CONFIG, ae: DEFAULT_AE_CONFIG, baseline: DEFAULT_BASELINE_CONFIG }[String((raw as { model?: string }).model ?? "beta-vae")];
  if (!base) throw new Error(`${where}: unknown model "${(raw as { model?: string }).model}"; expected beta-vae, ae or baseline`);
  const cfg = { ...base, ...(raw as object) } as TrainConfig;
  for (const [k, v] of Object.entries(raw as object)) {
    if (!(k in DEFAULT_VAE_CONFIG)) throw new Error(`${where}: unknown field "${k}"; fields are ${Object.keys(DEFAULT_VAE_CONFIG).join(", ")}`);
    const want = typeof (DEFAULT_VAE_CONFIG as unknown as Record<string, unknown>)[k];
    if (typeof v !== want) throw new Error(`${where}: field "${k}" must be a ${want}, got ${JSON.stringify(v)}`);
  }
  return cfg;
}
