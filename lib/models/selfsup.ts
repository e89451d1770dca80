/**
 * A lifter trained with 2D poses only (after Chen et al. 2019, "Unsupervised 3D pose estimation
 * with geometric self-supervision", and the thesis author's 2D-critic code).
 *
 * Scale ambiguity. One image fixes a pose only up to scale (and distance). So every input is
 * root-centred in the image and divided by its scale s = RMS distance of the joints from the root:
 * p = (u − u_root) / s, [B, 17, 2]. The lifter predicts the root-relative 3D pose X [B, 17, 3] in
 * those units, with the root at a fixed depth c (`rootDepth`, default 10: a person whose joints
 * lie ~0.45 m from the hip seen from ~4.5 m). Projection is then the normalized perspective
 *   P(X) = c · X_xy / (c + X_z),
 * which maps the root to 0 and is ≈ weak perspective for |X_z| ≪ c. Predictions are only defined up
 * to scale: they are scored with scale-free protocols (P2, N-MPJPE).
 *
 * Output. X_xy = p + Δ_xy (a residual on the weak-perspective lift) and X_z = d, both from one MLP.
 *
 * Losses of the lifter step (each behind a switch, for the ablation):
 * - reprojection: ‖P(X) − p‖²;
 * - rotation cycle: rotate X by a random azimuth α (about the camera's vertical y axis) and a small
 *   elevation ε (about x), project, normalize its scale k, lift again, multiply by k, rotate back:
 *   X̃. Then ‖X̃ − X‖² (3D cycle) and ‖P(X̃) − p‖² (2D cycle);
 * - adversarial: a 2D WGAN-GP critic scores the normalized projections of the rotated views
 *   against the real normalized inputs (critic step ×nCritic, then the lifter step);
 * - priors without 3D labels: left/right bone-length symmetry Σ((L_l − L_r)/L̄)² and bone-length
 *   ratios: each pose's ratios r_b = L_b / L̄ (L̄ its mean bone length) held close to the batch mean
 *   of r (a stop-gradient target, so the batch agrees on proportions without any canonical table,
 *   which would be 3D knowledge).
 *
 * Input of `predict`: raw 2D pixels of the 17 joints [B, 34] (see SELFSUP_STATS, an identity
 * normalization so lib/eval feeds them unchanged); output [B, 48]: the 16 non-root joints in pose units.
 */
import * as tf from "@tensorflow/tfjs";
import type { NormStats } from "../data/preprocess";
import { minimize, Adam } from "../nn/optim";
import { type BnStats, Mlp } from "../nn/mlp";
import type { Part, Step } from "../nn/trainable";
import { BONES, FLIP_PERMUTATION, jointSide, NON_ROOT, NUM_JOINTS, ROOT } from "../pose/skeleton";
import { wassersteinEstimate } from "../nn/adversarial";
import { stopGradient } from "../nn/losses";
import { criticStep } from "./critic";
import { MlpCritic } from "./critics/mlp-critic";
import { assertInput, type Lifter, type ModelKind } from "./lifter";

const J = NUM_JOINTS;
/** Radians per unit of the elevation variable. */
const ELEVATION_UNIT = 10;

/** Model options (documented with SelfSupConfig in lib/train/selfsup-run.ts). */
export interface SelfSupOptions {
  hidden: number;
  layers: number;
  residual: boolean;
  batchNorm: boolean;
  dropout: number;
  rootDepth: number;
  /**
   * The camera's elevation e (degrees, > 0 looking down), initial value: new views turn the pose about
   * the person's vertical axis, tilted by e from the camera's y axis, not about the camera's y axis.
   */
  elevationDeg: number;
  /** Learn e (one angle for the whole data set) from the 2D-only losses. */
  learnElevation: boolean;
  maxAzimuthDeg: number;
  maxElevationDeg: number;
  criticHidden: number;
  criticBlocks: number;
  nCritic: number;
  lambda: number;
  criticLr: number;
  /** Switches for the ablation. */
  reprojection: boolean;
  cycle: boolean;
  critic: boolean;
  priors: boolean;
  /** Loss weights. */
  wReprojection: number;
  wCycle3d: number;
  wCycle2d: number;
  wAdversarial: number;
  wSymmetry: number;
  wRatio: number;
}

