/**
 * How often a lifter's depth is mirrored: the depth ambiguity of one view lets a pose and its
 * mirror image in depth (z − z_root negated) project almost identically. A prediction is
 * "flipped" when, after the per-pose least-squares scale s = Σp·g / Σp·p (as N-MPJPE), it lies closer
 * to the depth-mirrored ground truth than to the ground truth itself. Per joint, the same
 * comparison for each joint alone, counted only where the joint's ground-truth depth relative to
 * the root is at least `minDepthMm` (near-zero depths cannot flip). Ties (equal distances, e.g. a
 * prediction with zero depth) count as half a flip: a flat pose is a coin toss, not a correct depth.
 * Poses: root-centred, camera frame (z = depth), flat [n, 17, 3]. Pure, no TF.js.
 */
import { H36M_JOINTS, NUM_JOINTS, ROOT } from "../pose/skeleton";

export interface DepthFlips {
  /** Share of frames closer to the depth-mirrored ground truth. */
  frameShare: number;
  /** Per joint: share of frames (with |depth| ≥ minDepthMm) where the joint is closer to its mirror. */
  perJoint: Record<string, number>;
  /** Frames counted per joint. */
  perJointFrames: Record<string, number>;
}

/** Depth-flip shares of predictions against ground truth (both [n, 17, 3], root-centred). */
export function depthFlips(pred: ArrayLike<number>, gt: ArrayLike<number>, minDepthMm = 50): DepthFlips {
  const P = NUM_JOINTS * 3;
  if (pred.length !== gt.length || pred.length % P !== 0) {
    throw new Error(
      `depthFlips: expected prediction and ground truth [n, 17, 3] of equal size, got ${pred.length} and ${gt.length}`,
    );
  }
  const n = pred.length / P;
  const flipped = new Float64Array(NUM_JOINTS),
    counted = new Float64Array(NUM_JOINTS);
  let frames = 0;
  for (let i = 0; i < n; i++) {
    const o = i * P;
    let pg = 0,
      pp = 0;
    for (let k = 0; k < P; k++) {
      pg += pred[o + k] * gt[o + k];
      pp += pred[o + k] * pred[o + k];
    }
    const s = pp > 0 ? pg / pp : 1;
    let eTrue = 0,
      eMirror = 0;
    for (let j = 0; j < NUM_JOINTS; j++) {
      const b = o + j * 3,
        zr = gt[o + ROOT * 3 + 2];
      const dx = s * pred[b] - gt[b],
        dy = s * pred[b + 1] - gt[b + 1];
      const zg = gt[b + 2] - zr,
        zp = s * pred[b + 2] - zr;
      const a = Math.sqrt(dx * dx + dy * dy + (zp - zg) ** 2),
        m = Math.sqrt(dx * dx + dy * dy + (zp + zg) ** 2);
      eTrue += a;
      eMirror += m;
      if (Math.abs(zg) >= minDepthMm) {
        counted[j]++;
        flipped[j] += m < a ? 1 : m === a ? 0.5 : 0;
      }
    }
    frames += eMirror < eTrue ? 1 : eMirror === eTrue ? 0.5 : 0;
  }
  const perJoint: Record<string, number> = {},
    perJointFrames: Record<string, number> = {};
  H36M_JOINTS.forEach((name, j) => {
    if (j === ROOT) return;
    perJoint[name] = counted[j] ? flipped[j] / counted[j] : NaN;
    perJointFrames[name] = counted[j];
  });
  return { frameShare: n ? frames / n : NaN, perJoint, perJointFrames };
}
