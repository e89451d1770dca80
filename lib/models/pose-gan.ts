/**
 * A pose generator from the prior, trained against a critic: G maps z ~ N(0, I) [B, latent]
 * through an MLP (lib/nn/mlp.ts, ReLU) to a normalized root-less 3D pose [B, 48] (the
 * z-scored layout of lib/data/preprocess.ts; denormalize3d turns it into mm). The critic is
 * the MLP or the KCS critic of ./critic.ts, trained with one of the three objectives:
 * - `gan`: BCE discriminator and the non-saturating generator loss; Adam(β₁ 0.5, β₂ 0.999);
 * - `wgan`: weight clipping to [−c, c], RMSProp (as in the WGAN paper: lr 5e-5, c = 0.01);
 * - `wgan-gp`: gradient penalty λ = 10, Adam(β₁ 0.5, β₂ 0.9) (as in the WGAN-GP paper).
 *
 * As a Trainable (lib/nn/trainable.ts): parts {generator, critic}, optimizers {generator,
 * critic}, steps [critic × nCritic, generator]. A batch holds real normalized poses
 * `{ real: [B, 48] }`; z comes from each step's seed, so a run is reproducible and resumable.
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "../nn/mlp";
import { Adam, RmsProp, type Optimizer } from "../nn/optim";
import type { Step, Trainable } from "../nn/trainable";
import {
  ADVERSARIAL_LOSSES,
  buildCritic,
  makeCriticStep,
  makeGeneratorStep,
  type AdversarialLoss,
  type CriticSpec,
  type PoseCritic,
} from "./critic";

export const CRITIC_ARCHS = ["mlp", "kcs"] as const;
export type CriticArch = (typeof CRITIC_ARCHS)[number];

/** What a pose GAN is: objective, critic, generator and their optimization settings. */
export interface PoseGanOptions {
  /** `gan`, `wgan` (weight clipping) or `wgan-gp` (gradient penalty). */
  loss: AdversarialLoss;
  /** Critic architecture: `mlp` (thesis code) or `kcs` (RepNet). */
  critic: CriticArch;
  /** Units per hidden layer of the critic (thesis code: 1024). */
  criticHidden: number;
  /** Residual pairs of the critic (per path for the KCS critic). */
  criticBlocks: number;
  /** Units per hidden layer of the generator. */
  generatorHidden: number;
  /** Hidden ReLU layers of the generator, stem included (odd: the body is residual pairs). */
  generatorLayers: number;
  /** Size of z ~ N(0, I). */
  latentDim: number;
  /** Critic updates per generator update (WGANs: 5; GAN: 1). */
  nCritic: number;
  /** Learning rate of both players. */
  lr: number;
  /** Weight-clipping bound c (wgan). */
  clip: number;
  /** Gradient-penalty weight λ (wgan-gp). */
  lambda: number;
}

/** What the three runs share: the thesis code's critic size, a generator of the same width, a 32-D z. */
const SHARED_GAN_OPTIONS = {
  critic: "mlp",
  criticHidden: 1024,
  criticBlocks: 2,
  generatorHidden: 1024,
  generatorLayers: 5,
  latentDim: 32,
  clip: 0.01,
  lambda: 10,
} as const;

/** The settings of the three papers (n_critic, learning rate; the optimizers follow from the loss). */
export const POSE_GAN_DEFAULTS: Record<AdversarialLoss, PoseGanOptions> = {
  gan: { ...SHARED_GAN_OPTIONS, loss: "gan", nCritic: 1, lr: 2e-4 },
  wgan: { ...SHARED_GAN_OPTIONS, loss: "wgan", nCritic: 5, lr: 5e-5 },
  "wgan-gp": { ...SHARED_GAN_OPTIONS, loss: "wgan-gp", nCritic: 5, lr: 1e-4 },
};

/** Statistics that map normalized poses back to mm (the KCS critic forms bones in metres). */
export interface PoseGanStats {
  mean3d: ArrayLike<number>;
  std3d: ArrayLike<number>;
}

/** Check the options; every error names the field and what it takes. */
export function checkPoseGanOptions(o: PoseGanOptions, where = "PoseGan"): void {
  const fail = (field: string, want: string) => {
    throw new Error(
      `${where}: ${field} must be ${want}, got ${JSON.stringify((o as unknown as Record<string, unknown>)[field])}`,
    );
  };
  if (!ADVERSARIAL_LOSSES.includes(o.loss)) fail("loss", `one of ${ADVERSARIAL_LOSSES.join(", ")}`);
  if (!CRITIC_ARCHS.includes(o.critic)) fail("critic", `one of ${CRITIC_ARCHS.join(", ")}`);
  const posInt = (k: keyof PoseGanOptions, min = 1) => {
    const v = o[k];
    if (!(typeof v === "number" && Number.isSafeInteger(v) && v >= min)) fail(k, `an integer ≥ ${min}`);
  };
  posInt("criticHidden");
  posInt("criticBlocks", 0);
  posInt("generatorHidden");
  posInt("generatorLayers");
  if (o.generatorLayers % 2 !== 1) fail("generatorLayers", "odd (a stem, then residual pairs)");
  posInt("latentDim");
  posInt("nCritic");
  const positive = (k: "lr" | "clip" | "lambda") => {
    if (!(typeof o[k] === "number" && Number.isFinite(o[k]) && o[k] > 0)) fail(k, "a finite number > 0");
  };
  positive("lr");
  positive("clip");
  positive("lambda");
}