/** The 2D-only training batch: raw pixels of the 17 joints [B, 34]. No 3D. */
export type Pose2dBatch = { x: tf.Tensor2D };

/** Identity statistics: lib/eval's normalize() then passes raw pixels [17 × 2] and returns pose units. */
export const SELFSUP_STATS: NormStats = {
  mode: "thesis",
  joints2d: Array.from({ length: J }, (_, j) => j),
  joints3d: [...NON_ROOT],
  mean2d: new Float32Array(J * 2),
  std2d: new Float32Array(J * 2).fill(1),
  mean3d: new Float32Array(NON_ROOT.length * 3),
  std3d: new Float32Array(NON_ROOT.length * 3).fill(1),
};

/**
 * Root-centre 2D poses and divide each by its RMS joint distance from the root.
 * @param p [B, 17, 2] → { p: [B, 17, 2] (RMS 1), scale: [B, 1, 1] }
 */
export function normalize2d(p: tf.Tensor3D): { p: tf.Tensor3D; scale: tf.Tensor3D } {
  if (p.rank !== 3 || p.shape[1] !== J || p.shape[2] !== 2)
    throw new Error(`normalize2d: expected [B, ${J}, 2], got [${p.shape}]`);
  return tf.tidy(() => {
    const centred = tf.sub(p, tf.slice(p, [0, ROOT, 0], [-1, 1, 2]));
    const ms = tf.div(tf.sum(tf.square(centred), [1, 2], true), J - 1);
    const scale = tf.sqrt(tf.add(ms, 1e-8)) as tf.Tensor3D;
    return { p: tf.div(centred, scale) as tf.Tensor3D, scale };
  });
}

/**
 * Normalized perspective projection P(X) = c · X_xy / (c + X_z) of root-relative poses, the root at
 * depth c. Depths are floored at c/10 in the denominator (a point behind the camera has no image).
 * @param X [B, J, 3] → [B, J, 2]
 */
export function projectPoses(X: tf.Tensor3D, rootDepth: number): tf.Tensor3D {
  if (X.rank !== 3 || X.shape[2] !== 3) throw new Error(`projectPoses: expected [B, J, 3], got [${X.shape}]`);
  return tf.tidy(() => {
    const xy = tf.slice(X, [0, 0, 0], [-1, -1, 2]);
    const z = tf.maximum(tf.add(tf.slice(X, [0, 0, 2], [-1, -1, 1]), rootDepth), rootDepth / 10);
    return tf.div(tf.mul(xy, rootDepth), z) as tf.Tensor3D;
  });
}

/**
 * Rotate root-relative poses: first the azimuth α about the camera's y axis (vertical, pointing down),
 * then the elevation ε about its x axis. Camera axes: x right, y down, z forward.
 *   Ry(α): x' = cos α·x + sin α·z, z' = −sin α·x + cos α·z;  Rx(ε): y'' = cos ε·y' − sin ε·z', z'' = sin ε·y' + cos ε·z'.
 * `inverse` applies Rx(−ε) then Ry(−α), undoing it.
 * @param X [B, J, 3], azimuth and elevation [B] (radians) → [B, J, 3]
 */
export function rotatePoses(
  X: tf.Tensor3D,
  azimuth: tf.Tensor1D,
  elevation: tf.Tensor1D,
  inverse = false,
): tf.Tensor3D {
  if (X.rank !== 3 || X.shape[2] !== 3) throw new Error(`rotatePoses: expected [B, J, 3], got [${X.shape}]`);
  if (azimuth.shape[0] !== X.shape[0] || elevation.shape[0] !== X.shape[0]) {
    throw new Error(
      `rotatePoses: azimuth [${azimuth.shape}] and elevation [${elevation.shape}] must be [${X.shape[0]}]`,
    );
  }
  return tf.tidy(() => {
    const col = (a: tf.Tensor1D) => tf.reshape(a, [-1, 1]);
    let x = tf.squeeze(tf.slice(X, [0, 0, 0], [-1, -1, 1]), [2]);
    let y = tf.squeeze(tf.slice(X, [0, 0, 1], [-1, -1, 1]), [2]);
    let z = tf.squeeze(tf.slice(X, [0, 0, 2], [-1, -1, 1]), [2]);
    const sign = inverse ? -1 : 1;
    const ca = col(tf.cos(azimuth)),
      sa = tf.mul(col(tf.sin(azimuth)), sign);
    const ce = col(tf.cos(elevation)),
      se = tf.mul(col(tf.sin(elevation)), sign);
    const yaw = () => {
      const x2 = tf.add(tf.mul(ca, x), tf.mul(sa, z));
      z = tf.sub(tf.mul(ca, z), tf.mul(sa, x));
      x = x2;
    };
    const pitch = () => {
      const y2 = tf.sub(tf.mul(ce, y), tf.mul(se, z));
      z = tf.add(tf.mul(se, y), tf.mul(ce, z));
      y = y2;
    };
    if (inverse) {
      pitch();
      yaw();
    } else {
      yaw();
      pitch();
    }
    return tf.stack([x, y, z], 2) as tf.Tensor3D;
  });
}

