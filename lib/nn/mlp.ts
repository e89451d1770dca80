/**
 * A fully connected network with the options the lifters need: residual blocks, batch
 * norm, dropout, max-norm, and several output heads. Weights are plain TF.js variables,
 * initialized from a seeded generator; dropout masks are seeded per step, so a run is
 * reproducible. `toLayersModel` rebuilds the inference graph as a tf.LayersModel with the
 * same weights, for export in TF.js format.
 *
 * Layout: stem  = Linear(in → h) [BN] ReLU [dropout]
 *         body  = (layers − 1) × (Linear(h → h) [BN] ReLU [dropout]),
 *                 grouped in pairs with a skip connection when `residual`
 *         heads = Linear(h → d_k) for each head
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../core/rng";
import { constantVariable, glorotVariable } from "./init";
import { batchNormTrain, dropoutMask, maxNormColumns } from "../backend/kernels/fused";

export interface MlpSpec {
  inputDim: number;
  /** Units per hidden layer. */
  hidden: number;
  /** Hidden Linear+ReLU layers, the stem included (thesis: 5). */
  layers: number;
  /** Pair the body layers into residual blocks (needs an odd `layers`). */
  residual: boolean;
  batchNorm: boolean;
  /** Dropout rate after each hidden layer (0 = none). */
  dropout: number;
  /** Output sizes, one per head (VAE encoder: [latent, latent]; decoder: [48]). */
  heads: number[];
}

const BN_EPS = 1e-3;
const BN_MOMENTUM = 0.99;

interface Dense {
  name: string;
  W: tf.Variable;
  b: tf.Variable;
  bn?: { gamma: tf.Variable; beta: tf.Variable; mean: tf.Variable; variance: tf.Variable };
}

let instance = 0;

/** Batch statistics collected by a training `apply`, for the moving averages. */
export type BnStats = { layer: Dense; mean: tf.Tensor; variance: tf.Tensor }[];

export interface ApplyOptions {
  training: boolean;
  /** Seed of this step's dropout masks (training only). */
  stepSeed?: number;
  /** Collects batch statistics for the moving averages (training with batch norm). */
  bnStats?: BnStats;
}

export class Mlp {
  readonly hiddenLayers: Dense[] = [];
  readonly heads: Dense[] = [];

  constructor(
    readonly spec: MlpSpec,
    readonly name: string,
    seed: number,
  ) {
    if (spec.layers < 1) throw new Error(`${name}: layers must be ≥ 1, got ${spec.layers}`);
    if (spec.residual && (spec.layers - 1) % 2 !== 0)
      throw new Error(
        `${name}: residual blocks pair the layers after the stem, so layers must be odd (got ${spec.layers})`,
      );
    if (spec.dropout < 0 || spec.dropout >= 1)
      throw new Error(`${name}: dropout must be in [0, 1), got ${spec.dropout}`);
    const random = mulberry32(seed);
    const uid = `${name}_${instance++}`;
    const dense = (fanIn: number, fanOut: number, lname: string, bn: boolean): Dense => {
      const d: Dense = {
        name: lname,
        W: glorotVariable([fanIn, fanOut], fanIn, fanOut, random, `${uid}/${lname}/kernel`),
        b: constantVariable([fanOut], 0, true, `${uid}/${lname}/bias`),
      };
      if (bn) {
        d.bn = {
          gamma: constantVariable([fanOut], 1, true, `${uid}/${lname}/gamma`),
          beta: constantVariable([fanOut], 0, true, `${uid}/${lname}/beta`),
          mean: constantVariable([fanOut], 0, false, `${uid}/${lname}/moving_mean`),
          variance: constantVariable([fanOut], 1, false, `${uid}/${lname}/moving_variance`),
        };
      }
      return d;
    };
    for (let l = 0; l < spec.layers; l++)
      this.hiddenLayers.push(dense(l === 0 ? spec.inputDim : spec.hidden, spec.hidden, `dense${l}`, spec.batchNorm));
    spec.heads.forEach((h, k) => this.heads.push(dense(spec.hidden, h, `head${k}`, false)));
  }

  /** Trainable variables, in a fixed order (checkpoints and optimizers rely on it). */
  trainable(): tf.Variable[] {
    return [...this.hiddenLayers, ...this.heads].flatMap((d) => [d.W, d.b, ...(d.bn ? [d.bn.gamma, d.bn.beta] : [])]);
  }

  /** Every variable (trainable, then batch-norm moving statistics), in a fixed order. */
  variables(): tf.Variable[] {
    return [...this.trainable(), ...this.hiddenLayers.flatMap((d) => (d.bn ? [d.bn.mean, d.bn.variance] : []))];
  }

  /** Kernels that a max-norm constraint applies to. */
  kernels(): tf.Variable[] {
    return [...this.hiddenLayers, ...this.heads].map((d) => d.W);
  }

  private hidden(x: tf.Tensor2D, d: Dense, k: number, o: ApplyOptions): tf.Tensor2D {
    return this.activate(tf.matMul(x, d.W), d, k, o);
  }

  /** Bias, [batch norm], ReLU and [dropout] of layer d on its product x·W. */
  private activate(product: tf.Tensor2D, d: Dense, k: number, o: ApplyOptions): tf.Tensor2D {
    let h = tf.add(product, d.b) as tf.Tensor2D;
    if (d.bn) {
      if (o.training) {
        // One fused pass forward and one backward where the native addon runs (lib/backend/kernels/fused.ts).
        const bn = batchNormTrain(h, d.bn.gamma as tf.Tensor1D, d.bn.beta as tf.Tensor1D, BN_EPS);
        o.bnStats?.push({ layer: d, mean: tf.keep(bn.mean), variance: tf.keep(bn.variance) });
        h = bn.y;
      } else {
        h = tf.batchNorm(h, d.bn.mean, d.bn.variance, d.bn.beta, d.bn.gamma, BN_EPS) as tf.Tensor2D;
      }
    }
    return this.dropout(tf.relu(h), k, o);
  }

