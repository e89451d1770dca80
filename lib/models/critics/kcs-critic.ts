/**
 * A kinematic-chain-space critic after Wandt & Rosenhahn's RepNet (CVPR 2019). Beside a
 * residual path on the raw pose, a second residual path sees Ψ = BᵀB, where B = X·C are the
 * bone vectors from the fixed joint-to-bone matrix C (lib/pose/kcs.ts): bone lengths on
 * Ψ's diagonal, angles between bones off it. The two paths are concatenated and scored.
 *
 *   pose path: x [B, D] → stem, pairs → pose [B, h]
 *   KCS path:  x [B, D] → bones [B, nb, d] → Ψ [B, nb²] → stem, pairs → kcs [B, h]
 *   [pose, kcs] [B, 2h] → joint [B, h] → score [B]
 *
 * Inputs may be normalized (z-scored per dimension): `denorm` maps them back to coordinates
 * before the bones are formed; `scale` sets their unit (e.g. 1e-3 for mm → m, so that Ψ is O(1)).
 * Ψ is a product of two affine maps of x, so the gradient penalty's second-order gradients
 * stay exact (products, sums and matmuls only).
 */
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../../core/rng";
import { inputToBoneMap, kcsBones, type MissingRoot } from "../../pose/kcs";
import { NON_ROOT, NUM_JOINTS } from "../../pose/skeleton";
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

export interface KcsCriticOptions {
  /** 3·J for 3D poses, 2·J for 2D (J = 17, or 16 with the root left out). */
  inputDim: number;
  /** Coordinates per joint: 3 or 2. */
  dims: 2 | 3;
  /** H36M joints held by the input, in order (default: all 17, or the 16 non-root ones, from inputDim). */
  joints?: readonly number[];
  /** The root when `joints` leaves it out: at the origin (root-centred 3D, default) or between the hips. */
  missingRoot?: MissingRoot;
  /** Undo a per-dimension z-score: coordinates = (x · std + mean) · scale. */
  denorm?: { mean: ArrayLike<number>; std: ArrayLike<number> };
  /** Unit of the coordinates that form the bones (default 1). */
  scale?: number;
  /** Units per hidden layer of each path (RepNet: 1000). */
  hidden: number;
  /** Residual pairs per path. */
  blocks: number;
  leak: number;
}

export const DEFAULT_KCS_CRITIC: Pick<KcsCriticOptions, "hidden" | "blocks" | "leak"> = {
  hidden: 1024,
  blocks: 1,
  leak: 0.2,
};

export class KcsCritic implements PoseCritic {
  readonly name: string;
  readonly inputDim: number;
  readonly featureLayers = ["pose", "kcs", "joint"] as const;
  readonly bones: number;
  /** x [B, D] → bone vectors [B, nb·d]: x·boneMap + boneOffset. */
  private readonly boneMap: tf.Tensor2D;
  private readonly boneOffset: tf.Tensor1D;
  private readonly pose: { stem: Dense; pairs: [Dense, Dense][] };
  private readonly kcs: { stem: Dense; pairs: [Dense, Dense][] };
  private readonly joint: Dense;
  private readonly head: Dense;

