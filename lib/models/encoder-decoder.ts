/**
 * What the β-VAE and the autoencoder share: an MLP encoder x → latent heads and an MLP
 * decoder z → y, one Adam over both, and the inference paths. Subclasses define the loss
 * (and sampling); see vae.ts and ae.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { type ApplyOptions, type BnStats, Mlp } from "../nn/mlp";
import { Adam } from "../nn/optim";
import type { Step } from "../nn/trainable";
import { assertInput, type LiftBatch, type Lifter, type LifterOptions, type ModelKind } from "./lifter";
import { supervisedTrainStep } from "./supervised";

/** ŷ = dec(μ(x)): the deterministic prediction of an encoder–decoder lifter, inference mode. */
export function decodeMean(encoder: Mlp, decoder: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => decoder.apply(encoder.apply(x, { training: false })[0], { training: false })[0]);
}

/**
 * N hypotheses dec(μ + σ ε_k) from an encoder with μ and log σ² heads, seeded: hypothesis k
 * uses seed·1009 + first + k, so hypotheses are the same however they are batched.
 */
export function decodeSamples(
  encoder: Mlp,
  decoder: Mlp,
  x: tf.Tensor2D,
  n: number,
  seed: number,
  first = 0,
): tf.Tensor2D[] {
  return tf.tidy(() => {
    const [mu, logvar] = encoder.apply(x, { training: false });
    const sigma = tf.exp(tf.mul(logvar, 0.5));
    return Array.from({ length: n }, (_, i) => {
      const eps = tf.randomNormal(mu.shape, 0, 1, "float32", seed * 1009 + first + i);
      return decoder.apply(tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D, { training: false })[0];
    });
  });
}

/** The inference graph 2D → μ → 3D as a tf.LayersModel with the trained weights. */
export function encoderDecoderLayersModel(encoder: Mlp, decoder: Mlp, inputDim: number, kind: string): tf.LayersModel {
  const input = tf.input({ shape: [inputDim], name: "pose2d" });
  const mu = encoder.toLayers(input, "enc")[0];
  return tf.model({ inputs: input, outputs: decoder.toLayers(mu, "dec")[0], name: `hpe3d_${kind}` });
}

/** Trainable parameters of some networks. */
export function parameterCountOf(...nets: Mlp[]): number {
  return nets.flatMap((m) => m.trainable()).reduce((s, v) => s + v.size, 0);
}

export abstract class EncoderDecoderLifter implements Lifter {
  abstract readonly kind: ModelKind;
  abstract readonly variational: boolean;
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  readonly parts: { encoder: Mlp; decoder: Mlp };
  readonly optimizers: { adam: Adam };
  readonly steps: Step<LiftBatch>[];

  /** `heads`: encoder output sizes ([latent] for z = μ; [latent, latent] for μ and log σ²). */
  protected constructor(
    readonly opts: LifterOptions,
    heads: number[],
    seed: number,
  ) {
    const common = {
      hidden: opts.hidden,
      layers: opts.layers,
      residual: opts.residual,
      batchNorm: opts.batchNorm,
      dropout: opts.dropout,
    };
    this.encoder = new Mlp({ ...common, inputDim: opts.inputDim, heads }, "encoder", seed);
    this.decoder = new Mlp({ ...common, inputDim: opts.latentDim, heads: [opts.outputDim] }, "decoder", seed + 1);
    this.parts = { encoder: this.encoder, decoder: this.decoder };
    this.optimizers = { adam: new Adam([...this.encoder.trainable(), ...this.decoder.trainable()]) };
    this.steps = [
      supervisedTrainStep(this.optimizers.adam, [this.encoder, this.decoder], opts, ({ x, y }, ctx, bnStats) => {
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

  /** Loss for a batch: the total, and its named terms. */
  abstract loss(
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    beta: number,
    o: ApplyOptions & { bnStats?: BnStats },
  ): { total: tf.Scalar; terms: Record<string, tf.Scalar> };

  abstract sample(x: tf.Tensor2D, n: number, seed: number, first?: number): tf.Tensor2D[];

  predict(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, `${this.kind}.predict`);
    return decodeMean(this.encoder, this.decoder, x);
  }

  encodeMean(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, `${this.kind}.encodeMean`);
    return tf.tidy(() => this.encoder.apply(x, { training: false })[0]);
  }

  parameterCount(): number {
    return parameterCountOf(this.encoder, this.decoder);
  }

  toLayersModel(): tf.LayersModel {
    return encoderDecoderLayersModel(this.encoder, this.decoder, this.inputDim, this.kind);
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizers.adam.dispose();
  }
}
