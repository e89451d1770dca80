/**
 * The deterministic baseline of Martinez et al. (2017): one MLP 2D → 3D (1024 units, a stem
 * and residual blocks with batch norm, dropout 0.5, max-norm 1). Loss: mean squared error.
 */
import * as tf from "@tensorflow/tfjs";
import { meanSquaredError } from "../nn/losses";
import { Mlp } from "../nn/mlp";
import { Adam } from "../nn/optim";
import type { Step } from "../nn/trainable";
import { assertInput, type LiftBatch, type Lifter, type LifterOptions } from "./lifter";
import { supervisedTrainStep } from "./supervised";

export class BaselineLifter implements Lifter {
  readonly kind = "baseline" as const;
  readonly variational = false;
  readonly latentDim = 0;
  readonly net: Mlp;
  readonly parts: { net: Mlp };
  readonly optimizers: { adam: Adam };
  readonly steps: Step<LiftBatch>[];

  constructor(
    readonly opts: LifterOptions,
    seed: number,
  ) {
    const { inputDim, outputDim, hidden, layers, residual, batchNorm, dropout } = opts;
    this.net = new Mlp(
      { inputDim, hidden, layers, residual, batchNorm, dropout, heads: [outputDim] },
      "baseline",
      seed,
    );
    this.parts = { net: this.net };
    this.optimizers = { adam: new Adam(this.net.trainable()) };
    this.steps = [
      supervisedTrainStep(this.optimizers.adam, [this.net], opts, ({ x, y }, ctx, bnStats) => ({
        loss: meanSquaredError(this.net.apply(x, { training: true, stepSeed: ctx.seed, bnStats })[0], y),
      })),
    ];
  }

  get inputDim(): number {
    return this.opts.inputDim;
  }

  get outputDim(): number {
    return this.opts.outputDim;
  }

  predict(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "baseline.predict");
    return tf.tidy(() => this.net.apply(x, { training: false })[0]);
  }

  encodeMean(): tf.Tensor2D {
    throw new Error("the baseline has no latent space");
  }

  sample(): tf.Tensor2D[] {
    throw new Error("baseline is deterministic: sampling hypotheses needs the β-VAE");
  }

  parameterCount(): number {
    return this.net.trainable().reduce((s, v) => s + v.size, 0);
  }

  toLayersModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.inputDim], name: "pose2d" });
    return tf.model({ inputs: input, outputs: this.net.toLayers(input, "net")[0], name: "hpe3d_baseline" });
  }

  dispose(): void {
    this.net.dispose();
    this.optimizers.adam.dispose();
  }
}
