/**
 * Seeded convolutional building blocks on NHWC tensors: conv, transposed conv, batch norm, dense,
 * collected in a `ParamStore` that is a training `Part` (trainable()/variables()/dispose(); batch-norm
 * moving statistics are among variables(), not trainable()). Variables are created inside tf.tidy by
 * lib/nn/init.ts, from one seeded generator per store, in creation order, so a seed fixes every weight.
 *
 * Conventions: images [B, H, W, C]; conv kernels [k, k, Cin, Cout]; transposed-conv kernels
 * [k, k, Cout, Cin] (TF.js's layout); "same" padding, so a stride-s conv maps H → ceil(H / s) and a
 * stride-s transposed conv maps H → s·H.
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32, type Random } from "../core/rng";
import { constantVariable, glorotVariable } from "./init";
import type { Part } from "./trainable";

const BN_EPS = 1e-3;
/** Moving averages keep 0.9 of their value per step (PyTorch's default BN momentum 0.1; short runs need it). */
const BN_MOMENTUM = 0.9;

/** Batch statistics of a training pass, for the moving averages (see `updateMovingStats`). */
export type ConvBnStats = { layer: BatchNorm; mean: tf.Tensor; variance: tf.Tensor }[];

export interface ConvApplyOptions {
  training: boolean;
  /** Collects batch statistics of training passes (then `updateMovingStats`). */
  bnStats?: ConvBnStats;
}

let instance = 0;

/** Variables of one network, created in a fixed order from one seeded generator. */
export class ParamStore implements Part {
  private readonly random: Random;
  private readonly train: tf.Variable[] = [];
  private readonly stats: tf.Variable[] = [];
  readonly uid: string;

  constructor(
    readonly name: string,
    seed: number,
  ) {
    this.random = mulberry32(seed);
    this.uid = `${name}_${instance++}`;
  }

  /** A Glorot-uniform trainable kernel. */
  kernel(shape: number[], fanIn: number, fanOut: number, lname: string): tf.Variable {
    const v = glorotVariable(shape, fanIn, fanOut, this.random, `${this.uid}/${lname}`);
    this.train.push(v);
    return v;
  }

  /** A constant variable: trainable (biases, scales) or a statistic (moving mean/variance). */
  constant(shape: number[], value: number, trainable: boolean, lname: string): tf.Variable {
    const v = constantVariable(shape, value, trainable, `${this.uid}/${lname}`);
    (trainable ? this.train : this.stats).push(v);
    return v;
  }

  trainable(): tf.Variable[] {
    return [...this.train];
  }

  variables(): tf.Variable[] {
    return [...this.train, ...this.stats];
  }

  parameterCount(): number {
    return this.train.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

function assertNhwc(x: tf.Tensor, channels: number, who: string): asserts x is tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new Error(`${who}: expected input [B, H, W, ${channels}], got [${x.shape}]`);
  }
}

/** Conv2d, "same" padding: [B, H, W, Cin] → [B, ceil(H/s), ceil(W/s), Cout]. */
export class Conv2d {
  readonly W: tf.Variable;
  readonly b?: tf.Variable;

  constructor(
    ps: ParamStore,
    readonly lname: string,
    readonly cin: number,
    readonly cout: number,
    readonly k: number,
    readonly stride = 1,
    bias = true,
  ) {
    if (cin < 1 || cout < 1 || k < 1 || stride < 1)
      throw new Error(`${lname}: channels, kernel and stride must be ≥ 1`);
    this.W = ps.kernel([k, k, cin, cout], k * k * cin, k * k * cout, `${lname}/kernel`);
    if (bias) this.b = ps.constant([cout], 0, true, `${lname}/bias`);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    assertNhwc(x, this.cin, this.lname);
    const y = tf.conv2d(x, this.W as tf.Tensor4D, this.stride, "same");
    return this.b ? (tf.add(y, this.b) as tf.Tensor4D) : y;
  }
}

/** Transposed conv, "same" padding: [B, H, W, Cin] → [B, s·H, s·W, Cout]. */
export class ConvTranspose2d {
  readonly W: tf.Variable;
  readonly b?: tf.Variable;

  constructor(
    ps: ParamStore,
    readonly lname: string,
    readonly cin: number,
    readonly cout: number,
    readonly k: number,
    readonly stride = 2,
    bias = true,
  ) {
    if (cin < 1 || cout < 1 || k < 1 || stride < 1)
      throw new Error(`${lname}: channels, kernel and stride must be ≥ 1`);
    this.W = ps.kernel([k, k, cout, cin], k * k * cin, k * k * cout, `${lname}/kernel`);
    if (bias) this.b = ps.constant([cout], 0, true, `${lname}/bias`);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    assertNhwc(x, this.cin, this.lname);
    const [B, H, W] = x.shape;
    const out: [number, number, number, number] = [B, H * this.stride, W * this.stride, this.cout];
    const y = tf.conv2dTranspose(x, this.W as tf.Tensor4D, out, this.stride, "same");
    return this.b ? (tf.add(y, this.b) as tf.Tensor4D) : y;
  }
}