/** Bone pairs [left bone, right bone] as indices into BONES (matched by mirrored child joints). */
export const MIRRORED_BONES: readonly (readonly [number, number])[] = BONES.flatMap(([, c], b) =>
  jointSide(c) === "left" ? [[b, BONES.findIndex(([, c2]) => c2 === FLIP_PERMUTATION[c])] as const] : [],
);

/** [51, 3·bones]: pose (flat) → bone vectors child − parent (a matmul; gather has no wasm gradient). */
const BONE_MATRIX: number[] = (() => {
  const m = new Array<number>(J * 3 * BONES.length * 3).fill(0);
  BONES.forEach(([p, c], b) => {
    for (let d = 0; d < 3; d++) {
      m[(c * 3 + d) * BONES.length * 3 + b * 3 + d] += 1;
      m[(p * 3 + d) * BONES.length * 3 + b * 3 + d] -= 1;
    }
  });
  return m;
})();

/** [bones, pairs]: bone values → left − right per mirrored pair. */
const MIRROR_MATRIX: number[] = (() => {
  const m = new Array<number>(BONES.length * MIRRORED_BONES.length).fill(0);
  MIRRORED_BONES.forEach(([l, r], k) => {
    m[l * MIRRORED_BONES.length + k] = 1;
    m[r * MIRRORED_BONES.length + k] = -1;
  });
  return m;
})();

/** Bone lengths [B, bones] of poses [B, 17, 3] (bones in the order of BONES). */
export function boneLengthsT(X: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const nb = BONES.length;
    const v = tf.matMul(tf.reshape(X, [-1, J * 3]), tf.tensor2d(BONE_MATRIX, [J * 3, nb * 3]));
    return tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(v, [-1, nb, 3])), 2), 1e-8)) as tf.Tensor2D;
  });
}

/** The priors: { symmetry: mean ((L_l − L_r)/L̄)², ratio: mean (L/L̄ − batch mean of L/L̄)² }. */
export function skeletonPriors(X: tf.Tensor3D): { symmetry: tf.Scalar; ratio: tf.Scalar } {
  return tf.tidy(() => {
    const L = boneLengthsT(X);
    const r = tf.div(L, tf.mean(L, 1, true));
    const diff = tf.matMul(r, tf.tensor2d(MIRROR_MATRIX, [BONES.length, MIRRORED_BONES.length]));
    const symmetry = tf.mean(tf.square(diff)) as tf.Scalar;
    const ratio = tf.mean(tf.square(tf.sub(r, stopGradient(tf.mean(r, 0, true))))) as tf.Scalar;
    return { symmetry, ratio };
  });
}

const meanSq = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(tf.sum(tf.square(tf.sub(a, b)), -1)) as tf.Scalar;

export class SelfSupLifter implements Omit<Lifter, "kind" | "steps"> {
  /** Not in MODEL_KINDS (lib/models/lifter.ts): see `asLifter`. */
  readonly kind = "selfsup" as const;
  readonly variational = false;
  readonly latentDim = 0;
  readonly inputDim = J * 2;
  readonly outputDim = NON_ROOT.length * 3;
  readonly net: Mlp;
  readonly critic?: MlpCritic;
  /**
   * The camera elevation in units of ELEVATION_UNIT radians (a variable, trained when `learnElevation`):
   * Adam moves a variable by about the learning rate per step, so in radians it would need thousands of
   * steps to reach the ~0.2 rad of a camera looking down.
   */
  readonly elevation: tf.Variable;
  readonly parts: Record<string, Part>;
  readonly optimizers: Record<string, Adam>;
  readonly steps: Step<Pose2dBatch>[];

