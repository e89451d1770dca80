/**
 * A crossmodal VAE (after Spurr et al. 2018, as the thesis uses it): encoders of several modalities
 * map into ONE latent space, decoders map from it, and encoder→decoder pairs are trained in turn, so
 * a 3D pose can be decoded from an image or from a 2D pose.
 *
 * Encoders, each with μ and log σ² heads of size `latentDim`:
 *   - "img": a small residual CNN in the spirit of ResNet-18 (no pretrained weights: none are available
 *     offline): conv3×3/2–BN–ReLU, residual blocks (c0, stride 1), (c1, stride 2), (c2, stride 2),
 *     global average pool, two dense heads;
 *   - "2d": the MLP of notebook 02 (lib/nn/mlp.ts), normalized 2D pose [B, 32] → heads;
 *   - "3d": the same MLP on the normalized 3D pose [B, 48] (for 3D→3D).
 * Decoders:
 *   - "3d": MLP z → [B, 48] (normalized root-relative 3D pose);
 *   - "img": dense z → [s/16, s/16, C0], four transposed convs (k4, stride 2) each with BN and ReLU,
 *     then a 3×3 conv to RGB with Tanh: five conv layers, as the thesis describes. Output [B, s, s, 3]
 *     in [−1, 1], like lib/data/render.ts's "signed" images.
 *
 * Loss of a pair (enc → dec), B samples, D = the decoder's elements per sample (48 for 3D, s·s·3 for
 * images), KL_b = −½ Σ_k (1 + log σ²_bk − μ_bk² − σ²_bk):
 *   recon = mean |x̂ − x| (images, L1)  or  mean (x̂ − x)² (3D, MSE)
 *   loss  = recon + β · Σ_b KL_b / (B · D)            (the KL normalized by the element count)
 * Optimizers: one Adam per pair over its encoder's and decoder's variables (the thesis author's code
 * does this), so a part shared by two pairs is moved by two optimizers with their own moments.
 * Schedules: "alternate" — every pair is active and they take consecutive batches in a cycle;
 * "epoch" — one pair per epoch in turn (epoch % nPairs === k), as the thesis author's code does.
 */
import * as tf from "@tensorflow/tfjs";
import {
  BatchNorm,
  Conv2d,
  type ConvApplyOptions,
  type ConvBnStats,
  ConvTranspose2d,
  Dense,
  ParamStore,
  ResidualBlock,
  updateMovingStats,
} from "../nn/conv";
import { klDivergence, reparameterize } from "../nn/losses";
import { Mlp } from "../nn/mlp";
import { Adam, minimize, type Optimizer } from "../nn/optim";
import type { Part, Step, Trainable } from "../nn/trainable";

export const ENCODERS = ["2d", "img", "3d"] as const;
export type EncoderName = (typeof ENCODERS)[number];
export const DECODERS = ["3d", "img"] as const;
export type DecoderName = (typeof DECODERS)[number];
export const PAIRS = ["2d-3d", "img-3d", "img-img", "2d-img", "3d-3d"] as const;
export type PairName = (typeof PAIRS)[number];
export type PairSchedule = "alternate" | "epoch";

export function pairParts(p: PairName): { enc: EncoderName; dec: DecoderName } {
  const [enc, dec] = p.split("-") as [EncoderName, DecoderName];
  return { enc, dec };
}

export interface CrossmodalOptions {
  /** Image side in pixels (a multiple of 16). */
  imageSize: number;
  latentDim: number;
  /** Normalized 2D input size (32 for the thesis input) and 3D output size (48). */
  dim2d: number;
  dim3d: number;
  /** Units and layers of the pose MLPs (2D/3D encoders, 3D decoder). */
  hidden: number;
  layers: number;
  /** Image encoder widths [c0, c1, c2]. */
  encoderChannels: number[];
  /** Image decoder widths after each transposed conv [C1, C2, C3, C4]; the dense layer outputs C1·2 channels. */
  decoderChannels: number[];
  pairs: PairName[];
  schedule: PairSchedule;
  /** KL weight (the KL is already divided by the decoder's element count). */
  beta: number;
  lr: number;
}

/** A batch: normalized 2D inputs, normalized 3D targets, and rendered images of the same samples. */
export type CrossmodalBatch = { x2d: tf.Tensor2D; y3d: tf.Tensor2D; img: tf.Tensor4D };

/**
 * The loss of one pair. `pred`/`target` [B, …]; μ, log σ² [B, K]. Returns device scalars:
 * recon (L1 for "l1", MSE for "mse"), kl (mean KL per sample, nats) and loss = recon + β·ΣKL/(B·D).
 */
