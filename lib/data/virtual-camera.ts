/**
 * Augmentation with virtual cameras: a training pose seen from a seeded random camera placed
 * around the subject, through the same projection as the data (lib/pose/camera.ts
 * `projectToImage`, an H36M camera's distortion), so the lifter sees viewpoints, distances and
 * focal lengths the four H36M cameras of each rig never had.
 *
 * A camera is drawn as: azimuth α about the world's vertical axis, elevation e (how far it looks
 * down), distance d from the subject's root, the root's direction in the image (θx, θy), and one
 * of the H36M intrinsics with its focal length scaled by k. Its axes are x right, y down, z forward
 * (as H36M's): forward f = (cos e cos α, cos e sin α, −sin e) in the world (z up),
 * y = −(up − (up·f) f)/‖…‖, x = y × f; a joint w lands at
 * X = (x·(w − r), y·(w − r), f·(w − r)) + d (tan θx, tan θy, 1), with r the root.
 */
import { NUM_JOINTS, ROOT } from "../pose/skeleton";
import { type CameraIntrinsics, cameraToWorld, H36M_INTRINSICS, h36mCameras, projectToImage } from "../pose/camera";
import type { Random } from "../core/rng";
import type { PoseSet } from "./dataset";
import { selectSamples } from "./experiment";

/** Ranges of the virtual cameras (uniform in each). */
export interface VirtualCameraRanges {
  /** Azimuth about the vertical axis (degrees). */
  azimuthDeg: readonly [number, number];
  /** Elevation: > 0 looks down on the subject (degrees). H36M's cameras: 12.6° on average. */
  elevationDeg: readonly [number, number];
  /** Root distance along the optical axis (mm). H36M: about 4–6.5 m. */
  distanceMm: readonly [number, number];
  /** Factor on the H36M focal length (about 1145 px). */
  focalScale: readonly [number, number];
  /** The root's direction off the optical axis, horizontal and vertical (degrees). */
  offAxisDeg: readonly [number, number];
}

/** Realistic ranges around H36M's: any azimuth, 0–30° looking down, 3.5–7 m, focal ±15 %, root within ±10° of the centre. */
export const DEFAULT_VIRTUAL_CAMERAS: VirtualCameraRanges = {
  azimuthDeg: [-180, 180],
  elevationDeg: [0, 30],
  distanceMm: [3500, 7000],
  focalScale: [0.85, 1.15],
  offAxisDeg: [-10, 10],
};

/** One drawn camera. */
export interface VirtualCamera {
  azimuthDeg: number;
  elevationDeg: number;
  distanceMm: number;
  offAxisDeg: [number, number];
  intrinsics: CameraIntrinsics;
}

