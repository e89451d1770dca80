/**
 * BlazePose's 33 landmarks by name, and how they map onto the H36M-17 skeleton (pure: no TF.js).
 *
 * BlazePose world landmarks are metres with the origin between the hips, x right, y down and z away
 * from the camera, so they compare with a camera-relative 3D pose after root-centring.
 * Shared with H36M-17 (15 joints): the hips' midpoint as Hip, each hip, knee and ankle (H36M's Foot is
 * the ankle), the shoulders' midpoint as Thorax, the nose as Neck/Nose, and each shoulder, elbow and
 * wrist. Spine and Head have no landmark and are not shared. The same holds for COCO-17, whose 17
 * points are a subset of BlazePose's 33 (`BLAZEPOSE_TO_COCO`).
 */
import {
  COCO_KEYPOINTS,
  COCO_TO_H36M,
  type CocoKeypoint,
  H36M_JOINTS,
  type H36MJoint,
  NUM_JOINTS,
  nameIndex,
} from "../pose/skeleton";

/** BlazePose's 33 landmarks, in the model's output order (MediaPipe names, the person's left/right). */
export const BLAZEPOSE_LANDMARKS = [
  "nose",
  "left_eye_inner",
  "left_eye",
  "left_eye_outer",
  "right_eye_inner",
  "right_eye",
  "right_eye_outer",
  "left_ear",
  "right_ear",
  "mouth_left",
  "mouth_right",
  "left_shoulder",
  "right_shoulder",
  "left_elbow",
  "right_elbow",
  "left_wrist",
  "right_wrist",
  "left_pinky",
  "right_pinky",
  "left_index",
  "right_index",
  "left_thumb",
  "right_thumb",
  "left_hip",
  "right_hip",
  "left_knee",
  "right_knee",
  "left_ankle",
  "right_ankle",
  "left_heel",
  "right_heel",
  "left_foot_index",
  "right_foot_index",
] as const;
export type BlazePoseLandmark = (typeof BLAZEPOSE_LANDMARKS)[number];

/** Index of a BlazePose landmark by name. */
export function blazePoseIndex(name: BlazePoseLandmark): number {
  return nameIndex(BLAZEPOSE_LANDMARKS, name, "BlazePose landmark");
}

/** Each COCO keypoint is the BlazePose landmark of the same name. */
export const BLAZEPOSE_TO_COCO: Record<CocoKeypoint, BlazePoseLandmark> = Object.fromEntries(
  COCO_KEYPOINTS.map((k) => [k, k as BlazePoseLandmark]),
) as Record<CocoKeypoint, BlazePoseLandmark>;

/**
 * H36M joints made from BlazePose landmarks (mean of the listed ones); null: no counterpart.
 * BlazePose names its body points as COCO does, so this is COCO_TO_H36M with the two
 * interpolated joints (Spine, Head) left out.
 */
export const BLAZEPOSE_TO_H36M = Object.fromEntries(
  H36M_JOINTS.map((j) => {
    const src = COCO_TO_H36M[j];
    return [j, src === "interp" ? null : src.map((k) => BLAZEPOSE_TO_COCO[k])];
  }),
) as unknown as Record<H36MJoint, readonly BlazePoseLandmark[] | null>;

/**
 * BlazePose world landmarks (metres, [33] named points) → H36M-17 joints in millimetres.
 * Returns xyzMm [17 × 3] (joint j at j*3) and `shared[j]` = 1 where the joint has a counterpart;
 * joints without one (Spine, Head) are NaN.
 */
export function blazePoseWorldToH36mMm(world: readonly { name: string; x: number; y: number; z: number }[]): {
  xyzMm: Float32Array;
  shared: Uint8Array;
} {
  if (world.length !== BLAZEPOSE_LANDMARKS.length) {
    throw new Error(
      `blazePoseWorldToH36mMm: expected ${BLAZEPOSE_LANDMARKS.length} world landmarks, got ${world.length}`,
    );
  }
  const byName = new Map(world.map((l) => [l.name, l]));
  const xyzMm = new Float32Array(NUM_JOINTS * 3).fill(Number.NaN);
  const shared = new Uint8Array(NUM_JOINTS);
  H36M_JOINTS.forEach((joint, j) => {
    const src = BLAZEPOSE_TO_H36M[joint];
    if (!src) return;
    const pts = src.map((n) => {
      const p = byName.get(n);
      if (!p) throw new Error(`blazePoseWorldToH36mMm: landmark "${n}" missing`);
      return p;
    });
    shared[j] = 1;
    xyzMm[j * 3] = (1000 * pts.reduce((s, p) => s + p.x, 0)) / pts.length;
    xyzMm[j * 3 + 1] = (1000 * pts.reduce((s, p) => s + p.y, 0)) / pts.length;
    xyzMm[j * 3 + 2] = (1000 * pts.reduce((s, p) => s + p.z, 0)) / pts.length;
  });
  return { xyzMm, shared };
}
