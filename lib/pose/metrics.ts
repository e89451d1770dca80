/**
 * Pose error metrics (mm), after VideoPose3D `common/loss.py`. Poses are flat
 * [N, J, 3] arrays. All functions check shapes first.
 *
 * - `mpjpe`: Protocol #1, mean per-joint position error (root-centred inputs).
 * - `pMpjpe`: Protocol #2, error after a per-frame similarity Procrustes alignment
 *   (rotation, translation, uniform scale; reflections suppressed). `rigid: true` gives the
 *   thesis's rotation + translation variant (no scale).
 * - `nMpjpe`: error after the optimal per-frame scale only.
 */

export type Poses = ArrayLike<number>;

function frames(pred: Poses, gt: Poses, joints: number, fn: string): number {
  if (pred.length !== gt.length)
    throw new Error(`${fn}: prediction has ${pred.length} values, ground truth ${gt.length}`);
  if (pred.length % (joints * 3) !== 0)
    throw new Error(`${fn}: expected [N, ${joints}, 3] arrays, got length ${pred.length}`);
  return pred.length / (joints * 3);
}

/** Per-frame MPJPE [N] (mm): mean over joints of the Euclidean distance. */
export function mpjpePerFrame(pred: Poses, gt: Poses, joints = 17): Float64Array {
  const n = frames(pred, gt, joints, "mpjpe");
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let s = 0;
    for (let j = 0; j < joints; j++) {
      const o = (f * joints + j) * 3;
      s += Math.hypot(pred[o] - gt[o], pred[o + 1] - gt[o + 1], pred[o + 2] - gt[o + 2]);
    }
    out[f] = s / joints;
  }
  return out;
}

/** Per-joint error [N, J] (mm). */
export function perJointError(pred: Poses, gt: Poses, joints = 17): Float64Array {
  const n = frames(pred, gt, joints, "perJointError");
  const out = new Float64Array(n * joints);
  for (let i = 0; i < n * joints; i++)
    out[i] = Math.hypot(pred[i * 3] - gt[i * 3], pred[i * 3 + 1] - gt[i * 3 + 1], pred[i * 3 + 2] - gt[i * 3 + 2]);
  return out;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : NaN;
};

/** Protocol #1: MPJPE (mm), mean over frames and joints. */
export function mpjpe(pred: Poses, gt: Poses, joints = 17): number {
  return mean(mpjpePerFrame(pred, gt, joints));
}

/** Eigen-decomposition of a symmetric 4×4 matrix by Jacobi rotations: the top eigenpair. */
function topEigen4(A: number[]): { value: number; vector: number[] } {
  const a = A.slice();
  const v = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += a[p * 4 + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < 4; p++)
      for (let q = p + 1; q < 4; q++) {
        const apq = a[p * 4 + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * 4 + q] - a[p * 4 + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < 4; k++) {
          const akp = a[k * 4 + p],
            akq = a[k * 4 + q];
          a[k * 4 + p] = c * akp - s * akq;
          a[k * 4 + q] = s * akp + c * akq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = a[p * 4 + k],
            aqk = a[q * 4 + k];
          a[p * 4 + k] = c * apk - s * aqk;
          a[q * 4 + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = v[k * 4 + p],
            vkq = v[k * 4 + q];
          v[k * 4 + p] = c * vkp - s * vkq;
          v[k * 4 + q] = s * vkp + c * vkq;
        }
      }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (a[i * 4 + i] > a[best * 4 + best]) best = i;
  return { value: a[best * 4 + best], vector: [v[best], v[4 + best], v[8 + best], v[12 + best]] };
}

/**
 * Align one predicted frame [J, 3] to the target by the proper rotation R, translation t
 * and (unless rigid) uniform scale s minimizing Σ|s R y + t − x|² (Horn's quaternion
 * method: the optimum over rotations only, so reflections are suppressed, as VideoPose3D's
 * det(R) < 0 correction does). Writes the aligned frame into `out`.
 */
export function procrustesAlign(
  pred: Poses,
  gt: Poses,
  joints: number,
  out: Float64Array | Float32Array,
  opts: { rigid?: boolean; offsetIn?: number; offsetOut?: number } = {},
): { scale: number; rotation: number[] } {
  const oi = opts.offsetIn ?? 0,
    oo = opts.offsetOut ?? 0;
  const mx = [0, 0, 0],
    my = [0, 0, 0];
  for (let j = 0; j < joints; j++)
    for (let d = 0; d < 3; d++) {
      mx[d] += gt[oi + j * 3 + d] / joints;
      my[d] += pred[oi + j * 3 + d] / joints;
    }
  // M = Σ y xᵀ over centred points.
  const M = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let ny = 0;
  for (let j = 0; j < joints; j++) {
    const y = [0, 1, 2].map((d) => pred[oi + j * 3 + d] - my[d]);
    const x = [0, 1, 2].map((d) => gt[oi + j * 3 + d] - mx[d]);
    ny += y[0] * y[0] + y[1] * y[1] + y[2] * y[2];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) M[r * 3 + c] += y[r] * x[c];
  }
  const [Sxx, Sxy, Sxz, Syx, Syy, Syz, Szx, Szy, Szz] = M;
  const N = [
    Sxx + Syy + Szz,
    Syz - Szy,
    Szx - Sxz,
    Sxy - Syx,
    Syz - Szy,
    Sxx - Syy - Szz,
    Sxy + Syx,
    Szx + Sxz,
    Szx - Sxz,
    Sxy + Syx,
    -Sxx + Syy - Szz,
    Syz + Szy,
    Sxy - Syx,
    Szx + Sxz,
    Syz + Szy,
    -Sxx - Syy + Szz,
  ];
  const {
    value,
    vector: [w, qx, qy, qz],
  } = topEigen4(N);
  const R = [
    w * w + qx * qx - qy * qy - qz * qz,
    2 * (qx * qy - w * qz),
    2 * (qx * qz + w * qy),
    2 * (qx * qy + w * qz),
    w * w - qx * qx + qy * qy - qz * qz,
    2 * (qy * qz - w * qx),
    2 * (qx * qz - w * qy),
    2 * (qy * qz + w * qx),
    w * w - qx * qx - qy * qy + qz * qz,
  ];
  const scale = opts.rigid ? 1 : ny > 0 ? value / ny : 1;
  for (let j = 0; j < joints; j++) {
    const y = [0, 1, 2].map((d) => pred[oi + j * 3 + d] - my[d]);
    for (let r = 0; r < 3; r++)
      out[oo + j * 3 + r] = scale * (R[r * 3] * y[0] + R[r * 3 + 1] * y[1] + R[r * 3 + 2] * y[2]) + mx[r];
  }
  return { scale, rotation: R };
}