  constructor(
    readonly opts: SelfSupOptions,
    seed: number,
  ) {
    const { hidden, layers, residual, batchNorm, dropout } = opts;
    if (!(opts.rootDepth > 0)) throw new Error(`SelfSupLifter: rootDepth must be > 0, got ${opts.rootDepth}`);
    this.net = new Mlp(
      { inputDim: J * 2, hidden, layers, residual, batchNorm, dropout, heads: [J * 3] },
      "selfsup",
      seed,
    );
    this.elevation = tf.variable(tf.scalar((opts.elevationDeg * Math.PI) / 180 / ELEVATION_UNIT), opts.learnElevation);
    const elevation = this.elevation;
    this.parts = { lifter: this.net };
    if (opts.learnElevation)
      this.parts.elevation = {
        trainable: () => [elevation],
        variables: () => [elevation],
        dispose: () => elevation.dispose(),
      };
    const lifterVars = opts.learnElevation ? [...this.net.trainable(), elevation] : this.net.trainable();
    this.optimizers = { lifter: new Adam(lifterVars) };
    this.steps = [];
    if (opts.critic) {
      this.critic = new MlpCritic(
        { inputDim: J * 2, hidden: opts.criticHidden, blocks: opts.criticBlocks, leak: 0.2 },
        seed + 1,
        "selfsup_critic",
      );
      this.parts.critic = this.critic;
      this.optimizers.critic = new Adam(this.critic.trainable(), 0.5, 0.9);
      const critic = this.critic,
        copt = this.optimizers.critic;
      this.steps.push({
        name: "critic",
        repeat: opts.nCritic,
        run: ({ x }, ctx) =>
          tf.tidy(() => {
            const p = normalize2d(tf.reshape(x, [-1, J, 2]) as tf.Tensor3D).p;
            const fake = tf.tidy(() => this.newView(this.lift(p, false), ctx.seed).q);
            const real = tf.reshape(p, [-1, J * 2]) as tf.Tensor2D;
            return criticStep(critic, copt, real, tf.reshape(fake, [-1, J * 2]) as tf.Tensor2D, {
              loss: "wgan-gp",
              lambda: opts.lambda,
              lr: opts.criticLr,
              seed: ctx.seed,
            });
          }),
      });
    }
    this.steps.push({ name: "lifter", run: ({ x }, ctx) => this.lifterStep(x, ctx.values.lr, ctx.seed) });
  }

  /**
   * Lift normalized 2D poses p [B, 17, 2] to root-relative 3D [B, 17, 3] (root exactly 0).
   * Training mode uses dropout / batch statistics (collected in bnStats).
   */
  lift(p: tf.Tensor3D, training: boolean, stepSeed?: number, bnStats?: BnStats): tf.Tensor3D {
    return tf.tidy(() => {
      const b = p.shape[0];
      const out = tf.reshape(
        this.net.apply(tf.reshape(p, [b, J * 2]) as tf.Tensor2D, { training, stepSeed, bnStats })[0],
        [b, J, 3],
      );
      const X = tf.add(out, tf.concat([p, tf.zeros([b, J, 1])], 2));
      return tf.sub(X, tf.slice(X, [0, ROOT, 0], [-1, 1, 3])) as tf.Tensor3D;
    });
  }

  /**
   * A random new view of poses X [B, 17, 3]: azimuth ~ U(±maxAzimuthDeg), elevation ~ U(±maxElevationDeg),
   * seeded. Returns the angles, the projection q normalized to RMS 1 [B, 17, 2] and its scale k [B, 1, 1].
   */
  newView(X: tf.Tensor3D, seed: number): { az: tf.Tensor1D; el: tf.Tensor1D; q: tf.Tensor3D; k: tf.Tensor3D } {
    const b = X.shape[0],
      rad = Math.PI / 180;
    const az = tf.randomUniform(
      [b],
      -this.opts.maxAzimuthDeg * rad,
      this.opts.maxAzimuthDeg * rad,
      "float32",
      seed,
    ) as tf.Tensor1D;
    const el = tf.randomUniform(
      [b],
      -this.opts.maxElevationDeg * rad,
      this.opts.maxElevationDeg * rad,
      "float32",
      seed + 7,
    ) as tf.Tensor1D;
    const { p: q, scale: k } = normalize2d(projectPoses(this.turn(X, az, el), this.opts.rootDepth));
    return { az, el, q, k };
  }

