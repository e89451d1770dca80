/**
 * The VAE-GAN hybrid (Larsen et al. 2016) as a 2D → 3D lifter: the β-VAE's encoder
 * x [B, inputDim] → (μ, log σ²) and decoder z → ŷ [B, outputDim], plus a discriminator on 3D
 * poses (the MLP critic of ./critics, logits) whose hidden layer D_l measures reconstruction.
 *
 *   x ──Enc──▶ (μ, log σ²) ──z = μ + σ ε──▶ Dec ──▶ ŷ ─┐
 *                                                       ├──▶ Dis ──▶ D_l(ŷ) vs D_l(y), logits
 *   z_p ~ N(0, I) ─────────────────────────▶ Dec ──▶ ỹ ─┤
 *   y (true 3D pose) ──────────────────────────────────┘
 *
 * Terms per batch (D = outputDim, U = units of D_l; logits l = Dis(·), BCE on logits):
 *   kl       = mean_b −½ Σ_k (1 + log σ² − μ² − σ²)      (prior; weighted β/D as in vae.ts)
 *   reconDl  = 1/(BU) Σ (D_l(ŷ) − D_l(y))²              (Gaussian log-likelihood in D_l space)
 *   reconMse = 1/(BD) Σ (ŷ − y)²                         (pose MSE, weight poseMseWeight)
 *   ganD     = BCE(l(y), 1) + BCE(l(ỹ), 0) + BCE(l(ŷ), 0)
 *            = −[log D(y) + log(1 − D(ỹ)) + log(1 − D(ŷ))]   (the thesis's Eq. 2.13 as a loss)
 *   ganG     = −ganD (minimax; only the two fake terms depend on the decoder)
 *             or BCE(l(ỹ), 1) + BCE(l(ŷ), 1) (non-saturating, same fixed point, stronger early gradients)
 * Objectives, one per part, each differentiated ONLY w.r.t. its own part's variables
 * (the restricted error flow), with the reconstruction L_rec = reconDl + w · reconMse (w = 0 is
 * Larsen's pure D_l reconstruction; the pose MSE, when w > 0, counts as part of the reconstruction):
 *   encoder       L_enc = β/D · kl + L_rec
 *   decoder       L_dec = γ · L_rec + ganG
 *   discriminator L_dis = ganD
 * All three gradients are taken at the same parameters and the same samples (ε and z_p seeded by
 * the step), then each part's optimizer applies its own: one simultaneous step per batch.
 * Inference is the β-VAE's: z = μ for `predict`, z ~ q(z|x) for `sample`.
 */
import * as tf from "@tensorflow/tfjs";
import { bceWithLogits } from "../nn/adversarial";
import { klDivergence, meanSquaredError } from "../nn/losses";
import { type ApplyOptions, type BnStats, Mlp } from "../nn/mlp";
import { Adam } from "../nn/optim";
import type { Step, StepContext } from "../nn/trainable";
import { MlpCritic } from "./critics/mlp-critic";
import { decodeMean, decodeSamples, encoderDecoderLayersModel, parameterCountOf } from "./encoder-decoder";
import { assertInput, type LiftBatch, type Lifter, type LifterOptions, type VaeGanOptions } from "./lifter";

/** Defaults of the hybrid's options (the vae-gan preset in lib/train/config.ts uses the same). */
export const DEFAULT_VAE_GAN_OPTIONS: VaeGanOptions = {
  gamma: 100,
  poseMseWeight: 1,
  discHidden: 256,
  discBlocks: 1,
  discFeatureLayer: 1,
  discLr: 1e-3,
  decoderGan: "non-saturating",
};

export const VAE_GAN_PARTS = ["encoder", "decoder", "discriminator"] as const;
export type VaeGanPart = (typeof VAE_GAN_PARTS)[number];

/** The named terms of one batch (device scalars). */
export interface VaeGanTerms {
  kl: tf.Scalar;
  reconDl: tf.Scalar;
  reconMse: tf.Scalar;
  ganD: tf.Scalar;
  ganG: tf.Scalar;
}
export type VaeGanTerm = keyof VaeGanTerms;
export const VAE_GAN_TERMS: readonly VaeGanTerm[] = ["kl", "reconDl", "reconMse", "ganD", "ganG"];

/** What one step needs to know: the step's seed and the schedule's β and γ. */
export interface VaeGanStepValues {
  seed: number;
  beta: number;
  gamma: number;
  bnStats?: BnStats;
}

export class VaeGanLifter implements Lifter {
  readonly kind = "vae-gan" as const;
  readonly variational = true;
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  readonly discriminator: MlpCritic;
  readonly options: VaeGanOptions;
  readonly parts: { encoder: Mlp; decoder: Mlp; discriminator: MlpCritic };
  readonly optimizers: { encoder: Adam; decoder: Adam; discriminator: Adam };
  readonly steps: Step<LiftBatch>[];
  private readonly featureLayer: string;

