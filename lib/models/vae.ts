/**
 * The thesis β-VAE lifter: an MLP encoder 2D → (μ, log σ²), z = μ + σ ε, an MLP decoder
 * z → 3D. Loss per batch, with D = output size (48):
 *   recon = mean over batch and elements of (ŷ − y)²
 *   KL    = mean over batch of −½ Σ_k (1 + log σ²_k − μ_k² − σ²_k)
 *   loss  = recon + β · KL / D          (KL normalized by the number of output elements)
 */
import * as tf from "@tensorflow/tfjs";
import { klDivergence, meanSquaredError } from "../nn/losses";
import type { ApplyOptions } from "../nn/mlp";
import { decodeSamples, EncoderDecoderLifter } from "./encoder-decoder";
import { assertInput, type LifterOptions } from "./lifter";

export class VaeLifter extends EncoderDecoderLifter {
  readonly kind = "beta-vae" as const;
  readonly variational = true;

  constructor(opts: LifterOptions, seed: number) {
    super(opts, [opts.latentDim, opts.latentDim], seed);
  }

  loss(x: tf.Tensor2D, y: tf.Tensor2D, beta: number, o: ApplyOptions) {
    const [mu, logvar] = this.encoder.apply(x, o);
    let z = mu;
    if (o.training) {
      const eps = tf.randomNormal(mu.shape, 0, 1, "float32", (o.stepSeed ?? 0) * 7 + 3);
      z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D;
    }
    const recon = meanSquaredError(this.decoder.apply(z, o)[0], y);
    const kl = tf.mean(klDivergence(mu, logvar)) as tf.Scalar;
    const total = tf.add(recon, tf.mul(kl, beta / this.outputDim)) as tf.Scalar;
    return { total, terms: { recon, kl } };
  }

  sample(x: tf.Tensor2D, n: number, seed: number, first = 0): tf.Tensor2D[] {
    assertInput(x, this.inputDim, "beta-vae.sample");
    return decodeSamples(this.encoder, this.decoder, x, n, seed, first);
  }
}