export function pairLoss(
  kind: "l1" | "mse",
  pred: tf.Tensor,
  target: tf.Tensor,
  mu: tf.Tensor2D,
  logvar: tf.Tensor2D,
  beta: number,
) {
  if (pred.shape.join() !== target.shape.join())
    throw new Error(`pairLoss: prediction [${pred.shape}] and target [${target.shape}] differ`);
  if (mu.shape[0] !== pred.shape[0])
    throw new Error(`pairLoss: μ [${mu.shape}] and prediction [${pred.shape}] differ in batch size`);
  const diff = tf.sub(pred, target);
  const recon = tf.mean(kind === "l1" ? tf.abs(diff) : tf.square(diff)) as tf.Scalar;
  const klPer = klDivergence(mu, logvar);
  const kl = tf.mean(klPer) as tf.Scalar;
  const klNorm = tf.div(tf.sum(klPer), pred.size) as tf.Scalar; // Σ_b KL_b / (B · D)
  const loss = tf.add(recon, tf.mul(klNorm, beta)) as tf.Scalar;
  return { loss, recon, kl, klNorm };
}

class ImageEncoder extends ParamStore {
  private readonly stem: Conv2d;
  private readonly stemBn: BatchNorm;
  private readonly blocks: ResidualBlock[];
  private readonly mu: Dense;
  private readonly logvar: Dense;

  constructor(
    readonly size: number,
    channels: number[],
    latent: number,
    seed: number,
  ) {
    super("enc_img", seed);
    if (channels.length !== 3) throw new Error(`enc_img: encoderChannels must have 3 widths, got ${channels.length}`);
    const [c0, c1, c2] = channels;
    this.stem = new Conv2d(this, "stem", 3, c0, 3, 2, false);
    this.stemBn = new BatchNorm(this, "stem_bn", c0);
    this.blocks = [
      new ResidualBlock(this, "block1", c0, c0, 1),
      new ResidualBlock(this, "block2", c0, c1, 2),
      new ResidualBlock(this, "block3", c1, c2, 2),
    ];
    this.mu = new Dense(this, "mu", c2, latent);
    this.logvar = new Dense(this, "logvar", c2, latent);
  }

  /** img [B, s, s, 3] → [μ, log σ²], each [B, latent]. */
  apply(img: tf.Tensor4D, o: ConvApplyOptions): [tf.Tensor2D, tf.Tensor2D] {
    if (img.rank !== 4 || img.shape[1] !== this.size || img.shape[2] !== this.size || img.shape[3] !== 3) {
      throw new Error(`enc_img: expected images [B, ${this.size}, ${this.size}, 3], got [${img.shape}]`);
    }
    let h = tf.relu(this.stemBn.apply(this.stem.apply(img), o)) as tf.Tensor4D;
    for (const b of this.blocks) h = b.apply(h, o);
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return [this.mu.apply(pooled), this.logvar.apply(pooled)];
  }
}

class ImageDecoder extends ParamStore {
  private readonly dense: Dense;
  private readonly ups: { conv: ConvTranspose2d; bn: BatchNorm }[];
  private readonly out: Conv2d;
  private readonly s0: number;
  private readonly c0: number;

  constructor(
    readonly size: number,
    channels: number[],
    readonly latent: number,
    seed: number,
  ) {
    super("dec_img", seed);
    if (size % 16 !== 0)
      throw new Error(`dec_img: imageSize must be a multiple of 16 (four ×2 upsamplings), got ${size}`);
    if (channels.length !== 4) throw new Error(`dec_img: decoderChannels must have 4 widths, got ${channels.length}`);
    this.s0 = size / 16;
    this.c0 = channels[0] * 2;
    this.dense = new Dense(this, "dense", latent, this.s0 * this.s0 * this.c0);
    let cin = this.c0;
    this.ups = channels.map((c, i) => {
      const up = {
        conv: new ConvTranspose2d(this, `up${i + 1}`, cin, c, 4, 2, false),
        bn: new BatchNorm(this, `up${i + 1}_bn`, c),
      };
      cin = c;
      return up;
    });
    this.out = new Conv2d(this, "out", cin, 3, 3, 1, true);
  }

  /** z [B, latent] → images [B, s, s, 3] in [−1, 1]. */
  apply(z: tf.Tensor2D, o: ConvApplyOptions): tf.Tensor4D {
    const B = z.shape[0];
    let h = tf.reshape(tf.relu(this.dense.apply(z)), [B, this.s0, this.s0, this.c0]) as tf.Tensor4D;
    for (const u of this.ups) h = tf.relu(u.bn.apply(u.conv.apply(h), o)) as tf.Tensor4D;
    return tf.tanh(this.out.apply(h)) as tf.Tensor4D;
  }
}

/** The crossmodal VAE: parts for the encoders and decoders its pairs use, one Adam and one step per pair. */
export class CrossmodalVae implements Trainable<CrossmodalBatch> {
  readonly parts: Record<string, Part> = {};
  readonly optimizers: Record<string, Optimizer> = {};
  readonly steps: Step<CrossmodalBatch>[];
  readonly enc: Partial<{ "2d": Mlp; img: ImageEncoder; "3d": Mlp }> = {};
  readonly dec: Partial<{ "3d": Mlp; img: ImageDecoder }> = {};

