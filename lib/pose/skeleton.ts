/**
 * Skeletons: the Human3.6M 17-joint skeleton (the one source of truth for plots, losses,
 * joint mappings and preprocessing) and the COCO 17-keypoint layout of 2D detectors.
 * Joint order and parents as in VideoPose3D (`common/skeleton.py`) and Martinez et al.
 * (`H36M_NAMES`), the layout the published Human3.6M results use.
 */

/** The 17 H36M joints, in the order of VideoPose3D / Martinez. Index 0 is the root. */
export const H36M_JOINTS = [
  "Hip",
  "RHip",
  "RKnee",
  "RFoot",
  "LHip",
  "LKnee",
  "LFoot",
  "Spine",
  "Thorax",
  "Neck/Nose",
  "Head",
  "LShoulder",
  "LElbow",
  "LWrist",
  "RShoulder",
  "RElbow",
  "RWrist",
] as const;
export type H36MJoint = (typeof H36M_JOINTS)[number];
export const NUM_JOINTS = H36M_JOINTS.length;

/** Parent of each joint (-1 for the root), after removing 15 of the 32 joints (shoulders rewired to Thorax). */
export const H36M_PARENTS: readonly number[] = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15];

/** Indices of the 17 kept joints among the 32 of the raw H36M files. */
export const H36M32_KEPT: readonly number[] = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27];
/** Parents of the raw 32-joint skeleton. */
export const H36M32_PARENTS: readonly number[] = [
  -1, 0, 1, 2, 3, 4, 0, 6, 7, 8, 9, 0, 11, 12, 13, 14, 12, 16, 17, 18, 19, 20, 19, 22, 12, 24, 25, 26, 27, 28, 27, 30,
];

/** Index of a joint by name: `jointIndex("Thorax")`, never a magic number. */
/** Index of `name` in a list of point names; an unknown name is an error listing the known ones. */
export function nameIndex(names: readonly string[], name: string, what: string): number {
  const i = names.indexOf(name);
  if (i < 0) throw new Error(`unknown ${what} "${name}"; ${what}s are ${names.join(", ")}`);
  return i;
}

export function jointIndex(name: H36MJoint): number {
  return nameIndex(H36M_JOINTS, name, "H36M joint");
}

export const ROOT = jointIndex("Hip");

/** Which side a joint is on (from its name). */
export function jointSide(i: number): "left" | "right" | "center" {
  const n = H36M_JOINTS[i];
  return n.startsWith("L") ? "left" : n.startsWith("R") ? "right" : "center";
}
export const JOINTS_LEFT: readonly number[] = H36M_JOINTS.map((_, i) => i).filter((i) => jointSide(i) === "left");
export const JOINTS_RIGHT: readonly number[] = H36M_JOINTS.map((_, i) => i).filter((i) => jointSide(i) === "right");

/** Bones as [parent, child] pairs, derived from the parents. */
export const BONES: readonly (readonly [number, number])[] = H36M_PARENTS.flatMap((p, c) =>
  p >= 0 ? [[p, c] as const] : [],
);

/** Children of each joint, derived from the parents. */
export const CHILDREN: readonly number[][] = H36M_JOINTS.map((_, j) =>
  H36M_PARENTS.flatMap((p, c) => (p === j ? [c] : [])),
);

/** Left/right swap permutation (for flip augmentation): joint i ↔ its mirror. */
export const FLIP_PERMUTATION: readonly number[] = H36M_JOINTS.map((n, i) => {
  if (jointSide(i) === "center") return i;
  const mirror = (n[0] === "L" ? "R" : "L") + n.slice(1);
  return jointIndex(mirror as H36MJoint);
});

/** Joints without the root (the 16 a lifter predicts after root-centring). */
export const NON_ROOT: readonly number[] = H36M_JOINTS.map((_, i) => i).filter((i) => i !== ROOT);

/** COCO 17 keypoints (2D detectors: OpenPose/MoveNet/ViTPose order). */
export const COCO_KEYPOINTS = [
  "nose",
  "left_eye",
  "right_eye",
  "left_ear",
  "right_ear",
  "left_shoulder",
  "right_shoulder",
  "left_elbow",
  "right_elbow",
  "left_wrist",
  "right_wrist",
  "left_hip",
  "right_hip",
  "left_knee",
  "right_knee",
  "left_ankle",
  "right_ankle",
] as const;
export type CocoKeypoint = (typeof COCO_KEYPOINTS)[number];

export function cocoIndex(name: CocoKeypoint): number {
  return nameIndex(COCO_KEYPOINTS, name, "COCO keypoint");
}

/**
 * How each H36M joint is made from COCO keypoints (mean of the listed points). Spine and
 * Head have no COCO counterpart and are interpolated: Spine between the hip and thorax,
 * Head above the nose along thorax→nose. A joint is visible only if all its sources are.
 */
export const COCO_TO_H36M: Record<H36MJoint, readonly CocoKeypoint[] | "interp"> = {
  Hip: ["left_hip", "right_hip"],
  RHip: ["right_hip"],
  RKnee: ["right_knee"],
  RFoot: ["right_ankle"],
  LHip: ["left_hip"],
  LKnee: ["left_knee"],
  LFoot: ["left_ankle"],
  Spine: "interp",
  Thorax: ["left_shoulder", "right_shoulder"],
  "Neck/Nose": ["nose"],
  Head: "interp",
  LShoulder: ["left_shoulder"],
  LElbow: ["left_elbow"],
  LWrist: ["left_wrist"],
  RShoulder: ["right_shoulder"],
  RElbow: ["right_elbow"],
  RWrist: ["right_wrist"],
};

/**
 * Convert COCO keypoints [K=17, 2] (+ visibility) to H36M joints [17, 2] (+ visibility).
 * Returns flat arrays: xy[j*2+d], visible[j].
 */
export function cocoToH36m(
  xy: ArrayLike<number>,
  visible: ArrayLike<number>,
): { xy: Float32Array; visible: Uint8Array } {
  if (xy.length !== COCO_KEYPOINTS.length * 2)
    throw new Error(`cocoToH36m: expected ${COCO_KEYPOINTS.length * 2} values (17 keypoints × 2), got ${xy.length}`);
  const out = new Float32Array(NUM_JOINTS * 2);
  const vis = new Uint8Array(NUM_JOINTS);
  H36M_JOINTS.forEach((name, j) => {
    const src = COCO_TO_H36M[name];
    if (src === "interp") return;
    const idx = src.map(cocoIndex);
    vis[j] = idx.every((k) => visible[k] > 0) ? 1 : 0;
    for (let d = 0; d < 2; d++) out[j * 2 + d] = idx.reduce((s, k) => s + xy[k * 2 + d], 0) / idx.length;
  });
  const hip = ROOT,
    thorax = jointIndex("Thorax"),
    nose = jointIndex("Neck/Nose");
  const spine = jointIndex("Spine"),
    head = jointIndex("Head");
  vis[spine] = vis[hip] && vis[thorax];
  vis[head] = vis[thorax] && vis[nose];
  for (let d = 0; d < 2; d++) {
    out[spine * 2 + d] = 0.5 * (out[hip * 2 + d] + out[thorax * 2 + d]);
    out[head * 2 + d] = out[nose * 2 + d] + 0.5 * (out[nose * 2 + d] - out[thorax * 2 + d]);
  }
  return { xy: out, visible: vis };
}