/** Predictions aligned frame by frame to the ground truth (Protocol #2 alignment). */
export function procrustesAligned(pred: Poses, gt: Poses, joints = 17, opts: { rigid?: boolean } = {}): Float64Array {
  const n = frames(pred, gt, joints, "pMpjpe");
  const out = new Float64Array(pred.length);
  for (let f = 0; f < n; f++)
    procrustesAlign(pred, gt, joints, out, { rigid: opts.rigid, offsetIn: f * joints * 3, offsetOut: f * joints * 3 });
  return out;
}

/** Per-frame P-MPJPE [N] (mm). */
export function pMpjpePerFrame(pred: Poses, gt: Poses, joints = 17, opts: { rigid?: boolean } = {}): Float64Array {
  return mpjpePerFrame(procrustesAligned(pred, gt, joints, opts), gt, joints);
}

/** Protocol #2: P-MPJPE (mm). `rigid: true`: rotation + translation only (the thesis's variant). */
export function pMpjpe(pred: Poses, gt: Poses, joints = 17, opts: { rigid?: boolean } = {}): number {
  return mean(pMpjpePerFrame(pred, gt, joints, opts));
}

/** Per-frame N-MPJPE [N]: each prediction scaled by s = Σ p·g / Σ p·p first. */
export function nMpjpePerFrame(pred: Poses, gt: Poses, joints = 17): Float64Array {
  const n = frames(pred, gt, joints, "nMpjpe");
  const scaled = new Float64Array(pred.length);
  for (let f = 0; f < n; f++) {
    let pg = 0,
      pp = 0;
    for (let i = f * joints * 3; i < (f + 1) * joints * 3; i++) {
      pg += pred[i] * gt[i];
      pp += pred[i] * pred[i];
    }
    const s = pp > 0 ? pg / pp : 1;
    for (let i = f * joints * 3; i < (f + 1) * joints * 3; i++) scaled[i] = s * pred[i];
  }
  return mpjpePerFrame(scaled, gt, joints);
}

export function nMpjpe(pred: Poses, gt: Poses, joints = 17): number {
  return mean(nMpjpePerFrame(pred, gt, joints));
}

/**
 * Average per-frame errors by action as the H36M anchors do: the frame-weighted mean
 * within each action, then the unweighted mean over actions. Also returns the plain
 * frame-wise mean for comparison.
 */
export function byAction(
  perFrame: ArrayLike<number>,
  action: ArrayLike<number>,
  actionNames: readonly string[],
): { perAction: Record<string, number>; actionWise: number; frameWise: number; frames: Record<string, number> } {
  if (perFrame.length !== action.length)
    throw new Error(`byAction: ${perFrame.length} errors but ${action.length} action labels`);
  const sum = new Float64Array(actionNames.length),
    cnt = new Float64Array(actionNames.length);
  for (let i = 0; i < perFrame.length; i++) {
    const a = action[i];
    if (!(a >= 0 && a < actionNames.length))
      throw new Error(`byAction: sample ${i} has action index ${a}, expected 0..${actionNames.length - 1}`);
    sum[a] += perFrame[i];
    cnt[a]++;
  }
  const perAction: Record<string, number> = {},
    framesOut: Record<string, number> = {};
  const present: number[] = [];
  actionNames.forEach((n, a) => {
    if (cnt[a] > 0) {
      perAction[n] = sum[a] / cnt[a];
      framesOut[n] = cnt[a];
      present.push(perAction[n]);
    }
  });
  return { perAction, actionWise: mean(present), frameWise: mean(perFrame), frames: framesOut };
}

/**
 * Best-of-N: per frame, the lowest error among N hypotheses [N_hyp][frames, J, 3].
 * Returns per-frame errors, with `metric` = "mpjpe" or "pmpjpe".
 */
export function bestOfN(
  hypotheses: Poses[],
  gt: Poses,
  joints = 17,
  metric: "mpjpe" | "pmpjpe" = "mpjpe",
): Float64Array {
  if (!hypotheses.length) throw new Error("bestOfN: no hypotheses");
  const per = hypotheses.map((h) =>
    metric === "mpjpe" ? mpjpePerFrame(h, gt, joints) : pMpjpePerFrame(h, gt, joints),
  );
  const out = Float64Array.from(per[0]);
  for (const p of per.slice(1)) for (let i = 0; i < out.length; i++) out[i] = Math.min(out[i], p[i]);
  return out;
}
