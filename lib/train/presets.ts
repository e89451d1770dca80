/**
 * The named training presets: one list for the CLI (`--config <preset>`), the notebooks and the
 * README's table (a test checks that the README lists exactly these).
 *
 *   const cfg = presetConfig("baseline", { epochs: 10 });   // checked against CONFIG_SCHEMA
 */
import {
  DEFAULT_AE_CONFIG,
  DEFAULT_BASELINE_CONFIG,
  DEFAULT_CVAE_CONFIG,
  DEFAULT_VAE_CONFIG,
  DEFAULT_VAE_GAN_CONFIG,
  parseConfig,
  validateConfig,
  type TrainConfig,
} from "./config";
import { SchemaError } from "./schema";

export interface Preset {
  /** What `--config` takes. */
  name: string;
  /** One line for `--help` and the README. */
  description: string;
  config: TrainConfig;
}

/** Every preset, in the order the README and `--help` list them. */
export const PRESETS: readonly Preset[] = [
  {
    name: "beta-vae",
    description: "the thesis β-VAE: 5 × 512 encoder and decoder, latent 100, β = 0.001",
    config: DEFAULT_VAE_CONFIG,
  },
  {
    name: "ae",
    description: "plain autoencoder with the β-VAE's architecture (β = 0, z = μ)",
    config: DEFAULT_AE_CONFIG,
  },
  {
    name: "baseline",
    description: "Martinez et al.: 1024 units, 2 residual blocks, batch norm, dropout 0.5, max-norm 1",
    config: DEFAULT_BASELINE_CONFIG,
  },
  {
    name: "vae-gan",
    description:
      "VAE-GAN hybrid (Larsen et al.): the β-VAE plus a 3D discriminator, reconstruction in its layer D_l plus pose MSE, γ = 100",
    config: DEFAULT_VAE_GAN_CONFIG,
  },
  {
    name: "cvae",
    description:
      "conditional VAE: the baseline's network on the 2D pose plus a hypothesis network on the 2D pose, the prediction and z (latent 16); ELBO with β = 0.01 warmed up, the baseline's loss at z = 0, and best-of-8 over prior samples; z = 0 to predict, z ~ N(0, I) for hypotheses; gradients clipped at norm 1",
    config: DEFAULT_CVAE_CONFIG,
  },
];

/** Names of the presets. */
export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name);

/** The preset of that name, or undefined. */
export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/**
 * A preset's config with overrides, checked against the schema (a notebook's typed, validated config).
 * @throws SchemaError on an unknown preset (listing the presets) or a bad override (naming the field).
 */
export function presetConfig(name: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const p = findPreset(name);
  if (!p) throw new SchemaError(`unknown preset "${name}"; presets are ${PRESET_NAMES.join(", ")}`);
  return validateConfig({ ...p.config, ...overrides }, `preset "${name}"`);
}

/**
 * A config from a user's JSON file: fields it leaves out come from the preset of its `model`
 * (beta-vae when it names none). Every field present is checked.
 */
export function configFromJson(raw: unknown, where: string): TrainConfig {
  let value = raw;
  if (typeof raw === "string") value = parseConfigText(raw, where);
  const model = typeof value === "object" && value !== null ? (value as { model?: unknown }).model : undefined;
  const base = PRESETS.find((p) => p.config.model === (model ?? "beta-vae"))?.config;
  // An unknown model gets no defaults: the schema then names the model field and its values.
  return parseConfig(value, where, base ?? DEFAULT_VAE_CONFIG);
}

function parseConfigText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SchemaError(`${where}: not valid JSON (${(e as Error).message})`);
  }
}
