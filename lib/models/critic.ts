/**
 * Critics and discriminators on poses, and their training steps for the three adversarial
 * objectives of the thesis's chapter 2:
 * - `gan`: a discriminator on logits, BCE loss, the non-saturating generator loss;
 * - `wgan`: a critic maximizing E[D(real)] − E[D(fake)], weights clipped to [−c, c] after each update;
 * - `wgan-gp`: the same with the gradient penalty λ·E[(‖∇D(x̂)‖ − 1)²] instead of clipping.
 * Architectures: `mlp` (thesis code) and `kcs` (RepNet), both in ./critics/.
 *
 * Steps fit the training core: they do their own update and return named loss terms as
 * scalars left on the device (the caller disposes them). `makeCriticStep`/`makeGeneratorStep`
 * wrap them as `{ name, repeat, run(batch, ctx) }`.
 */
import * as tf from "@tensorflow/tfjs";
import {
  clipWeights,
  discriminatorLoss,
  gradientPenalty,
  nonSaturatingGeneratorLoss,
  wassersteinEstimate,
  wassersteinGeneratorLoss,
} from "../nn/adversarial";
import { KcsCritic, type KcsCriticOptions } from "./critics/kcs-critic";
import type { PoseCritic } from "./critics/layers";
import { MlpCritic, type MlpCriticOptions } from "./critics/mlp-critic";

export type { PoseCritic } from "./critics/layers";
export { MlpCritic, DEFAULT_MLP_CRITIC, type MlpCriticOptions } from "./critics/mlp-critic";
export { KcsCritic, DEFAULT_KCS_CRITIC, type KcsCriticOptions } from "./critics/kcs-critic";

export const ADVERSARIAL_LOSSES = ["gan", "wgan", "wgan-gp"] as const;
export type AdversarialLoss = (typeof ADVERSARIAL_LOSSES)[number];

export type CriticSpec = ({ arch: "mlp" } & MlpCriticOptions) | ({ arch: "kcs" } & KcsCriticOptions);

/** A critic of either architecture from its spec, with seeded weights. */
export function buildCritic(spec: CriticSpec, seed: number, name?: string): PoseCritic {
  if (spec.arch === "mlp") return new MlpCritic(spec, seed, name);
  if (spec.arch === "kcs") return new KcsCritic(spec, seed, name);
  throw new Error(`buildCritic: arch must be "mlp" or "kcs", got "${(spec as { arch: string }).arch}"`);
}

/** What the steps need of an optimizer (lib/nn/optim.ts Adam fits): ordered params and an update. */
export interface GradientOptimizer {
  readonly params: readonly tf.Variable[];
  apply(grads: tf.Tensor[], lr: number): void;
}

/** The training core's per-step context. */
export interface StepContext {
  epoch: number;
  globalStep: number;
  /** Seed of this step (interpolates, latent samples). */
  seed: number;
  /** Schedule values, e.g. { lr }. */
  values: Record<string, number>;
}

export interface AdversarialOptions {
  loss: AdversarialLoss;
  /** Gradient-penalty weight λ (wgan-gp; default 10). */
  lambda?: number;
  /** Weight-clipping bound c (wgan; default 0.01). */
  clip?: number;
}

export const DEFAULT_LAMBDA = 10;
export const DEFAULT_CLIP = 0.01;

/**
 * Minimize `f` over the optimizer's params and apply one update. Params that `f` does not
 * reach get a zero gradient. Returns f's named terms; the `loss` term is the one minimized.
 */
type Terms = Record<string, tf.Scalar> & { loss: tf.Scalar };

function update(opt: GradientOptimizer, lr: number, f: () => Terms): Record<string, tf.Scalar> {
  let terms: Record<string, tf.Scalar> = {};
  const params = opt.params as tf.Variable[];
  const { value, grads } = tf.variableGrads(() => {
    const t = f();
    terms = Object.fromEntries(
      Object.entries(t)
        .filter(([k]) => k !== "loss")
        .map(([k, v]) => [k, tf.keep(v)]),
    );
    return t.loss;
  }, params);
  const ordered = params.map((p) => grads[p.name] ?? tf.zerosLike(p));
  opt.apply(ordered, lr);
  tf.dispose([...ordered, ...Object.values(grads)]);
  return { loss: value, ...terms };
}

/**
 * One critic/discriminator update on real and fake poses [B, D] (fake: the generator's
 * output, taken as constants). Returns, as scalars on the device:
 * - gan: { loss, realLogit, fakeLogit } (mean logits);
 * - wgan: { loss, wasserstein } (loss = −wasserstein), after which the weights are clipped;
 * - wgan-gp: { loss, wasserstein, penalty } (loss = penalty − wasserstein).
 */
