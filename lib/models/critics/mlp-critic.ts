/**
 * The MLP critic of the thesis author's code: a stem Linear(in → h) + LeakyReLU, then
 * residual pairs h ← h + act(Linear(act(Linear(h)))), then a linear score. No batch norm.
 *
 *   x [B, D] → stem [B, h] → block1 [B, h] → … → blockN [B, h] → score [B]
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../../core/rng";
import {
  assertInput,
  dense,
  denseVars,
  linear,
  linearLeaky,
  residualPair,
  uniqueName,
  type Dense,
  type PoseCritic,
} from "./layers";

export interface MlpCriticOptions {
  /** Input size: 51 (17 × 3) or 48 (16 × 3, root removed) for 3D poses, 34 or 32 for 2D. */
  inputDim: number;
  /** Units per hidden layer (thesis code: 1024). */
  hidden: number;
  /** Residual pairs after the stem (thesis code: 2). */
  blocks: number;
  /** Negative slope of the leaky ReLU. */
  leak: number;
}

export const DEFAULT_MLP_CRITIC: Omit<MlpCriticOptions, "inputDim"> = { hidden: 1024, blocks: 2, leak: 0.2 };

export class MlpCritic implements PoseCritic {
  readonly name: string;
  readonly inputDim: number;
  readonly featureLayers: readonly string[];
  private readonly stem: Dense;
  private readonly pairs: [Dense, Dense][] = [];
  private readonly head: Dense;

  constructor(
    readonly opts: MlpCriticOptions,
    seed: number,
    name = "mlp_critic",
  ) {
    const { inputDim, hidden, blocks } = opts;
    if (!(inputDim > 0 && hidden > 0 && blocks >= 0)) {
      throw new Error(`MlpCritic: need inputDim > 0, hidden > 0, blocks ≥ 0; got ${inputDim}, ${hidden}, ${blocks}`);
    }
    const random = mulberry32(seed),
      uid = uniqueName(name);
    this.name = uid;
    this.inputDim = inputDim;
    this.stem = dense(inputDim, hidden, random, `${uid}/stem`);
    for (let k = 0; k < blocks; k++) {
      this.pairs.push([
        dense(hidden, hidden, random, `${uid}/block${k + 1}a`),
        dense(hidden, hidden, random, `${uid}/block${k + 1}b`),
      ]);
    }
    this.head = dense(hidden, 1, random, `${uid}/score`);
    this.featureLayers = ["stem", ...this.pairs.map((_, k) => `block${k + 1}`)];
  }

  /** Hidden activations up to layer index `upTo` (inclusive) of featureLayers. */
  private hidden(x: tf.Tensor2D, upTo: number): tf.Tensor2D {
    let h = linearLeaky(x, this.stem, this.opts.leak);
    for (let k = 0; k < upTo; k++) h = residualPair(h, this.pairs[k], this.opts.leak);
    return h;
  }

  /** Scores [B] of poses [B, inputDim]. */
  score(x: tf.Tensor2D): tf.Tensor1D {
    assertInput(x, this.inputDim, `${this.name}.score`);
    return tf.tidy(() => tf.reshape(linear(this.hidden(x, this.pairs.length), this.head), [-1]) as tf.Tensor1D);
  }

  /** Activations [B, hidden] of `layer` ("stem", "block1", …; default: the last block). */
  features(x: tf.Tensor2D, layer: string = this.featureLayers[this.featureLayers.length - 1]): tf.Tensor2D {
    assertInput(x, this.inputDim, `${this.name}.features`);
    const k = this.featureLayers.indexOf(layer);
    if (k < 0) {
      throw new Error(`${this.name}.features: unknown layer "${layer}"; layers are ${this.featureLayers.join(", ")}`);
    }
    return tf.tidy(() => this.hidden(x, k));
  }

  trainable(): tf.Variable[] {
    return denseVars([this.stem, ...this.pairs.flat(), this.head]);
  }

  variables(): tf.Variable[] {
    return this.trainable();
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
