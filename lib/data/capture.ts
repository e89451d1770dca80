/**
 * Virtual H36M capture: a motion sequence is placed in the H36M capture volume and seen by
 * the 4 cameras of an H36M subject, giving 2D ground truth exactly as H36M makes it
 * (world → camera → distorted projection, VideoPose3D's formula).
 */
import { h36mCameras, projectToImage, worldToCamera, type CameraParams } from "../pose/camera";
import { H36M_JOINTS, NUM_JOINTS, ROOT } from "../pose/skeleton";

/** Centre of a subject's capture volume on the floor: the centroid of its 4 cameras (x, y). */
export function captureCentreMm(cams: CameraParams[]): [number, number] {
  const x = cams.reduce((s, c) => s + c.translationMm[0], 0) / cams.length;
  const y = cams.reduce((s, c) => s + c.translationMm[1], 0) / cams.length;
  return [x, y];
}

/**
 * Place a sequence in the capture volume. Locomotion travels further than the H36M
 * volume (about 4 m × 3 m), so the sequence is cut into segments whose root stays within
 * `maxExtentMm` on the floor, and each segment is re-centred on the volume centre.
 * Heights are kept (the floor is z = 0 in both). Returns new poses [F, 17, 3] mm.
 */
export function placeInCaptureVolume(
  poses: Float32Array,
  centreMm: [number, number],
  maxExtentMm = 2000,
): Float32Array {
  const F = poses.length / (NUM_JOINTS * 3);
  const out = new Float32Array(poses.length);
  let start = 0;
  while (start < F) {
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    let end = start;
    for (; end < F; end++) {
      const x = poses[(end * NUM_JOINTS + ROOT) * 3],
        y = poses[(end * NUM_JOINTS + ROOT) * 3 + 1];
      const nx0 = Math.min(minX, x),
        nx1 = Math.max(maxX, x),
        ny0 = Math.min(minY, y),
        ny1 = Math.max(maxY, y);
      if (end > start && (nx1 - nx0 > maxExtentMm || ny1 - ny0 > maxExtentMm)) break;
      minX = nx0;
      maxX = nx1;
      minY = ny0;
      maxY = ny1;
    }
    const dx = centreMm[0] - (minX + maxX) / 2,
      dy = centreMm[1] - (minY + maxY) / 2;
    for (let f = start; f < end; f++) {
      for (let j = 0; j < NUM_JOINTS; j++) {
        const o = (f * NUM_JOINTS + j) * 3;
        out[o] = poses[o] + dx;
        out[o + 1] = poses[o + 1] + dy;
        out[o + 2] = poses[o + 2];
      }
    }
    start = end;
  }
  return out;
}

/** One camera's view of a sequence. */
export interface CameraView {
  camera: CameraParams;
  cameraIndex: number;
  /** Camera-space poses [F, 17, 3], mm. */
  poses3dCamMm: Float32Array;
  /** Projected poses [F, 17, 2], pixels. */
  poses2dPx: Float32Array;
  /** 1 where the joint projects inside the image, [F, 17]. */
  visible: Uint8Array;
}

/** See world poses [F, 17, 3] (mm) through cameras. Points behind a camera are an error. */
export function captureViews(worldPosesMm: Float32Array, cams: CameraParams[], where = "sequence"): CameraView[] {
  return cams.map((camera, cameraIndex) => {
    const cam3d = worldToCamera(worldPosesMm, camera);
    for (let p = 2; p < cam3d.length; p += 3) {
      if (cam3d[p] > 0) continue;
      // cam3d is [F, 17, 3]: point (p - 2) / 3 is frame ⌊point / 17⌋, joint point mod 17.
      const point = (p - 2) / 3,
        frame = Math.floor(point / NUM_JOINTS),
        joint = H36M_JOINTS[point % NUM_JOINTS];
      if (!Number.isFinite(cam3d[p - 2]) || !Number.isFinite(cam3d[p - 1]) || !Number.isFinite(cam3d[p])) {
        throw new Error(
          `${where}: frame ${frame}, joint ${joint} has a non-finite position in camera ${camera.id} (${cam3d[p - 2]}, ${cam3d[p - 1]}, ${cam3d[p]} mm)`,
        );
      }
      throw new Error(
        `${where}: frame ${frame}, joint ${joint} is behind camera ${camera.id} (Z = ${cam3d[p].toFixed(0)} mm)`,
      );
    }
    const px = projectToImage(cam3d, camera);
    const visible = new Uint8Array(px.length / 2);
    for (let i = 0; i < visible.length; i++) {
      const u = px[i * 2],
        v = px[i * 2 + 1];
      visible[i] = u >= 0 && u <= camera.resWidthPx && v >= 0 && v <= camera.resHeightPx ? 1 : 0;
    }
    return { camera, cameraIndex, poses3dCamMm: Float32Array.from(cam3d), poses2dPx: Float32Array.from(px), visible };
  });
}

/** Place a mocap sequence in subject `subject`'s volume and capture it with its 4 cameras. */
export function virtualCapture(
  worldPosesMm: Float32Array,
  subject: string,
  where = "sequence",
): { placed: Float32Array; views: CameraView[] } {
  const cams = h36mCameras(subject);
  const placed = placeInCaptureVolume(worldPosesMm, captureCentreMm(cams));
  return { placed, views: captureViews(placed, cams, where) };
}
