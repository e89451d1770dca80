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
import { supervisedStep } from "./supervised";

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
      {
        name: "train",
        run: ({ x, y }, ctx) =>
          supervisedStep(this.optimizers.adam, [this.encoder, this.decoder], opts.maxNorm, ctx.values.lr, (bnStats) => {
            const l = this.loss(x, y, ctx.values.beta ?? 0, { training: true, stepSeed: ctx.seed, bnStats });
            return { loss: l.total, terms: l.terms };
          }),
      },
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
    return tf.tidy(() => this.decoder.apply(this.encoder.apply(x, { training: false })[0], { training: false })[0]);
  }

  encodeMean(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, `${this.kind}.encodeMean`);
    return tf.tidy(() => this.encoder.apply(x, { training: false })[0]);
  }

  parameterCount(): number {
    return [...this.encoder.trainable(), ...this.decoder.trainable()].reduce((s, v) => s + v.size, 0);
  }

  toLayersModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.inputDim], name: "pose2d" });
    const mu = this.encoder.toLayers(input, "enc")[0];
    return tf.model({ inputs: input, outputs: this.decoder.toLayers(mu, "dec")[0], name: `hpe3d_${this.kind}` });
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.optimizers.adam.dispose();
  }
}
