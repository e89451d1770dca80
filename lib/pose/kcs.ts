/**
 * The kinematic chain space (KCS) of Wandt & Rosenhahn (RepNet, CVPR 2019). With the joints
 * of a pose as the columns of X [d, J] and the fixed joint-to-bone matrix C [J, nb]
 * (C[parent, b] = −1, C[child, b] = +1), the bone vectors are B = X·C [d, nb] and
 * Ψ = BᵀB [nb, nb] holds the squared bone lengths on its diagonal and the products of
 * bone pairs (lengths and angles) off it. Pure functions on flat arrays, no TF.js.
 *
 * Poses are flat [J, d] (joint-major: x₀ y₀ z₀ x₁ …), as everywhere in hpe3d.
 */
import { H36M_PARENTS, jointIndex, NUM_JOINTS } from "./skeleton";

/** Bones as [parent, child] joint pairs, in the column order of C. */
export function kcsBones(parents: readonly number[] = H36M_PARENTS): [number, number][] {
  return parents.flatMap((p, c) => (p >= 0 ? [[p, c] as [number, number]] : []));
}

/** The joint-to-bone matrix C [J, nb] (row-major): bone b = joint child − joint parent. */
export function jointToBoneMatrix(parents: readonly number[] = H36M_PARENTS): {
  C: Float64Array;
  joints: number;
  bones: number;
} {
  const bones = kcsBones(parents),
    J = parents.length,
    nb = bones.length;
  const C = new Float64Array(J * nb);
  bones.forEach(([p, c], b) => {
    if (p >= J) throw new Error(`jointToBoneMatrix: parent ${p} of joint ${c} is not one of the ${J} joints`);
    C[p * nb + b] = -1;
    C[c * nb + b] = 1;
  });
  return { C, joints: J, bones: nb };
}

/** Bone vectors B = X·C of one pose [J, d] → [nb, d] (bone-major, flat). */
export function boneVectors(
  pose: ArrayLike<number>,
  dims: number,
  parents: readonly number[] = H36M_PARENTS,
): Float64Array {
  const J = parents.length;
  if (pose.length !== J * dims) {
    throw new Error(`boneVectors: expected a pose of ${J} joints × ${dims} = ${J * dims} values, got ${pose.length}`);
  }
  const bones = kcsBones(parents),
    out = new Float64Array(bones.length * dims);
  bones.forEach(([p, c], b) => {
    for (let k = 0; k < dims; k++) out[b * dims + k] = pose[c * dims + k] - pose[p * dims + k];
  });
  return out;
}

/** Ψ = BᵀB [nb, nb] (row-major) of one pose [J, d]. */
export function kcsMatrix(
  pose: ArrayLike<number>,
  dims: number,
  parents: readonly number[] = H36M_PARENTS,
): Float64Array {
  const B = boneVectors(pose, dims, parents),
    nb = B.length / dims,
    psi = new Float64Array(nb * nb);
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < nb; j++) {
      let s = 0;
      for (let k = 0; k < dims; k++) s += B[i * dims + k] * B[j * dims + k];
      psi[i * nb + j] = s;
    }
  }
  return psi;
}

/** Where the root comes from when an input layout leaves it out. */
export type MissingRoot = "origin" | "midHips";

/**
 * The bone vectors of a network input as one affine map: for an input x [inputJoints.length·d]
 * holding the H36M joints `inputJoints` (joint-major), bones = x·M (+ nothing) with
 * M [inputJoints.length·d, nb·d] (row-major, bones bone-major). A joint missing from the
 * input must be the root: it is taken at the origin (root-centred 3D) or at the midpoint of
 * LHip and RHip (2D layouts that drop the hip). Any other missing joint is an error.
 */
export function inputToBoneMap(
  inputJoints: readonly number[],
  dims: number,
  o: { missingRoot?: MissingRoot; parents?: readonly number[] } = {},
): { M: Float64Array; rows: number; cols: number } {
  const parents = o.parents ?? H36M_PARENTS,
    J = parents.length;
  const rootIdx = parents.indexOf(-1);
  // E [J, inputJoints.length]: joint j = Σ_k E[j, k] · input joint k (per coordinate).
  const nIn = inputJoints.length,
    E = new Float64Array(J * nIn);
  inputJoints.forEach((j, k) => {
    if (j < 0 || j >= J) throw new Error(`inputToBoneMap: input joint ${j} is not one of the ${J} joints`);
    E[j * nIn + k] = 1;
  });
  for (let j = 0; j < J; j++) {
    if (inputJoints.includes(j)) continue;
    if (j !== rootIdx) throw new Error(`inputToBoneMap: joint ${j} is missing from the input and is not the root`);
    if ((o.missingRoot ?? "origin") === "midHips") {
      if (J !== NUM_JOINTS) throw new Error("inputToBoneMap: midHips needs the 17-joint H36M skeleton");
      for (const name of ["LHip", "RHip"] as const) {
        const k = inputJoints.indexOf(jointIndex(name));
        if (k < 0) throw new Error(`inputToBoneMap: midHips needs ${name} in the input`);
        E[j * nIn + k] = 0.5;
      }
    }
  }
  const { C, bones: nb } = jointToBoneMatrix(parents);
  // Per coordinate: bones[b] = Σ_j C[j, b] · joint[j] = Σ_k (Σ_j C[j, b] E[j, k]) · input[k].
  const rows = nIn * dims,
    cols = nb * dims,
    M = new Float64Array(rows * cols);
  for (let k = 0; k < nIn; k++) {
    for (let b = 0; b < nb; b++) {
      let w = 0;
      for (let j = 0; j < J; j++) w += C[j * nb + b] * E[j * nIn + k];
      if (w === 0) continue;
      for (let d = 0; d < dims; d++) M[(k * dims + d) * cols + b * dims + d] = w;
    }
  }
  return { M, rows, cols };
}
