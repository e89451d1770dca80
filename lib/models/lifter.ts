/**
 * 2D → 3D lifters: the thesis β-VAE, a plain autoencoder (β = 0, z = μ) and the
 * deterministic baseline of Martinez et al. One interface for training and evaluation.
 *
 * β-VAE loss per batch (thesis): with D = output dimension (48),
 *   recon = mean over batch and elements of (ŷ − y)²
 *   KL    = mean over batch of −½ Σ_k (1 + log σ²_k − μ_k² − σ²_k)
 *   loss  = recon + β · KL / D          (KL normalized by the number of output elements)
 */
import * as tf from "@tensorflow/tfjs";
import type { TrainConfig } from "../train/config";
import { Mlp, type ApplyOptions, type MlpSpec } from "../nn/mlp";

export const MODEL_KINDS = ["beta-vae", "ae", "baseline"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Architecture options: the TrainConfig fields of the same names (documented in lib/config.ts), plus sizes. */
export interface LifterOptions extends Pick<TrainConfig, "hidden" | "layers" | "latentDim" | "residual" | "batchNorm" | "dropout"> {
  kind: ModelKind;
  inputDim: number;
  outputDim: number;
}

export interface LossTerms {
  total: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/** KL(q(z|x) ‖ N(0, I)) per sample [B]: −½ Σ_k (1 + log σ²_k − μ_k² − σ²_k). */
export function klDivergence(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar))), 1)) as tf.Tensor1D;
}

export class Lifter {
  readonly encoder?: Mlp;
  readonly decoder?: Mlp;
  readonly net?: Mlp;

  constructor(readonly opts: LifterOptions, seed: number) {
    const common = { hidden: opts.hidden, layers: opts.layers, residual: opts.residual, batchNorm: opts.batchNorm, dropout: opts.dropout };
    if (opts.kind === "baseline") {
      this.net = new Mlp({ ...common, inputDim: opts.inputDim, heads: [opts.outputDim] } as MlpSpec, "baseline", seed);
    } else {
      const heads = opts.kind === "beta-vae" ? [opts.latentDim, opts.latentDim] : [opts.latentDim];
      this.encoder = new Mlp({ ...common, inputDim: opts.inputDim, heads } as MlpSpec, "encoder", seed);
      this.decoder = new Mlp({ ...common, inputDim: opts.latentDim, heads: [opts.outputDim] } as MlpSpec, "decoder", seed + 1);
    }
  }

  get variational(): boolean {
    return this.opts.kind === "beta-vae";
  }

  private nets(): Mlp[] {
    return [this.net, this.encoder, this.decoder].filter((m): m is Mlp => m !== undefined);
  }

  trainable(): tf.Variable[] {
    return this.nets().flatMap((m) => m.trainable());
  }

  variables(): tf.Variable[] {
    return this.nets().flatMap((m) => m.variables());
  }

  parameterCount(): number {
    return this.trainable().reduce((s, v) => s + v.size, 0);
  }

  /** Latent mean μ and log-variance (AE: log-variance is undefined). */
  encode(x: tf.Tensor2D, o: ApplyOptions): { mu: tf.Tensor2D; logvar?: tf.Tensor2D } {
    if (!this.encoder) throw new Error("the baseline has no latent space");
    const [mu, logvar] = this.encoder.apply(x, o);
    return { mu, logvar };
  }

  /**
   * Forward pass for training: ŷ, and μ/log σ² for the KL term. The VAE samples
   * z = μ + σ ε with ε seeded by `stepSeed`.
   */
  forward(x: tf.Tensor2D, o: ApplyOptions): { y: tf.Tensor2D; mu?: tf.Tensor2D; logvar?: tf.Tensor2D } {
    if (this.net) return { y: this.net.apply(x, o)[0] };
    const { mu, logvar } = this.encode(x, o);
    let z = mu;
    if (this.variational && o.training) {
      const eps = tf.randomNormal(mu.shape, 0, 1, "float32", (o.stepSeed ?? 0) * 7 + 3);
      z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar!, 0.5)), eps)) as tf.Tensor2D;
    }
    return { y: this.decoder!.apply(z, o)[0], mu, logvar };
  }

  /** Loss terms for a batch (see the module comment). */
  loss(x: tf.Tensor2D, y: tf.Tensor2D, beta: number, o: ApplyOptions): LossTerms {
    const out = this.forward(x, o);
    const recon = tf.mean(tf.squaredDifference(out.y, y)) as tf.Scalar;
    if (!this.variational) return { total: recon, recon, kl: tf.scalar(0) };
    const kl = tf.mean(klDivergence(out.mu!, out.logvar!)) as tf.Scalar;
    const total = tf.add(recon, tf.mul(kl, beta / this.opts.outputDim)) as tf.Scalar;
    return { total, recon, kl };
  }

  /** Deterministic prediction (z = μ for the VAE/AE), batch inference mode. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forward(x, { training: false }).y);
  }

  /**
   * N hypotheses per input from z ~ q(z|x) (VAE only), seeded: hypothesis k uses its own
   * seed, so hypotheses first..first+n−1 are the same however they are batched.
   * Returns N tensors [B, D].
   */
  sample(x: tf.Tensor2D, n: number, seed: number, first = 0): tf.Tensor2D[] {
    if (!this.variational) throw new Error(`${this.opts.kind} is deterministic: sampling needs the β-VAE`);
    return tf.tidy(() => {
      const { mu, logvar } = this.encode(x, { training: false });
      const sigma = tf.exp(tf.mul(logvar!, 0.5));
      return Array.from({ length: n }, (_, i) => {
        const z = tf.add(mu, tf.mul(sigma, tf.randomNormal(mu.shape, 0, 1, "float32", seed * 1009 + first + i))) as tf.Tensor2D;
        return this.decoder!.apply(z, { training: false })[0];
      });
    });
  }

  applyMaxNorm(maxNorm: number): void {
    for (const m of this.nets()) m.applyMaxNorm(maxNorm);
  }

  /**
   * The inference model (2D → 3D; the VAE/AE decode z = μ) as a tf.LayersModel with the
   * trained weights, for saving in TF.js format.
   */
  toLayersModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.opts.inputDim], name: "pose2d" });
    let out: tf.SymbolicTensor;
    if (this.net) out = this.net.toLayers(input, "net")[0];
    else {
      const mu = this.encoder!.toLayers(input, "enc")[0];
      out = this.decoder!.toLayers(mu, "dec")[0];
    }
    return tf.model({ inputs: input, outputs: out, name: `hpe3d_${this.opts.kind}` });
  }

  dispose(): void {
    for (const m of this.nets()) m.dispose();
  }
}