  private dropout(h: tf.Tensor2D, k: number, o: ApplyOptions): tf.Tensor2D {
    if (!o.training || this.spec.dropout <= 0) return h;
    // Kept units scaled by 1/(1 − rate), in one seeded mask (the uniforms of randomUniform for this seed).
    return tf.mul(h, dropoutMask(h.shape, this.spec.dropout, (o.stepSeed ?? 0) * 131 + k)) as tf.Tensor2D;
  }

  /** Forward pass: x [B, inputDim] → one tensor per head [B, d_k]. */
  apply(x: tf.Tensor2D, o: ApplyOptions): tf.Tensor2D[] {
    return this.applyHeads(this.features(x, o));
  }

  /** The heads on features h [B, hidden] (the output of `features`). */
  applyHeads(h: tf.Tensor2D): tf.Tensor2D[] {
    return this.heads.map((d) => tf.add(tf.matMul(h, d.W), d.b) as tf.Tensor2D);
  }

  /** The last hidden layer's output h [B, hidden] for x [B, inputDim], before the heads. */
  features(x: tf.Tensor2D, o: ApplyOptions): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.spec.inputDim) {
      throw new Error(`${this.name}: expected input [B, ${this.spec.inputDim}], got [${x.shape}]`);
    }
    return this.featuresFromStem(tf.matMul(x, this.hiddenLayers[0].W), o);
  }

  /**
   * `features` from the stem's product x·W₀ [B, hidden] (the stem's kernel is `hiddenLayers[0].W`), for
   * callers that compute it in parts: when x = [a, b] with a shared by many rows, a·W₀ⁱ once and b·W₀ʲ per row.
   */
  featuresFromStem(product: tf.Tensor2D, o: ApplyOptions): tf.Tensor2D {
    if (product.rank !== 2 || product.shape[1] !== this.spec.hidden) {
      throw new Error(`${this.name}: expected the stem's product [B, ${this.spec.hidden}], got [${product.shape}]`);
    }
    const L = this.hiddenLayers;
    let h = this.activate(product, L[0], 0, o);
    if (this.spec.residual) {
      for (let l = 1; l < L.length; l += 2) {
        const inner = this.hidden(this.hidden(h, L[l], l, o), L[l + 1], l + 1, o);
        h = tf.add(h, inner) as tf.Tensor2D;
      }
    } else {
      for (let l = 1; l < L.length; l++) h = this.hidden(h, L[l], l, o);
    }
    return h;
  }

  /** Update batch-norm moving averages with statistics collected by a training `apply`. */
  static updateMovingStats(stats: BnStats): void {
    tf.tidy(() => {
      for (const s of stats) {
        s.layer.bn!.mean.assign(tf.add(tf.mul(s.layer.bn!.mean, BN_MOMENTUM), tf.mul(s.mean, 1 - BN_MOMENTUM)));
        s.layer.bn!.variance.assign(
          tf.add(tf.mul(s.layer.bn!.variance, BN_MOMENTUM), tf.mul(s.variance, 1 - BN_MOMENTUM)),
        );
      }
    });
    for (const s of stats) tf.dispose([s.mean, s.variance]);
    stats.length = 0;
  }

  /** Clip each kernel column to L2 norm ≤ maxNorm (Martinez et al.'s max-norm). */
  applyMaxNorm(maxNorm: number): void {
    tf.tidy(() => {
      for (const W of this.kernels()) W.assign(maxNormColumns(W, maxNorm));
    });
  }

  /**
   * The inference graph (no dropout, batch norm with moving statistics) as tf.layers
   * applied to `input`, with this network's weights. Returns the symbolic head outputs.
   */
  toLayers(input: tf.SymbolicTensor, prefix: string): tf.SymbolicTensor[] {
    const dense = (d: Dense, x: tf.SymbolicTensor, activation: "linear" | "relu") => {
      const units = d.W.shape[1] as number;
      const layer = tf.layers.dense({ units, activation: d.bn ? "linear" : activation, name: `${prefix}_${d.name}` });
      let y = layer.apply(x) as tf.SymbolicTensor;
      layer.setWeights([d.W, d.b]);
      if (d.bn) {
        const bn = tf.layers.batchNormalization({
          epsilon: BN_EPS,
          momentum: BN_MOMENTUM,
          name: `${prefix}_${d.name}_bn`,
        });
        y = bn.apply(y) as tf.SymbolicTensor;
        bn.setWeights([d.bn.gamma, d.bn.beta, d.bn.mean, d.bn.variance]);
        if (activation === "relu")
          y = tf.layers.reLU({ name: `${prefix}_${d.name}_relu` }).apply(y) as tf.SymbolicTensor;
      }
      return y;
    };
    const L = this.hiddenLayers;
    let h = dense(L[0], input, "relu");
    if (this.spec.residual) {
      for (let l = 1; l < L.length; l += 2) {
        const inner = dense(L[l + 1], dense(L[l], h, "relu"), "relu");
        h = tf.layers.add({ name: `${prefix}_skip${l}` }).apply([h, inner]) as tf.SymbolicTensor;
      }
    } else {
      for (let l = 1; l < L.length; l++) h = dense(L[l], h, "relu");
    }
    return this.heads.map((d) => dense(d, h, "linear"));
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
