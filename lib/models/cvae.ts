/**
 * A conditional VAE lifter, built to beat the deterministic baseline while sampling
 * hypotheses that cover what the 2D pose leaves open (after Sharma et al. 2019, "Monocular 3D
 * human pose estimation by generation and ordinal ranking"; Li & Lee 2019 for the
 * multi-hypothesis view). Unlike the thesis β-VAE (vae.ts), whose decoder sees only z, this
 * decoder sees the 2D pose, so z has only the ambiguity left to code. z enters late, after the
 * 2D pose has gone through the baseline's network, so a hypothesis costs a small network, not a
 * whole decoder:
 *
 *   trunk        h = T(x) [B, H], m = W h + b [B, out]   the Martinez network on the 2D pose
 *   context      c = [x, m] ("pose") or c = h ("features")  what G sees besides z (hypothesisInput)
 *   hypotheses   dec(x, z) = m + G([c, z]) − G([c, 0])    G: 2 layers [C + K] → out
 *   recognition  q(z | x, y) = N(μ, diag σ²)             2 layers on [x, y] → μ, log σ² [B, K]
 *   prior        p(z) = N(0, I)                          at test time
 *
 * Training, with D = output size and e(ŷ) = mean over batch and elements of (ŷ − y)²:
 *   mode  = e(dec(x, 0)) = e(m)                          the single prediction: the baseline's loss
 *   recon = e(dec(x, z)), z = μ + σ ε                    the ELBO's reconstruction
 *   KL    = mean over batch of −½ Σ_k (1 + log σ²_k − μ_k² − σ²_k)
 *   bom   = best-of-many over S prior samples ε_s ~ N(0, I) (lib/nn/losses.ts bestOfManyLoss)
 *   loss  = modeWeight · mode + recon + β · KL / D + bestOfManyWeight · bom
 * The first design (z at the input of a whole Martinez decoder, recon + β·KL only) lost 6 mm P1 to
 * the baseline at z = 0 and needed 20 samples to beat it: nothing made dec(x, 0) a good
 * prediction, and nothing asked samples of the prior, rather than of the posterior, to land on the
 * answer. `mode` and `bom` ask exactly that; recon + KL keep z a code of the 3D pose that the
 * prior covers, so that hypotheses which never win stay poses. A second design had dec(x, z) =
 * m + G([h, z]), without the − G([h, 0]): it lost the same 6 mm at z = 0 in the full profile. G is
 * nonlinear and trained on features h under dropout, so at test time, without dropout, its output
 * is off what it learned; the linear head m is not (dropout keeps E[h]). Subtracting G([h, 0])
 * makes z = 0 exactly m, the baseline's prediction from the baseline's loss, and G only spreads.
 * G first saw the trunk's features h (hypothesisInput "features"); it now sees the 2D pose and the
 * single prediction, [x, m], with m's gradient stopped there ("pose"). On the validation split at
 * medium scale (every 4th training frame, 20 epochs) that gained 3 mm P1 both at best-of-10 (38.0 →
 * 35.1) and at z = 0 (46.5 → 43.5): G's input no longer carries the trunk's dropout noise in
 * training, and G's terms no longer pull the trunk's features away from m. On [x, m], G also
 * gains from width (1024 units: best-of-10 30.3), where on the features it did not (39.0). G then
 * does more than spread: for a typical z it corrects m, and one random hypothesis beats z = 0 (full
 * profile, test split: 35.7 against 41.0 mm P1), while z = 0 stays m.
 *
 * Inference: predict(x) = dec(x, 0) = m, the prior's mode; hypothesis k = dec(x, ε_k), ε_k ~ N(0, I)
 * seeded by (seed, first + k), so hypotheses are the same however they are batched.
 *
 * The trunk takes the config's hidden, layers, residual, batch norm, dropout and max-norm (the
 * baseline's). The recognition and hypothesis networks have 2 layers of `hypothesisHidden` units, no batch
 * norm and no dropout (dropout noise on μ, log σ² or a hypothesis would only blur them). Their
 * output layers start at zero: q starts as the prior (KL = 0) and G at 0.
 */
import * as tf from "@tensorflow/tfjs";
import { bestOfManyLoss, klDivergence, meanSquaredError, reparameterize, stopGradient } from "../nn/losses";
import { type ApplyOptions, Mlp } from "../nn/mlp";
import { Adam } from "../nn/optim";
import type { Step } from "../nn/trainable";
import { parameterCountOf } from "./encoder-decoder";
import {
  assertInput,
  type CvaeOptions,
  HYPOTHESIS_INPUTS,
  type LiftBatch,
  type Lifter,
  type LifterOptions,
} from "./lifter";
import { supervisedTrainStep } from "./supervised";

/** The options a CVAE takes when its LifterOptions leave them out (the cvae preset's). */
export const DEFAULT_CVAE_OPTIONS: CvaeOptions = {
  modeWeight: 1,
  bestOfMany: 8,
  bestOfManyWeight: 1,
  hypothesisHidden: 1024,
  hypothesisInput: "pose",
};