/** Batch norm over B, H, W per channel; moving statistics for inference. Works on [B, C] too. */
export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly mean: tf.Variable;
  readonly variance: tf.Variable;

  constructor(
    ps: ParamStore,
    readonly lname: string,
    readonly channels: number,
  ) {
    this.gamma = ps.constant([channels], 1, true, `${lname}/gamma`);
    this.beta = ps.constant([channels], 0, true, `${lname}/beta`);
    this.mean = ps.constant([channels], 0, false, `${lname}/moving_mean`);
    this.variance = ps.constant([channels], 1, false, `${lname}/moving_variance`);
  }

  apply<T extends tf.Tensor>(x: T, o: ConvApplyOptions): T {
    if (x.shape[x.rank - 1] !== this.channels) {
      throw new Error(`${this.lname}: expected ${this.channels} channels last, got [${x.shape}]`);
    }
    if (!o.training) return tf.batchNorm(x, this.mean, this.variance, this.beta, this.gamma, BN_EPS) as T;
    // By hand with broadcasting: tf.batchNorm's gradient tiles mean, variance and scale to x's full shape,
    // which was the most expensive kernel of a training step on wasm (measured with tf.profile).
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const mean = tf.mean(x, axes);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), axes);
    o.bnStats?.push({ layer: this, mean: tf.keep(mean), variance: tf.keep(variance) });
    return tf.add(tf.mul(centred, tf.mul(tf.rsqrt(tf.add(variance, BN_EPS)), this.gamma)), this.beta) as T;
  }
}

/** Fold collected batch statistics into the moving averages, and release them. */
export function updateMovingStats(stats: ConvBnStats): void {
  tf.tidy(() => {
    for (const s of stats) {
      s.layer.mean.assign(tf.add(tf.mul(s.layer.mean, BN_MOMENTUM), tf.mul(s.mean, 1 - BN_MOMENTUM)));
      s.layer.variance.assign(tf.add(tf.mul(s.layer.variance, BN_MOMENTUM), tf.mul(s.variance, 1 - BN_MOMENTUM)));
    }
  });
  for (const s of stats) tf.dispose([s.mean, s.variance]);
  stats.length = 0;
}

/** Dense layer [B, in] → [B, out]. */
export class Dense {
  readonly W: tf.Variable;
  readonly b: tf.Variable;

  constructor(
    ps: ParamStore,
    readonly lname: string,
    readonly inDim: number,
    readonly outDim: number,
  ) {
    this.W = ps.kernel([inDim, outDim], inDim, outDim, `${lname}/kernel`);
    this.b = ps.constant([outDim], 0, true, `${lname}/bias`);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inDim)
      throw new Error(`${this.lname}: expected input [B, ${this.inDim}], got [${x.shape}]`);
    return tf.add(tf.matMul(x, this.W), this.b) as tf.Tensor2D;
  }
}

/**
 * A residual basic block (He et al. 2016, as in ResNet-18): conv3×3(stride s)–BN–ReLU–conv3×3–BN, plus
 * the input (through a 1×1 conv with stride s and BN when the shape changes), then ReLU.
 */
export class ResidualBlock {
  private readonly c1: Conv2d;
  private readonly b1: BatchNorm;
  private readonly c2: Conv2d;
  private readonly b2: BatchNorm;
  private readonly proj?: { conv: Conv2d; bn: BatchNorm };

  constructor(ps: ParamStore, lname: string, cin: number, cout: number, stride: number) {
    this.c1 = new Conv2d(ps, `${lname}/conv1`, cin, cout, 3, stride, false);
    this.b1 = new BatchNorm(ps, `${lname}/bn1`, cout);
    this.c2 = new Conv2d(ps, `${lname}/conv2`, cout, cout, 3, 1, false);
    this.b2 = new BatchNorm(ps, `${lname}/bn2`, cout);
    if (cin !== cout || stride !== 1) {
      this.proj = {
        conv: new Conv2d(ps, `${lname}/proj`, cin, cout, 1, stride, false),
        bn: new BatchNorm(ps, `${lname}/proj_bn`, cout),
      };
    }
  }

  apply(x: tf.Tensor4D, o: ConvApplyOptions): tf.Tensor4D {
    const h = tf.relu(this.b1.apply(this.c1.apply(x), o));
    const y = this.b2.apply(this.c2.apply(h), o);
    const skip = this.proj ? this.proj.bn.apply(this.proj.conv.apply(x), o) : x;
    return tf.relu(tf.add(y, skip)) as tf.Tensor4D;
  }
}
