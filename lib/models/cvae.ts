/**
 * A conditional VAE lifter, built to beat the deterministic baseline while sampling
 * hypotheses that cover what the 2D pose leaves open (after Sharma et al. 2019, "Monocular 3D
 * human pose estimation by generation and ordinal ranking"; Li & Lee 2019 for the
 * multi-hypothesis view). Unlike the thesis β-VAE (vae.ts), whose decoder sees only z, this
 * decoder sees the 2D pose as well, so z has only the ambiguity left to code:
 *
 *   recognition q(z | x, y) = N(μ, diag σ²)   MLP on [x, y] [B, in + out] → μ, log σ² [B, K]
 *   decoder     p(y | x, z)                    Martinez backbone on [x, z] [B, in + K] → ŷ [B, out]
 *   prior       p(z) = N(0, I)                 at test time (x reaches the decoder directly)
 *
 * Training, with z = μ + σ ε and D = output size:
 *   recon = mean over batch and elements of (ŷ − y)²
 *   KL    = mean over batch of −½ Σ_k (1 + log σ²_k − μ_k² − σ²_k)
 *   loss  = recon + β · KL / D          (the β-VAE's normalization, so β means the same)
 * Inference: predict(x) = dec(x, 0), the prior's mode; hypothesis k = dec(x, ε_k), ε_k ~ N(0, I)
 * seeded by (seed, first + k), so hypotheses are the same however they are batched.
 *
 * Both networks take the config's hidden, layers, residual and batch norm. The decoder alone
 * takes dropout and max-norm (they are the baseline's regularizers of the predictor); the
 * recognition network runs without dropout, whose noise on μ and log σ² would only add
 * variance to the decoder's input, and it is not needed at test time. Its heads start at zero, so
 * q starts as the prior (KL = 0): random heads let μ grow unchecked while β warms up from 0 (see
 * DEFAULT_CVAE_CONFIG in lib/train/config.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { klDivergence, meanSquaredError, reparameterize } from "../nn/losses";
import { type ApplyOptions, Mlp } from "../nn/mlp";
import { Adam } from "../nn/optim";
import type { Step } from "../nn/trainable";
import { parameterCountOf } from "./encoder-decoder";
import { assertInput, type LiftBatch, type Lifter, type LifterOptions } from "./lifter";
import { supervisedTrainStep } from "./supervised";

export class CvaeLifter implements Lifter {
  readonly kind = "cvae" as const;
  readonly variational = true;
  /** q(z | x, y): [x, y] → (μ, log σ²). Used in training only. */
  readonly encoder: Mlp;
  /** p(y | x, z): [x, z] → ŷ. */
  readonly decoder: Mlp;
  readonly parts: { encoder: Mlp; decoder: Mlp };
  readonly optimizers: { adam: Adam };
  readonly steps: Step<LiftBatch>[];

  constructor(
    readonly opts: LifterOptions,
    seed: number,
  ) {
    const { inputDim, outputDim, latentDim, hidden, layers, residual, batchNorm, dropout } = opts;
    if (!(latentDim >= 1)) throw new Error(`cvae: latentDim must be ≥ 1, got ${latentDim}`);
    const common = { hidden, layers, residual, batchNorm };
    this.encoder = new Mlp(
      { ...common, dropout: 0, inputDim: inputDim + outputDim, heads: [latentDim, latentDim] },
      "encoder",
      seed,
    );
    // The recognition heads start at zero: q(z | x, y) = N(0, I), the prior, so training starts at
    // KL = 0 and z carries information only as fast as it pays for itself.
    tf.tidy(() => {
      for (const h of this.encoder.heads) {
        h.W.assign(tf.zerosLike(h.W));
        h.b.assign(tf.zerosLike(h.b));
      }
    });
    this.decoder = new Mlp(
      { ...common, dropout, inputDim: inputDim + latentDim, heads: [outputDim] },
      "decoder",
      seed + 1,
    );
    this.parts = { encoder: this.encoder, decoder: this.decoder };
    this.optimizers = { adam: new Adam([...this.encoder.trainable(), ...this.decoder.trainable()]) };
    this.steps = [
      supervisedTrainStep(this.optimizers.adam, [this.decoder], opts, ({ x, y }, ctx, bnStats) => {
        const l = this.loss(x, y, ctx.values.beta ?? 0, { training: true, stepSeed: ctx.seed, bnStats });
        return { loss: l.total, terms: l.terms };
      }),
    ];
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

  /**
   * Loss for a batch x [B, in], y [B, out]: the total and its terms `recon` and `kl`. In
   * training mode z = μ + σ ε (ε seeded by the step), else z = μ.
   */
  loss(
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    beta: number,
    o: ApplyOptions,
  ): { total: tf.Scalar; terms: { recon: tf.Scalar; kl: tf.Scalar } } {
    assertInput(x, this.inputDim, "cvae.loss x");
    assertInput(y, this.outputDim, "cvae.loss y");
    const [mu, logvar] = this.encoder.apply(tf.concat([x, y], 1), o);
    const z = o.training ? reparameterize(mu, logvar, (o.stepSeed ?? 0) * 7 + 3) : mu;
    const recon = meanSquaredError(this.decoder.apply(tf.concat([x, z], 1), o)[0], y);
    const kl = tf.mean(klDivergence(mu, logvar)) as tf.Scalar;
    const total = tf.add(recon, tf.mul(kl, beta / this.outputDim)) as tf.Scalar;
    return { total, terms: { recon, kl } };
  }

  /** The recognition posterior q(z | x, y), inference mode: [μ, log σ²], each [B, K]. */
  posterior(x: tf.Tensor2D, y: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    assertInput(x, this.inputDim, "cvae.posterior x");
    assertInput(y, this.outputDim, "cvae.posterior y");
    return tf.tidy(() => {
      const [mu, logvar] = this.encoder.apply(tf.concat([x, y], 1), { training: false });
      return [mu, logvar] as [tf.Tensor2D, tf.Tensor2D];
    });
  }

  /** ŷ = dec(x, z) [B, out] for x [B, in] and z [B, K], inference mode. */
  decode(x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "cvae.decode x");
    if (z.rank !== 2 || z.shape[0] !== x.shape[0] || z.shape[1] !== this.latentDim)
      throw new Error(`cvae.decode: expected z [${x.shape[0]}, ${this.latentDim}], got [${z.shape}]`);
    return tf.tidy(() => this.decoder.apply(tf.concat([x, z], 1), { training: false })[0]);
  }

  /** dec(x, 0): the prediction at the prior's mode. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "cvae.predict");
    return tf.tidy(() => this.decode(x, tf.zeros([x.shape[0], this.latentDim])));
  }

  encodeMean(): tf.Tensor2D {
    throw new Error(
      "cvae.encodeMean: the CVAE's latent codes what the 2D pose leaves open, so its posterior needs the 3D pose " +
        "as well: use posterior(x, y); at test time z comes from the prior N(0, I)",
    );
  }

  /** Hypotheses first..first+n−1 [B, out]: dec(x, ε_k) with ε_k ~ N(0, I) seeded by seed·1009 + first + k. */
  sample(x: tf.Tensor2D, n: number, seed: number, first = 0): tf.Tensor2D[] {
    assertInput(x, this.inputDim, "cvae.sample");
    return tf.tidy(() =>
      Array.from({ length: n }, (_, k) =>
        this.decode(x, tf.randomNormal([x.shape[0], this.latentDim], 0, 1, "float32", seed * 1009 + first + k)),
      ),
    );
  }

  /** Trainable parameters of both networks (the exported inference graph holds the decoder's only). */
  parameterCount(): number {
    return parameterCountOf(this.encoder, this.decoder);
  }

  /**
   * The inference graph 2D → dec(x, 0) as a tf.LayersModel. z = 0 enters as a frozen all-zero
   * Dense of the input (x·0 = 0), so the exported model takes the 2D pose alone.
   */
  toLayersModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.inputDim], name: "pose2d" });
    const zero = tf.layers.dense({
      units: this.latentDim,
      useBias: false,
      kernelInitializer: "zeros",
      trainable: false,
      name: "z_prior_mode",
    });
    const z = zero.apply(input) as tf.SymbolicTensor;
    const xz = tf.layers.concatenate({ name: "pose2d_z" }).apply([input, z]) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: this.decoder.toLayers(xz, "dec")[0], name: "hpe3d_cvae" });
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizers.adam.dispose();
  }
}