/** ρ of the relaxed best-of-many term: the share of the loss that every sample gets. */
export const BEST_OF_MANY_RELAX = 0.05;

export class CvaeLifter implements Lifter {
  readonly kind = "cvae" as const;
  readonly variational = true;
  /** The third design (module comment): checkpoints of the second, with the same shapes, are refused. */
  readonly design = "3: dec(x, z) = m + G([c, z]) − G([c, 0])";
  /** q(z | x, y): [x, y] → (μ, log σ²). Used in training only. */
  readonly encoder: Mlp;
  /** T and m: x → h (features), m (head). */
  readonly trunk: Mlp;
  /** G: [h, z] → the hypothesis' offset from m is G([h, z]) − G([h, 0]). */
  readonly hypotheses: Mlp;
  readonly parts: { encoder: Mlp; trunk: Mlp; hypotheses: Mlp };
  readonly optimizers: { adam: Adam };
  readonly steps: Step<LiftBatch>[];
  readonly cvae: CvaeOptions;

  constructor(
    readonly opts: LifterOptions,
    seed: number,
  ) {
    const { inputDim, outputDim, latentDim, hidden, layers, residual, batchNorm, dropout } = opts;
    if (!(latentDim >= 1)) throw new Error(`cvae: latentDim must be ≥ 1, got ${latentDim}`);
    this.cvae = { ...DEFAULT_CVAE_OPTIONS, ...opts.cvae };
    const { hypothesisHidden, bestOfMany } = this.cvae;
    if (!(Number.isInteger(hypothesisHidden) && hypothesisHidden >= 1))
      throw new Error(`cvae: hypothesisHidden must be a whole number ≥ 1, got ${hypothesisHidden}`);
    if (!(Number.isInteger(bestOfMany) && bestOfMany >= 0))
      throw new Error(`cvae: bestOfMany must be a whole number ≥ 0, got ${bestOfMany}`);
    const small = { hidden: hypothesisHidden, layers: 2, residual: false, batchNorm: false, dropout: 0 };
    this.encoder = new Mlp(
      { ...small, inputDim: inputDim + outputDim, heads: [latentDim, latentDim] },
      "encoder",
      seed,
    );
    this.trunk = new Mlp(
      { hidden, layers, residual, batchNorm, dropout, inputDim, heads: [outputDim] },
      "trunk",
      seed + 1,
    );
    if (!HYPOTHESIS_INPUTS.includes(this.cvae.hypothesisInput))
      throw new Error(
        `cvae: hypothesisInput must be one of ${HYPOTHESIS_INPUTS.join(", ")}, got ${this.cvae.hypothesisInput}`,
      );
    const contextDim = this.cvae.hypothesisInput === "pose" ? inputDim + outputDim : hidden;
    this.hypotheses = new Mlp(
      { ...small, inputDim: contextDim + latentDim, heads: [outputDim] },
      "hypotheses",
      seed + 2,
    );
    // Output layers at zero: q(z | x, y) = N(0, I), the prior, so training starts at KL = 0 and z
    // carries information only as fast as it pays for itself; every hypothesis starts as m.
    tf.tidy(() => {
      for (const h of [...this.encoder.heads, ...this.hypotheses.heads]) {
        h.W.assign(tf.zerosLike(h.W));
        h.b.assign(tf.zerosLike(h.b));
      }
    });
    this.parts = { encoder: this.encoder, trunk: this.trunk, hypotheses: this.hypotheses };
    this.optimizers = {
      adam: new Adam([...this.encoder.trainable(), ...this.trunk.trainable(), ...this.hypotheses.trainable()]),
    };
    this.steps = [
      supervisedTrainStep(this.optimizers.adam, [this.trunk], opts, ({ x, y }, ctx, bnStats) => {
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
   * What G sees besides z: the trunk's features h ("features"), or the 2D pose and the single
   * prediction [x, m] ("pose"; m without gradient, so G's terms leave the single prediction to `mode`).
   */
  private contextOf(x: tf.Tensor2D, h: tf.Tensor2D, m: tf.Tensor2D): tf.Tensor2D {
    return this.cvae.hypothesisInput === "pose" ? tf.concat([x, stopGradient(m) as tf.Tensor2D], 1) : h;
  }

  /**
   * dec = m + G([c, z]) − G([c, 0]) for G's context c [B, C] (contextOf), trunk output m [B, out] and
   * latents z [R·B, K] (R latents per example, in R blocks of B rows): [R·B, out]. G's first layer is
   * linear in [c, z], so c·W_c is computed once per example (it is G's first product at z = 0) and only
   * z·W_z per row: a hypothesis costs G's small layers, not a product with the trunk's H features.
   */
  private offsetsFor(c: tf.Tensor2D, m: tf.Tensor2D, z: tf.Tensor2D, o: ApplyOptions): tf.Tensor2D {
    const B = c.shape[0],
      C = c.shape[1],
      K = this.latentDim;
    const R = z.shape[0] / B;
    const W = this.hypotheses.hiddenLayers[0].W as tf.Tensor2D;
    const cPart = tf.matMul(c, tf.slice(W, [0, 0], [C, -1])) as tf.Tensor2D;
    const g = (product: tf.Tensor2D) => this.hypotheses.applyHeads(this.hypotheses.featuresFromStem(product, o))[0];
    const offset = g(tf.add(tf.tile(cPart, [R, 1]), tf.matMul(z, tf.slice(W, [C, 0], [K, -1]))) as tf.Tensor2D);
    return tf.add(tf.tile(tf.sub(m, g(cPart)) as tf.Tensor2D, [R, 1]), offset) as tf.Tensor2D;
  }

  /**
   * Loss for a batch x [B, in], y [B, out]: the total and its terms `mode`, `recon`, `kl` and (when
   * bestOfMany > 0) `bom`. In training mode z = μ + σ ε and the S prior samples are seeded by the
   * step; else z = μ and the prior samples use seed 0.
   */
  loss(
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    beta: number,
    o: ApplyOptions,
  ): { total: tf.Scalar; terms: Record<"mode" | "recon" | "kl", tf.Scalar> & { bom?: tf.Scalar } } {
    assertInput(x, this.inputDim, "cvae.loss x");
    assertInput(y, this.outputDim, "cvae.loss y");
    const { modeWeight, bestOfMany: S, bestOfManyWeight } = this.cvae;
    const B = x.shape[0],
      K = this.latentDim,
      D = this.outputDim;
    const seed = o.stepSeed ?? 0;
    const [mu, logvar] = this.encoder.apply(tf.concat([x, y], 1), o);
    const zq = o.training ? reparameterize(mu, logvar, seed * 7 + 3) : mu;
    const h = this.trunk.features(x, o);
    const [m] = this.trunk.applyHeads(h);
    // One pass of G over all latent rows: z ~ q (B rows) and S prior samples (S·B rows). dec(x, 0) = m.
    const zs = [zq];
    if (S > 0) zs.push(tf.randomNormal([S * B, K], 0, 1, "float32", seed * 7 + 5) as tf.Tensor2D);
    const all = this.offsetsFor(this.contextOf(x, h, m), m, tf.concat(zs, 0), o);
    const mode = meanSquaredError(m, y);
    const recon = meanSquaredError(tf.slice(all, [0, 0], [B, D]), y);
    const kl = tf.mean(klDivergence(mu, logvar)) as tf.Scalar;
    let total = tf.addN([tf.mul(mode, modeWeight), recon, tf.mul(kl, beta / D)]) as tf.Scalar;
    if (S === 0) return { total, terms: { mode, recon, kl } };
    const prior = tf.reshape(tf.slice(all, [B, 0], [S * B, D]), [S, B, D]) as tf.Tensor3D;
    const bom = bestOfManyLoss(prior, y, BEST_OF_MANY_RELAX);
    total = tf.add(total, tf.mul(bom, bestOfManyWeight)) as tf.Scalar;
    return { total, terms: { mode, recon, kl, bom } };
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
    return tf.tidy(() => {
      const h = this.trunk.features(x, { training: false });
      const [m] = this.trunk.applyHeads(h);
      return this.offsetsFor(this.contextOf(x, h, m), m, z, { training: false });
    });
  }

  /** dec(x, 0) = m: the prediction at the prior's mode. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "cvae.predict");
    return tf.tidy(() => this.trunk.apply(x, { training: false })[0]);
  }

  encodeMean(): tf.Tensor2D {
    throw new Error(
      "cvae.encodeMean: the CVAE's latent codes what the 2D pose leaves open, so its posterior needs the 3D pose " +
        "as well: use posterior(x, y); at test time z comes from the prior N(0, I)",
    );
  }

  /**
   * Hypotheses first..first+n−1 [B, out]: dec(x, ε_k) with ε_k ~ N(0, I) seeded by seed·1009 + first + k.
   * The trunk runs once for all of them.
   */
  sample(x: tf.Tensor2D, n: number, seed: number, first = 0): tf.Tensor2D[] {
    assertInput(x, this.inputDim, "cvae.sample");
    return tf.tidy(() => {
      const h = this.trunk.features(x, { training: false });
      const [m] = this.trunk.applyHeads(h);
      const c = this.contextOf(x, h, m);
      return Array.from({ length: n }, (_, k) =>
        this.offsetsFor(c, m, tf.randomNormal([x.shape[0], this.latentDim], 0, 1, "float32", seed * 1009 + first + k), {
          training: false,
        }),
      );
    });
  }

  /** Trainable parameters of the three networks (the exported inference graph holds the trunk's). */
  parameterCount(): number {
    return parameterCountOf(this.encoder, this.trunk, this.hypotheses);
  }

  /** The inference graph 2D → dec(x, 0) = m as a tf.LayersModel: the trunk alone (G cancels at z = 0). */
  toLayersModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.inputDim], name: "pose2d" });
    return tf.model({ inputs: input, outputs: this.trunk.toLayers(input, "trunk")[0], name: "hpe3d_cvae" });
  }

  dispose(): void {
    this.encoder.dispose();
    this.trunk.dispose();
    this.hypotheses.dispose();
    this.optimizers.adam.dispose();
  }
}