  /**
   * Turn root-relative poses X [B, J, 3] by azimuth α about the person's vertical axis and add the
   * elevation ε, the camera keeping its elevation e: Rx(e)·Rx(ε)·Ry(α)·Rx(−e)·X (rotatePoses' axes).
   * `inverse` undoes it. With e = 0 it is rotatePoses.
   */
  turn(X: tf.Tensor3D, azimuth: tf.Tensor1D, elevation: tf.Tensor1D, inverse = false): tf.Tensor3D {
    return tf.tidy(() => {
      const b = X.shape[0],
        zero = tf.zeros([b]) as tf.Tensor1D;
      const e = tf.mul(tf.ones([b]), tf.mul(this.elevation, ELEVATION_UNIT)) as tf.Tensor1D;
      const upright = rotatePoses(X, zero, tf.neg(e));
      return rotatePoses(rotatePoses(upright, azimuth, elevation, inverse), zero, e);
    });
  }

  /** The lifter's loss terms on raw 2D pixels x [B, 34] (training mode), before weighting. */
  lifterTerms(x: tf.Tensor2D, seed: number, bnStats?: BnStats): { loss: tf.Scalar; terms: Record<string, tf.Scalar> } {
    assertInput(x, this.inputDim, "selfsup.lifterTerms");
    const o = this.opts,
      c = o.rootDepth;
    const p = normalize2d(tf.reshape(x, [-1, J, 2]) as tf.Tensor3D).p;
    const X = this.lift(p, true, seed, bnStats);
    const terms: Record<string, tf.Scalar> = {};
    const parts: tf.Scalar[] = [];
    const add = (name: string, w: number, v: tf.Scalar, on: boolean) => {
      terms[name] = v;
      if (on && w > 0) parts.push(tf.mul(w, v) as tf.Scalar);
    };
    add("reprojection", o.wReprojection, meanSq(projectPoses(X, c), p), o.reprojection);
    const view = this.newView(X, seed + 1);
    if (o.cycle) {
      const Xr = tf.mul(this.lift(view.q, true, seed + 2, bnStats), view.k) as tf.Tensor3D;
      const Xback = this.turn(Xr, view.az, view.el, true);
      add("cycle3d", o.wCycle3d, meanSq(Xback, X), true);
      add("cycle2d", o.wCycle2d, meanSq(projectPoses(Xback, c), p), true);
    }
    if (this.critic)
      add(
        "adversarial",
        o.wAdversarial,
        tf.neg(tf.mean(this.critic.score(tf.reshape(view.q, [-1, J * 2]) as tf.Tensor2D))) as tf.Scalar,
        true,
      );
    const pr = skeletonPriors(X);
    add("symmetry", o.wSymmetry, pr.symmetry, o.priors);
    add("ratio", o.wRatio, pr.ratio, o.priors);
    const loss = parts.length ? (tf.addN(parts) as tf.Scalar) : (tf.mul(X.sum(), 0) as tf.Scalar);
    return { loss, terms };
  }

  /** One lifter update; returns { loss, gradNorm, reprojection, cycle3d, cycle2d, adversarial, symmetry, ratio } and, when learned, elevationDeg. */
  lifterStep(x: tf.Tensor2D, lr: number, seed: number): Record<string, tf.Scalar> {
    const bnStats: BnStats = [];
    const r = minimize(this.optimizers.lifter, lr, () => this.lifterTerms(x, seed, bnStats));
    if (bnStats.length) Mlp.updateMovingStats(bnStats);
    if (this.opts.learnElevation)
      r.elevationDeg = tf.tidy(() => tf.mul(this.elevation, (ELEVATION_UNIT * 180) / Math.PI) as tf.Scalar);
    return r;
  }