export type GanBatch = { real: tf.Tensor2D };

/** A generator z → pose and a critic on poses, as a two-player Trainable. */
export class PoseGan implements Trainable<GanBatch> {
  readonly generator: Mlp;
  readonly critic: PoseCritic;
  readonly parts: { generator: Mlp; critic: PoseCritic };
  readonly optimizers: { generator: Optimizer; critic: Optimizer };
  readonly steps: readonly Step<GanBatch>[];
  /** Size of a pose: 3 × the 16 joints without the root. */
  readonly poseDim: number;

  constructor(
    readonly opts: PoseGanOptions,
    stats: PoseGanStats,
    seed: number,
  ) {
    checkPoseGanOptions(opts);
    const D = stats.mean3d.length;
    if (D !== stats.std3d.length || D % 3 !== 0 || D === 0) {
      throw new Error(
        `PoseGan: stats mean3d/std3d must have the same length, a multiple of 3; got ${D}/${stats.std3d.length}`,
      );
    }
    this.poseDim = D;
    this.generator = new Mlp(
      {
        inputDim: opts.latentDim,
        hidden: opts.generatorHidden,
        layers: opts.generatorLayers,
        residual: true,
        batchNorm: false,
        dropout: 0,
        heads: [D],
      },
      "generator",
      seed,
    );
    const spec: CriticSpec =
      opts.critic === "kcs"
        ? {
            arch: "kcs",
            inputDim: D,
            dims: 3,
            hidden: opts.criticHidden,
            blocks: opts.criticBlocks,
            leak: 0.2,
            denorm: { mean: stats.mean3d, std: stats.std3d },
            scale: 1e-3,
          }
        : { arch: "mlp", inputDim: D, hidden: opts.criticHidden, blocks: opts.criticBlocks, leak: 0.2 };
    this.critic = buildCritic(spec, seed + 1, `${opts.critic}_critic`);
    const optimizer = (params: tf.Variable[]): Optimizer =>
      opts.loss === "wgan" ? new RmsProp(params, 0.9) : new Adam(params, 0.5, opts.loss === "wgan-gp" ? 0.9 : 0.999);
    this.parts = { generator: this.generator, critic: this.critic };
    this.optimizers = { generator: optimizer(this.generator.trainable()), critic: optimizer(this.critic.trainable()) };
    const fake = (b: GanBatch, ctx: { seed: number }) => this.generate(this.sampleZ(b.real.shape[0], ctx.seed));
    const adv = { loss: opts.loss, lr: opts.lr };
    this.steps = [
      makeCriticStep<GanBatch>({
        ...adv,
        critic: this.critic,
        optimizer: this.optimizers.critic,
        real: (b) => b.real,
        fake,
        nCritic: opts.nCritic,
        clip: opts.clip,
        lambda: opts.lambda,
      }),
      makeGeneratorStep<GanBatch>({
        ...adv,
        critic: this.critic,
        optimizer: this.optimizers.generator,
        generate: fake,
      }),
    ];
  }

  /** z ~ N(0, I) [n, latent] from a seed. */
  sampleZ(n: number, seed: number): tf.Tensor2D {
    return tf.randomNormal([n, this.opts.latentDim], 0, 1, "float32", seed) as tf.Tensor2D;
  }

  /** Normalized poses [n, 48] from z [n, latent]. */
  generate(z: tf.Tensor2D): tf.Tensor2D {
    if (z.rank !== 2 || z.shape[1] !== this.opts.latentDim) {
      throw new Error(`PoseGan.generate: expected z of shape [n, ${this.opts.latentDim}], got [${z.shape}]`);
    }
    return tf.tidy(() => this.generator.apply(z, { training: false })[0]);
  }

  /** Normalized poses [n·48] of z [n, latent] (flat, in batches of 1024), read back to the CPU. */
  generateArray(z: Float32Array, n: number): Float32Array {
    if (z.length !== n * this.opts.latentDim) {
      throw new Error(`PoseGan.generateArray: expected ${n} × ${this.opts.latentDim} latent values, got ${z.length}`);
    }
    const out = new Float32Array(n * this.poseDim);
    for (let s = 0; s < n; s += 1024) {
      const m = Math.min(1024, n - s);
      const y = tf.tidy(() =>
        this.generate(
          tf.tensor2d(z.subarray(s * this.opts.latentDim, (s + m) * this.opts.latentDim), [m, this.opts.latentDim]),
        ),
      );
      out.set(y.dataSync(), s * this.poseDim);
      y.dispose();
    }
    return out;
  }

  parameterCount(): number {
    return [...this.generator.trainable(), ...this.critic.trainable()].reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    this.generator.dispose();
    this.critic.dispose();
    this.optimizers.generator.dispose();
    this.optimizers.critic.dispose();
  }
}