const DEG = Math.PI / 180;
const between = (r: Random, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * r();

/** Draw a camera from the ranges (6 draws of `random`, always the same number). */
export function drawVirtualCamera(
  random: Random,
  ranges: VirtualCameraRanges = DEFAULT_VIRTUAL_CAMERAS,
): VirtualCamera {
  const azimuthDeg = between(random, ranges.azimuthDeg),
    elevationDeg = between(random, ranges.elevationDeg),
    distanceMm = between(random, ranges.distanceMm),
    k = between(random, ranges.focalScale),
    offAxisDeg: [number, number] = [between(random, ranges.offAxisDeg), between(random, ranges.offAxisDeg)];
  const base = H36M_INTRINSICS[Math.min(H36M_INTRINSICS.length - 1, Math.floor(random() * H36M_INTRINSICS.length))];
  const intrinsics: CameraIntrinsics = {
    ...base,
    id: `virtual(${base.id})`,
    focalLengthPx: [base.focalLengthPx[0] * k, base.focalLengthPx[1] * k],
  };
  return { azimuthDeg, elevationDeg, distanceMm, offAxisDeg, intrinsics };
}

/**
 * A world pose [17, 3] (mm, z up) seen by a virtual camera: its camera-space 3D [17, 3] (mm),
 * 2D [17, 2] (pixels) and visibility (inside the image) written at the given offsets.
 */
export function viewThrough(
  worldMm: ArrayLike<number>,
  cam: VirtualCamera,
  out: { poses3d: Float32Array; poses2d: Float32Array; visible: Uint8Array; at: number },
): void {
  const a = cam.azimuthDeg * DEG,
    e = cam.elevationDeg * DEG;
  const f = [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), -Math.sin(e)];
  // Down: minus the part of world up (0, 0, 1) orthogonal to f.
  const upDotF = f[2];
  const yRaw = [-(0 - upDotF * f[0]), -(0 - upDotF * f[1]), -(1 - upDotF * f[2])];
  const yn = Math.hypot(yRaw[0], yRaw[1], yRaw[2]);
  const y = yRaw.map((v) => v / yn);
  const x = [y[1] * f[2] - y[2] * f[1], y[2] * f[0] - y[0] * f[2], y[0] * f[1] - y[1] * f[0]];
  const d = cam.distanceMm;
  const t = [d * Math.tan(cam.offAxisDeg[0] * DEG), d * Math.tan(cam.offAxisDeg[1] * DEG), d];
  const r = [worldMm[ROOT * 3], worldMm[ROOT * 3 + 1], worldMm[ROOT * 3 + 2]];
  const cam3d = new Float64Array(NUM_JOINTS * 3);
  for (let j = 0; j < NUM_JOINTS; j++) {
    const w = [worldMm[j * 3] - r[0], worldMm[j * 3 + 1] - r[1], worldMm[j * 3 + 2] - r[2]];
    cam3d[j * 3] = x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + t[0];
    cam3d[j * 3 + 1] = y[0] * w[0] + y[1] * w[1] + y[2] * w[2] + t[1];
    cam3d[j * 3 + 2] = f[0] * w[0] + f[1] * w[1] + f[2] * w[2] + t[2];
  }
  const px = projectToImage(cam3d, cam.intrinsics);
  const o3 = out.at * NUM_JOINTS * 3,
    o2 = out.at * NUM_JOINTS * 2,
    ov = out.at * NUM_JOINTS;
  for (let j = 0; j < NUM_JOINTS; j++) {
    for (let k = 0; k < 3; k++) out.poses3d[o3 + j * 3 + k] = cam3d[j * 3 + k];
    const u = px[j * 2],
      v = px[j * 2 + 1];
    out.poses2d[o2 + j * 2] = u;
    out.poses2d[o2 + j * 2 + 1] = v;
    out.visible[ov + j] = u >= 0 && u <= cam.intrinsics.resWidthPx && v >= 0 && v <= cam.intrinsics.resHeightPx ? 1 : 0;
  }
}

/**
 * The world pose [17, 3] (mm) of sample `i` of a set whose camera-space poses were captured by
 * an H36M rig (`rigs[rig[i]]`, camera `camera[i]`): the inverse of the capture's extrinsics.
 */
export function worldPoseOf(
  set: { poses3d: Float32Array; camera: Int8Array; rig: Int32Array; rigs: string[] },
  i: number,
): Float64Array {
  const cams = h36mCameras(set.rigs[set.rig[i]]);
  const cam = cams[set.camera[i]];
  if (!cam)
    throw new Error(
      `virtual cameras: sample ${i} names camera ${set.camera[i]} of rig ${set.rigs[set.rig[i]]}, which has ${cams.length}`,
    );
  return cameraToWorld(set.poses3d.subarray(i * NUM_JOINTS * 3, (i + 1) * NUM_JOINTS * 3), cam);
}

/**
 * Samples `idx` of a set, each seen through its own virtual camera drawn from `random`: camera-space
 * 3D, 2D and visibility replaced, labels kept (rig and camera then name the capture it came from).
 */
export function virtualViews(
  set: PoseSet,
  idx: ArrayLike<number>,
  random: Random,
  ranges: VirtualCameraRanges = DEFAULT_VIRTUAL_CAMERAS,
): PoseSet {
  const out = selectSamples(set, idx);
  const target = { poses3d: out.poses3d, poses2d: out.poses2d, visible: out.visible, at: 0 };
  for (let k = 0; k < out.n; k++) {
    target.at = k;
    viewThrough(worldPoseOf(set, idx[k]), drawVirtualCamera(random, ranges), target);
  }
  return out;
}
