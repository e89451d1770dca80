/** Pose geometry helpers: depth ambiguity, bone lengths, world/camera framing. */
import { CHILDREN, H36M_PARENTS, NUM_JOINTS, ROOT } from "./skeleton";

/**
 * Another 3D pose with exactly the same 2D projection and the same bone lengths.
 * Each joint lies on its camera ray; given its parent's position, the ray meets the sphere
 * of radius = bone length in up to two points. Walking down the tree from the root, joints
 * for which `flip(j)` is true take the other intersection when the rest of their subtree can
 * still be placed (backtracking), others the one nearest their original depth.
 * Input and output are camera-space poses [17, 3] (mm).
 */
export function depthAmbiguousPose(
  poseCam: ArrayLike<number>,
  flip: (joint: number) => boolean = () => true,
): Float64Array {
  if (poseCam.length !== NUM_JOINTS * 3)
    throw new Error(`depthAmbiguousPose: expected [17, 3] values, got ${poseCam.length}`);
  const out = new Float64Array(poseCam.length);
  for (let d = 0; d < 3; d++) out[ROOT * 3 + d] = poseCam[ROOT * 3 + d];
  const place = (j: number): boolean => {
    const p = H36M_PARENTS[j];
    const x = [poseCam[j * 3], poseCam[j * 3 + 1], poseCam[j * 3 + 2]];
    const L = Math.hypot(x[0] - poseCam[p * 3], x[1] - poseCam[p * 3 + 1], x[2] - poseCam[p * 3 + 2]);
    const norm = Math.hypot(x[0], x[1], x[2]);
    const dir = x.map((v) => v / norm);
    const P = [out[p * 3], out[p * 3 + 1], out[p * 3 + 2]];
    // |t·d − P| = L  ⇔  t² − 2t(d·P) + |P|² − L² = 0
    const b = dir[0] * P[0] + dir[1] * P[1] + dir[2] * P[2];
    const disc = b * b - (P[0] ** 2 + P[1] ** 2 + P[2] ** 2 - L * L);
    if (disc < 0) return false;
    const roots = [b + Math.sqrt(disc), b - Math.sqrt(disc)]
      .filter((t) => t > 0)
      .sort((t1, t2) => Math.abs(t1 - norm) - Math.abs(t2 - norm));
    if (flip(j)) roots.reverse();
    for (const t of roots) {
      for (let d = 0; d < 3; d++) out[j * 3 + d] = t * dir[d];
      if (CHILDREN[j].every(place)) return true;
    }
    return false;
  };
  if (!CHILDREN[ROOT].every(place))
    throw new Error("depthAmbiguousPose: no pose with the same projection and bone lengths was found");
  return out;
}

/** Bone lengths [16] of a pose [17, 3], in the order of the non-root joints. */
export function boneLengths(pose: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let j = 0; j < NUM_JOINTS; j++) {
    const p = H36M_PARENTS[j];
    if (p >= 0)
      out.push(
        Math.hypot(pose[j * 3] - pose[p * 3], pose[j * 3 + 1] - pose[p * 3 + 1], pose[j * 3 + 2] - pose[p * 3 + 2]),
      );
  }
  return out;
}

/** One frame [17, dims] out of a flat array of poses. */
export function frameOf(poses: ArrayLike<number>, i: number, dims = 3): Float64Array {
  const n = NUM_JOINTS * dims;
  return Float64Array.from({ length: n }, (_, k) => poses[i * n + k]);
}

/**
 * Camera-space (x right, y down, z forward) → a display frame with z up, for 3D plots
 * of camera-space poses: (x, y, z) ↦ (x, z, −y).
 */
export function cameraToDisplay(pose: ArrayLike<number>): Float64Array {
  const out = new Float64Array(pose.length);
  for (let i = 0; i < pose.length; i += 3) {
    out[i] = pose[i];
    out[i + 1] = pose[i + 2];
    out[i + 2] = -pose[i + 1];
  }
  return out;
}

/**
 * Rotation by `angleRad` about `axis` (normalized here; Rodrigues' formula), as a row-major
 * 3×3 matrix: a point p turns to R·p.
 */
export function rotationMatrix(
  axis: readonly [number, number, number] | readonly number[],
  angleRad: number,
): number[] {
  const n = Math.hypot(axis[0], axis[1], axis[2]);
  if (!(n > 0)) throw new Error(`rotationMatrix: the axis must be a non-zero 3-vector, got [${axis.join(", ")}]`);
  const [x, y, z] = [axis[0] / n, axis[1] / n, axis[2] / n];
  const c = Math.cos(angleRad),
    s = Math.sin(angleRad),
    C = 1 - c;
  return [
    c + x * x * C,
    x * y * C - z * s,
    x * z * C + y * s,
    y * x * C + z * s,
    c + y * y * C,
    y * z * C - x * s,
    z * x * C - y * s,
    z * y * C + x * s,
    c + z * z * C,
  ];
}