  constructor(
    readonly opts: CrossmodalOptions,
    seed: number,
  ) {
    const o = opts;
    if (!o.pairs.length) throw new Error("crossmodal: pairs must list at least one encoder→decoder pair");
    const mlp = (inputDim: number, heads: number[], name: string, s: number) =>
      new Mlp(
        { inputDim, hidden: o.hidden, layers: o.layers, residual: false, batchNorm: false, dropout: 0, heads },
        name,
        s,
      );
    const used = o.pairs.map(pairParts);
    const L = o.latentDim;
    // Parts in a fixed order (checkpoints rely on it); each from its own seed.
    if (used.some((p) => p.enc === "2d")) this.enc["2d"] = mlp(o.dim2d, [L, L], "enc_2d", seed * 7 + 1);
    if (used.some((p) => p.enc === "img"))
      this.enc.img = new ImageEncoder(o.imageSize, o.encoderChannels, L, seed * 7 + 2);
    if (used.some((p) => p.enc === "3d")) this.enc["3d"] = mlp(o.dim3d, [L, L], "enc_3d", seed * 7 + 3);
    if (used.some((p) => p.dec === "3d")) this.dec["3d"] = mlp(L, [o.dim3d], "dec_3d", seed * 7 + 4);
    if (used.some((p) => p.dec === "img"))
      this.dec.img = new ImageDecoder(o.imageSize, o.decoderChannels, L, seed * 7 + 5);
    for (const [k, v] of Object.entries(this.enc)) this.parts[`enc_${k}`] = v;
    for (const [k, v] of Object.entries(this.dec)) this.parts[`dec_${k}`] = v;
    for (const p of o.pairs) {
      const { enc, dec } = pairParts(p);
      this.optimizers[p] = new Adam([...this.parts[`enc_${enc}`].trainable(), ...this.parts[`dec_${dec}`].trainable()]);
    }
    this.steps = o.pairs.map((p, k) => ({
      name: p,
      active: o.schedule === "epoch" ? (epoch: number) => epoch % o.pairs.length === k : undefined,
      run: (batch: CrossmodalBatch, ctx) => this.trainPair(p, batch, ctx.values.lr ?? o.lr, ctx.seed),
    }));
  }

  /** μ and log σ² [B, latent] of encoder `enc` on its input from the batch. */
  encode(enc: EncoderName, batch: Partial<CrossmodalBatch>, o: ConvApplyOptions): [tf.Tensor2D, tf.Tensor2D] {
    const need = <T>(v: T | undefined, what: string): T => {
      if (v === undefined)
        throw new Error(`crossmodal: this model has no ${what} (its pairs are ${this.opts.pairs.join(", ")})`);
      return v;
    };
    if (enc === "img") return need(this.enc.img, "image encoder").apply(need(batch.img, "batch.img"), o);
    const x = enc === "2d" ? need(batch.x2d, "batch.x2d") : need(batch.y3d, "batch.y3d");
    const [mu, logvar] = need(this.enc[enc], `${enc} encoder`).apply(x, { training: o.training });
    return [mu, logvar];
  }

  /** Decoder `dec` on z [B, latent]: [B, 48] normalized 3D or [B, s, s, 3] images. */
  decode(dec: DecoderName, z: tf.Tensor2D, o: ConvApplyOptions): tf.Tensor {
    if (z.rank !== 2 || z.shape[1] !== this.opts.latentDim)
      throw new Error(`crossmodal.decode: expected z [B, ${this.opts.latentDim}], got [${z.shape}]`);
    const d = this.dec[dec];
    if (!d)
      throw new Error(`crossmodal: this model has no ${dec} decoder (its pairs are ${this.opts.pairs.join(", ")})`);
    return d instanceof Mlp ? d.apply(z, { training: o.training })[0] : d.apply(z, o);
  }

  /** The loss terms of pair p on a batch (training mode: z sampled with `seed`). */
  pairObjective(p: PairName, batch: CrossmodalBatch, seed: number, bnStats?: ConvBnStats) {
    const { enc, dec } = pairParts(p);
    const o = { training: true, bnStats };
    const [mu, logvar] = this.encode(enc, batch, o);
    const pred = this.decode(dec, reparameterize(mu, logvar, seed), o);
    return pairLoss(
      dec === "img" ? "l1" : "mse",
      pred,
      dec === "img" ? batch.img : batch.y3d,
      mu,
      logvar,
      this.opts.beta,
    );
  }

  /** One Adam update of pair p; returns {loss, recon, kl, gradNorm} as device scalars. */
  trainPair(p: PairName, batch: CrossmodalBatch, lr: number, seed: number): Record<string, tf.Scalar> {
    const stats: ConvBnStats = [];
    const r = minimize(this.optimizers[p], lr, () => {
      const { loss, recon, kl } = this.pairObjective(p, batch, seed, stats);
      return { loss, terms: { recon, kl } };
    });
    updateMovingStats(stats);
    return r;
  }

  parameterCount(): number {
    return Object.values(this.parts).reduce((s, p) => s + p.trainable().reduce((a, v) => a + v.size, 0), 0);
  }

  dispose(): void {
    for (const p of Object.values(this.parts)) p.dispose();
    for (const o of Object.values(this.optimizers)) o.dispose();
  }
}
