/**
 * A plain autoencoder lifter: the β-VAE's architecture with a single encoder head and
 * z = μ (no sampling, no KL). Loss: mean squared error of the 3D output.
 */
import type * as tf from "@tensorflow/tfjs";
import { meanSquaredError } from "../nn/losses";
import type { ApplyOptions } from "../nn/mlp";
import { EncoderDecoderLifter } from "./encoder-decoder";
import type { LifterOptions } from "./lifter";

export class AutoencoderLifter extends EncoderDecoderLifter {
  readonly kind = "ae" as const;
  readonly variational = false;

  constructor(opts: LifterOptions, seed: number) {
    super(opts, [opts.latentDim], seed);
  }

  loss(x: tf.Tensor2D, y: tf.Tensor2D, _beta: number, o: ApplyOptions) {
    const recon = meanSquaredError(this.decoder.apply(this.encoder.apply(x, o)[0], o)[0], y);
    return { total: recon, terms: { recon } };
  }

  sample(): tf.Tensor2D[] {
    throw new Error("ae is deterministic: sampling hypotheses needs the β-VAE");
  }
}