  constructor(
    readonly opts: LifterOptions,
    seed: number,
  ) {
    const o = { ...DEFAULT_VAE_GAN_OPTIONS, ...opts.vaeGan };
    if (!(o.gamma >= 0 && o.poseMseWeight >= 0 && o.discLr > 0)) {
      throw new Error(
        `vae-gan: need gamma ≥ 0, poseMseWeight ≥ 0, discLr > 0; got ${o.gamma}, ${o.poseMseWeight}, ${o.discLr}`,
      );
    }
    if (!(Number.isInteger(o.discFeatureLayer) && o.discFeatureLayer >= 0 && o.discFeatureLayer <= o.discBlocks)) {
      throw new Error(
        `vae-gan: discFeatureLayer must be an integer in [0, discBlocks = ${o.discBlocks}], got ${o.discFeatureLayer}`,
      );
    }
    this.options = o;
    const common = {
      hidden: opts.hidden,
      layers: opts.layers,
      residual: opts.residual,
      batchNorm: opts.batchNorm,
      dropout: opts.dropout,
    };
    const heads = [opts.latentDim, opts.latentDim];
    this.encoder = new Mlp({ ...common, inputDim: opts.inputDim, heads }, "encoder", seed);
    this.decoder = new Mlp({ ...common, inputDim: opts.latentDim, heads: [opts.outputDim] }, "decoder", seed + 1);
    const disc = { inputDim: opts.outputDim, hidden: o.discHidden, blocks: o.discBlocks, leak: 0.2 };
    this.discriminator = new MlpCritic(disc, seed + 2, "discriminator");
    this.featureLayer = this.discriminator.featureLayers[o.discFeatureLayer];
    this.parts = { encoder: this.encoder, decoder: this.decoder, discriminator: this.discriminator };
    this.optimizers = {
      encoder: new Adam(this.encoder.trainable()),
      decoder: new Adam(this.decoder.trainable()),
      discriminator: new Adam(this.discriminator.trainable()),
    };
    this.steps = [{ name: "train", run: (batch, ctx) => this.trainStep(batch, ctx) }];
  }

  get inputDim(): number {
    return this.opts.inputDim;
  }

  get outputDim(): number {
    return this.opts.outputDim;
  }

  get latentDim(): number {
    return this.opts.latentDim;
  }

  /** The name of the discriminator layer used as D_l ("stem", "block1", …). */
  get dlLayer(): string {
    return this.featureLayer;
  }

  /**
   * The terms `need` (default: all) of one batch x [B, inputDim], y [B, outputDim] at the current
   * parameters, in training mode; only what they need is computed (the encoder's objective never
   * decodes prior samples). Deterministic for a given seed (ε and z_p are seeded), so the three
   * objectives of a step see the same samples.
   */
  terms(
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    v: VaeGanStepValues,
    need: readonly VaeGanTerm[] = VAE_GAN_TERMS,
  ): Partial<VaeGanTerms> {
    assertInput(x, this.inputDim, "vae-gan.terms");
    assertInput(y, this.outputDim, "vae-gan.terms (targets y)");
    if (x.shape[0] !== y.shape[0])
      throw new Error(`vae-gan.terms: x [${x.shape}] and y [${y.shape}] differ in batch size`);
    const want = (t: VaeGanTerm) => need.includes(t);
    const o: ApplyOptions = { training: true, stepSeed: v.seed, bnStats: v.bnStats };
    const [mu, logvar] = this.encoder.apply(x, o);
    const eps = tf.randomNormal(mu.shape, 0, 1, "float32", v.seed * 7 + 3);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D;
    const yHat = this.decoder.apply(z, o)[0];
    const D = this.discriminator;
    const out: Partial<VaeGanTerms> = {};
    if (want("kl")) out.kl = tf.mean(klDivergence(mu, logvar)) as tf.Scalar;
    if (want("reconMse")) out.reconMse = meanSquaredError(yHat, y);
    if (want("reconDl"))
      out.reconDl = meanSquaredError(D.features(yHat, this.featureLayer), D.features(y, this.featureLayer));
    const minimax = this.options.decoderGan === "minimax";
    if (want("ganD") || want("ganG")) {
      const zPrior = tf.randomNormal(mu.shape, 0, 1, "float32", v.seed * 7 + 5) as tf.Tensor2D;
      // The decoder's pass on prior samples collects no batch statistics (the moving averages follow ŷ's).
      const yPrior = this.decoder.apply(zPrior, { training: true, stepSeed: v.seed + 1 })[0];
      const lRec = D.score(yHat),
        lPrior = D.score(yPrior);
      if (want("ganD") || minimax) {
        const ganD = tf.addN([
          bceWithLogits(D.score(y), 1),
          bceWithLogits(lPrior, 0),
          bceWithLogits(lRec, 0),
        ]) as tf.Scalar;
        if (want("ganD")) out.ganD = ganD;
        if (want("ganG") && minimax) out.ganG = tf.neg(ganD) as tf.Scalar;
      }
      if (want("ganG") && !minimax) out.ganG = tf.add(bceWithLogits(lPrior, 1), bceWithLogits(lRec, 1)) as tf.Scalar;
    }
    return out;
  }