  /** Root-relative 3D of the 16 non-root joints [B, 48] in pose units, from raw pixels x [B, 34]. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    assertInput(x, this.inputDim, "selfsup.predict");
    return tf.tidy(() => {
      const X = this.lift(normalize2d(tf.reshape(x, [-1, J, 2]) as tf.Tensor3D).p, false);
      return tf.reshape(tf.gather(X, [...NON_ROOT], 1), [-1, this.outputDim]) as tf.Tensor2D;
    });
  }

  /** 2D-only validation terms on raw pixels x [B, 34] (inference mode): reprojection and a seeded cycle. */
  diagnostics(x: tf.Tensor2D, seed: number): { reprojection: tf.Scalar; cycle3d: tf.Scalar; wasserstein?: tf.Scalar } {
    assertInput(x, this.inputDim, "selfsup.diagnostics");
    return tf.tidy(() => {
      const p = normalize2d(tf.reshape(x, [-1, J, 2]) as tf.Tensor3D).p;
      const X = this.lift(p, false);
      const view = this.newView(X, seed);
      const Xback = this.turn(tf.mul(this.lift(view.q, false), view.k) as tf.Tensor3D, view.az, view.el, true);
      const out: { reprojection: tf.Scalar; cycle3d: tf.Scalar; wasserstein?: tf.Scalar } = {
        reprojection: meanSq(projectPoses(X, this.opts.rootDepth), p),
        cycle3d: meanSq(Xback, X),
      };
      if (this.critic) {
        const flat = (t: tf.Tensor3D) => tf.reshape(t, [-1, J * 2]) as tf.Tensor2D;
        out.wasserstein = wassersteinEstimate(this.critic.score(flat(p)), this.critic.score(flat(view.q)));
      }
      return out;
    });
  }

  /** The camera elevation e in degrees (learned or fixed). */
  elevationDeg(): number {
    return ((this.elevation.dataSync()[0] * ELEVATION_UNIT) / Math.PI) * 180;
  }

  /**
   * The cycle of one pose (raw pixels [17 × 2]) with given angles (radians), inference mode, for figures:
   * the normalized input p [17, 2], its lift X [17, 3], the normalized new view q [17, 2], and the lift of
   * q turned back X̃ [17, 3] (in X's units).
   */
  cycle(
    pose2dPx: ArrayLike<number>,
    azimuth: number,
    elevation: number,
  ): { p: Float32Array; X: Float32Array; q: Float32Array; back: Float32Array } {
    if (pose2dPx.length !== this.inputDim)
      throw new Error(`selfsup.cycle: expected one pose of ${this.inputDim} values, got ${pose2dPx.length}`);
    const t = tf.tidy(() => {
      const b = 1,
        x = tf.tensor2d(Array.from(pose2dPx), [1, this.inputDim]);
      const p = normalize2d(tf.reshape(x, [-1, J, 2]) as tf.Tensor3D).p;
      const X = this.lift(p, false);
      const az = tf.fill([b], azimuth) as tf.Tensor1D,
        el = tf.fill([b], elevation) as tf.Tensor1D;
      const { p: q, scale: k } = normalize2d(projectPoses(this.turn(X, az, el), this.opts.rootDepth));
      const back = this.turn(tf.mul(this.lift(q, false), k) as tf.Tensor3D, az, el, true);
      return [p, X, q, back];
    });
    const [p, X, q, back] = t.map((v) => v.dataSync() as Float32Array);
    tf.dispose(t);
    return { p, X, q, back };
  }

  encodeMean(): tf.Tensor2D {
    throw new Error("the self-supervised lifter has no latent space");
  }

  sample(): tf.Tensor2D[] {
    throw new Error("the self-supervised lifter is deterministic: it samples no hypotheses");
  }

  parameterCount(): number {
    return this.net.trainable().reduce((s, v) => s + v.size, 0);
  }

  /** The inference graph on already-normalized 2D (normalize2d, flattened [B, 34]) → [B, 17 × 3] offsets. */
  toLayersModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.inputDim], name: "pose2d_normalized" });
    return tf.model({ inputs: input, outputs: this.net.toLayers(input, "net")[0], name: "hpe3d_selfsup" });
  }

  dispose(): void {
    this.net.dispose();
    this.critic?.dispose();
    this.elevation.dispose();
    for (const o of Object.values(this.optimizers)) o.dispose();
  }
}

/**
 * The model as a lib/eval Lifter. MODEL_KINDS (lib/models/lifter.ts) has no "selfsup" kind yet, so the
 * kind is the one field that does not match; evaluateLifter reads it only as the default result name
 * (pass `name`). Steps are typed on 2D-only batches, which a LiftBatch also satisfies.
 */
export function asLifter(m: SelfSupLifter): Lifter {
  return m as unknown as Lifter & { kind: ModelKind };
}