  constructor(
    readonly opts: KcsCriticOptions,
    seed: number,
    name = "kcs_critic",
  ) {
    const { inputDim, dims, hidden, blocks } = opts;
    const joints =
      opts.joints ??
      (inputDim === NUM_JOINTS * dims
        ? [...Array(NUM_JOINTS).keys()]
        : inputDim === NON_ROOT.length * dims
          ? NON_ROOT
          : undefined);
    if (!joints || joints.length * dims !== inputDim) {
      const held = joints ? joints.length : "17 or 16";
      throw new Error(`KcsCritic: inputDim ${inputDim} does not match ${held} joints × ${dims} coordinates`);
    }
    if (!(hidden > 0 && blocks >= 0)) {
      throw new Error(`KcsCritic: need hidden > 0 and blocks ≥ 0; got ${hidden}, ${blocks}`);
    }
    const { M, rows, cols } = inputToBoneMap(joints, dims, { missingRoot: opts.missingRoot ?? "origin" });
    // Fold the denormalization x' = (x·std + mean)·scale into the map: bones = x·diag(std·s)·M + (mean·s)·M.
    const s = opts.scale ?? 1,
      dn = opts.denorm;
    if (dn && (dn.mean.length !== inputDim || dn.std.length !== inputDim)) {
      const got = `${dn.mean.length}/${dn.std.length}`;
      throw new Error(`KcsCritic: denorm mean/std must have ${inputDim} entries, got ${got}`);
    }
    const map = new Float32Array(rows * cols),
      offset = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      const a = (dn ? dn.std[r] : 1) * s,
        m = (dn ? dn.mean[r] : 0) * s;
      for (let c = 0; c < cols; c++) {
        map[r * cols + c] = a * M[r * cols + c];
        offset[c] += m * M[r * cols + c];
      }
    }
    this.boneMap = tf.tensor2d(map, [rows, cols]);
    this.boneOffset = tf.tensor1d(offset);
    this.bones = kcsBones().length;
    const random = mulberry32(seed),
      uid = uniqueName(name);
    this.name = uid;
    this.inputDim = inputDim;
    const path = (fanIn: number, p: string) => ({
      stem: dense(fanIn, hidden, random, `${uid}/${p}_stem`),
      pairs: Array.from({ length: blocks }, (_, k): [Dense, Dense] => [
        dense(hidden, hidden, random, `${uid}/${p}${k + 1}a`),
        dense(hidden, hidden, random, `${uid}/${p}${k + 1}b`),
      ]),
    });
    this.pose = path(inputDim, "pose");
    this.kcs = path(this.bones * this.bones, "kcs");
    this.joint = dense(2 * hidden, hidden, random, `${uid}/joint`);
    this.head = dense(hidden, 1, random, `${uid}/score`);
  }

  /** Ψ = BᵀB of each pose, flattened: [B, inputDim] → [B, nb·nb] (row-major nb × nb). */
  kcsFeatures(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, `${this.name}.kcsFeatures`);
    const nb = this.bones,
      d = this.opts.dims;
    return tf.tidy(() => {
      const b = tf.reshape(tf.add(tf.matMul(x, this.boneMap), this.boneOffset), [-1, nb, d]);
      const psi = tf.sum(tf.mul(tf.expandDims(b, 2), tf.expandDims(b, 1)), 3); // [B, nb, nb]
      return tf.reshape(psi, [-1, nb * nb]) as tf.Tensor2D;
    });
  }

  private path(x: tf.Tensor2D, p: { stem: Dense; pairs: [Dense, Dense][] }): tf.Tensor2D {
    let h = linearLeaky(x, p.stem, this.opts.leak);
    for (const pair of p.pairs) h = residualPair(h, pair, this.opts.leak);
    return h;
  }

  private layer(x: tf.Tensor2D, upTo: "pose" | "kcs" | "joint"): tf.Tensor2D {
    if (upTo === "pose") return this.path(x, this.pose);
    const hk = this.path(this.kcsFeatures(x), this.kcs);
    if (upTo === "kcs") return hk;
    return linearLeaky(tf.concat([this.path(x, this.pose), hk], 1), this.joint, this.opts.leak);
  }

  score(x: tf.Tensor2D): tf.Tensor1D {
    assertInput(x, this.inputDim, `${this.name}.score`);
    return tf.tidy(() => tf.reshape(linear(this.layer(x, "joint"), this.head), [-1]) as tf.Tensor1D);
  }

  /** Activations [B, hidden] of "pose", "kcs" or "joint" (default). */
  features(x: tf.Tensor2D, layer: string = "joint"): tf.Tensor2D {
    assertInput(x, this.inputDim, `${this.name}.features`);
    if (!(this.featureLayers as readonly string[]).includes(layer)) {
      throw new Error(`${this.name}.features: unknown layer "${layer}"; layers are ${this.featureLayers.join(", ")}`);
    }
    return tf.tidy(() => this.layer(x, layer as "pose" | "kcs" | "joint"));
  }

  trainable(): tf.Variable[] {
    const p = (q: { stem: Dense; pairs: [Dense, Dense][] }) => [q.stem, ...q.pairs.flat()];
    return denseVars([...p(this.pose), ...p(this.kcs), this.joint, this.head]);
  }

  variables(): tf.Variable[] {
    return this.trainable();
  }

  dispose(): void {
    tf.dispose([...this.variables(), this.boneMap, this.boneOffset]);
  }
}