export function criticStep(
  critic: PoseCritic,
  opt: GradientOptimizer,
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  o: AdversarialOptions & { lr: number; seed: number },
): Record<string, tf.Scalar> {
  if (real.rank !== 2 || fake.rank !== 2 || real.shape[1] !== critic.inputDim || fake.shape[1] !== critic.inputDim) {
    throw new Error(`criticStep: real [${real.shape}] and fake [${fake.shape}] must both be [B, ${critic.inputDim}]`);
  }
  const out = update(opt, o.lr, (): Terms => {
    const sReal = critic.score(real),
      sFake = critic.score(fake);
    if (o.loss === "gan") {
      return { loss: discriminatorLoss(sReal, sFake), realLogit: tf.mean(sReal), fakeLogit: tf.mean(sFake) };
    }
    const w = wassersteinEstimate(sReal, sFake);
    if (o.loss === "wgan") return { loss: tf.neg(w), wasserstein: w };
    if (o.loss === "wgan-gp") {
      const lambda = o.lambda ?? DEFAULT_LAMBDA;
      const penalty = gradientPenalty((x) => critic.score(x), real, fake, { lambda, seed: o.seed });
      return { loss: tf.sub(penalty, w), wasserstein: w, penalty };
    }
    throw new Error(`criticStep: loss must be one of ${ADVERSARIAL_LOSSES.join(", ")}, got "${o.loss}"`);
  });
  if (o.loss === "wgan") clipWeights(critic.trainable(), o.clip ?? DEFAULT_CLIP);
  return out;
}

/** The generator's adversarial loss on the critic's scores/logits [B] of its samples. */
export function generatorAdversarialLoss(loss: AdversarialLoss, fakeScores: tf.Tensor1D): tf.Scalar {
  return loss === "gan" ? nonSaturatingGeneratorLoss(fakeScores) : wassersteinGeneratorLoss(fakeScores);
}

/**
 * One generator update: `generate()` builds fake poses [B, D] from the generator's variables
 * (it samples its own z); only `opt.params` are updated, the critic is left as it is.
 * Returns { loss } (the non-saturating GAN loss, or −E[D(G(z))] for wgan/wgan-gp).
 */
export function generatorStep(
  critic: PoseCritic,
  opt: GradientOptimizer,
  generate: () => tf.Tensor2D,
  o: { loss: AdversarialLoss; lr: number },
): Record<string, tf.Scalar> {
  return update(opt, o.lr, () => ({ loss: generatorAdversarialLoss(o.loss, critic.score(generate())) }));
}

/** A training-core step: its name, how often it repeats per round, and its update. */
export interface AdversarialStep<B> {
  name: string;
  repeat?: number;
  run(batch: B, ctx: StepContext): Record<string, tf.Scalar>;
}

/**
 * The critic step for the training core, repeated `nCritic` times per generator step.
 * `real(batch)` gives real poses [B, D]; `fake(batch, ctx)` the generator's poses (seeded by
 * ctx.seed). Tensors they create are freed after the step. The learning rate is
 * ctx.values[lrKey] when the schedule gives one, else `lr`.
 */
export function makeCriticStep<B>(
  o: AdversarialOptions & {
    critic: PoseCritic;
    optimizer: GradientOptimizer;
    real: (batch: B) => tf.Tensor2D;
    fake: (batch: B, ctx: StepContext) => tf.Tensor2D;
    nCritic?: number;
    lr: number;
    lrKey?: string;
    name?: string;
  },
): AdversarialStep<B> {
  const n = o.nCritic ?? (o.loss === "gan" ? 1 : 5);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`makeCriticStep: nCritic must be an integer ≥ 1, got ${n}`);
  return {
    name: o.name ?? "critic",
    repeat: n,
    run: (batch, ctx) =>
      tf.tidy(() => {
        const fake = tf.tidy(() => o.fake(batch, ctx));
        const lr = ctx.values[o.lrKey ?? "lr"] ?? o.lr;
        return criticStep(o.critic, o.optimizer, o.real(batch), fake, { ...o, lr, seed: ctx.seed });
      }),
  };
}

/** The generator step for the training core; `generate(batch, ctx)` samples with ctx.seed. */
export function makeGeneratorStep<B>(o: {
  critic: PoseCritic;
  optimizer: GradientOptimizer;
  generate: (batch: B, ctx: StepContext) => tf.Tensor2D;
  loss: AdversarialLoss;
  lr: number;
  lrKey?: string;
  name?: string;
}): AdversarialStep<B> {
  return {
    name: o.name ?? "generator",
    run: (batch, ctx) =>
      tf.tidy(() => {
        const lr = ctx.values[o.lrKey ?? "lr"] ?? o.lr;
        return generatorStep(o.critic, o.optimizer, () => o.generate(batch, ctx), { loss: o.loss, lr });
      }),
  };
}