  /** The weight of each term in each part's objective (a term absent from a part's row never reaches it). */
  objectiveWeights(beta: number, gamma: number): Record<VaeGanPart, Partial<Record<VaeGanTerm, number>>> {
    const w = this.options.poseMseWeight;
    return {
      encoder: { kl: beta / this.outputDim, reconDl: 1, reconMse: w },
      decoder: { reconDl: gamma, reconMse: gamma * w, ganG: 1 },
      discriminator: { ganD: 1 },
    };
  }

  /** A part's objective: the weighted sum of its terms. */
  objective(part: VaeGanPart, t: Partial<VaeGanTerms>, beta: number, gamma: number): tf.Scalar {
    const row = this.objectiveWeights(beta, gamma)[part];
    return tf.addN(
      Object.entries(row).map(([k, w]) => {
        const term = t[k as VaeGanTerm];
        if (!term) throw new Error(`vae-gan.objective: the ${part}'s objective needs the term ${k}`);
        return tf.mul(term, w as number);
      }),
    ) as tf.Scalar;
  }

  /**
   * Gradients of each part's objective w.r.t. that part's trainable variables only, all at the
   * current parameters; keyed by part, then variable name. Also the terms (each from the first pass that computed it).
   */
  partGradients(
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    v: VaeGanStepValues,
  ): {
    grads: Record<VaeGanPart, tf.NamedTensorMap>;
    terms: VaeGanTerms;
    objectives: Record<VaeGanPart, tf.Scalar>;
  } {
    const terms: Partial<VaeGanTerms> = {};
    const grads = {} as Record<VaeGanPart, tf.NamedTensorMap>;
    const objectives = {} as Record<VaeGanPart, tf.Scalar>;
    for (const part of VAE_GAN_PARTS) {
      // Each pass computes only its objective's terms; together they report all five.
      const need = Object.keys(this.objectiveWeights(0, 0)[part]) as VaeGanTerm[];
      const r = tf.variableGrads(() => {
        // Only the first pass collects batch-norm statistics; the others see the same batch.
        const t = this.terms(x, y, part === "encoder" ? v : { ...v, bnStats: undefined }, need);
        for (const [k, s] of Object.entries(t)) if (!(k in terms)) terms[k as VaeGanTerm] = tf.keep(s);
        return this.objective(part, t, v.beta, v.gamma);
      }, this.parts[part].trainable());
      grads[part] = r.grads;
      objectives[part] = r.value;
    }
    return { grads, terms: terms as VaeGanTerms, objectives };
  }

  /** One training step: the three restricted gradients, then the three updates. */
  trainStep({ x, y }: LiftBatch, ctx: StepContext): Record<string, tf.Scalar> {
    const lr = ctx.values.lr;
    const discLr = ctx.values.discLr ?? this.options.discLr;
    const v: VaeGanStepValues = {
      seed: ctx.seed,
      beta: ctx.values.beta ?? 0,
      gamma: ctx.values.gamma ?? this.options.gamma,
      bnStats: [],
    };
    const { grads, terms, objectives } = this.partGradients(x, y, v);
    const lrs: Record<VaeGanPart, number> = { encoder: lr, decoder: lr, discriminator: discLr };
    const norms: Record<string, tf.Scalar> = {};
    for (const part of VAE_GAN_PARTS) {
      const params = this.optimizers[part].params;
      const list = params.map((p) => {
        const g = grads[part][p.name];
        if (!g) throw new Error(`vae-gan: no gradient for ${part} variable ${p.name}`);
        return g;
      });
      norms[`${part}GradNorm`] = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
      this.optimizers[part].apply(list, lrs[part]);
      tf.dispose(Object.values(grads[part]));
    }
    objectives.discriminator.dispose(); // the same value as ganD
    if (v.bnStats?.length) Mlp.updateMovingStats(v.bnStats);
    if (this.opts.maxNorm > 0) for (const m of [this.encoder, this.decoder]) m.applyMaxNorm(this.opts.maxNorm);
    return {
      ...terms,
      encoderLoss: objectives.encoder,
      decoderLoss: objectives.decoder,
      gradNorm: tf.tidy(() => tf.sqrt(tf.addN(Object.values(norms).map((n) => tf.square(n)))) as tf.Scalar),
      ...norms,
    };
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "vae-gan.predict");
    return decodeMean(this.encoder, this.decoder, x);
  }

  encodeMean(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "vae-gan.encodeMean");
    return tf.tidy(() => this.encoder.apply(x, { training: false })[0]);
  }

  sample(x: tf.Tensor2D, n: number, seed: number, first = 0): tf.Tensor2D[] {
    assertInput(x, this.inputDim, "vae-gan.sample");
    return decodeSamples(this.encoder, this.decoder, x, n, seed, first);
  }

  /** Inference parameters (encoder and decoder); the discriminator is used in training only. */
  parameterCount(): number {
    return parameterCountOf(this.encoder, this.decoder);
  }

  toLayersModel(): tf.LayersModel {
    return encoderDecoderLayersModel(this.encoder, this.decoder, this.inputDim, this.kind);
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.discriminator.dispose();
    for (const o of Object.values(this.optimizers)) o.dispose();
  }
}
