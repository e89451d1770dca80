import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cameraPose,
  cameraToWorld,
  h36mCameras,
  H36M_SUBJECTS,
  imageCoordinates,
  normalizeScreenCoordinates,
  projectToImage,
  qrot,
  worldToCamera,
  worldToImage,
} from "../lib/pose/camera";
import { mulberry32 } from "../lib/core/rng";
import { maxAbsDiff } from "./helpers";

test("world → camera → world round trips to within 1e-6 mm for every subject and camera", () => {
  const r = mulberry32(11);
  const pts = Float64Array.from({ length: 300 }, () => (r() - 0.5) * 6000);
  for (const s of H36M_SUBJECTS)
    for (const cam of h36mCameras(s)) {
      const back = cameraToWorld(worldToCamera(pts, cam), cam);
      assert.ok(maxAbsDiff(back, pts) < 1e-6, `${s} ${cam.id}`);
    }
});

test("extrinsics: the camera centre maps to the origin, distances are preserved, the volume centre is in front", () => {
  for (const s of H36M_SUBJECTS)
    for (const cam of h36mCameras(s)) {
      const c = worldToCamera(cam.translationMm, cam);
      assert.ok(Math.hypot(c[0], c[1], c[2]) < 1e-6);
      const a = [100, 200, 300],
        b = [-400, 50, 1200];
      const ca = worldToCamera(a, cam),
        cb = worldToCamera(b, cam);
      assert.ok(
        Math.abs(
          Math.hypot(ca[0] - cb[0], ca[1] - cb[1], ca[2] - cb[2]) - Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]),
        ) < 1e-6,
      );
      // A person standing at the world origin (pelvis at 0.9 m) is in front of and inside every camera.
      const uv = worldToImage([0, 0, 900], cam);
      assert.ok(uv[0] > 0 && uv[0] < cam.resWidthPx && uv[1] > 0 && uv[1] < cam.resHeightPx, `${s} ${cam.id}: ${uv}`);
      // Cameras look roughly horizontally (forward has small z) and are about 1.5 m high.
      const pose = cameraPose(cam);
      assert.ok(Math.abs(pose.forward[2]) < 0.35 && cam.translationMm[2] > 1400 && cam.translationMm[2] < 1700);
    }
});

test("quaternion rotation matches a hand-computed 90° turn about z", () => {
  const q = [Math.SQRT1_2, 0, 0, Math.SQRT1_2] as const; // 90° about +z
  const v = qrot(q, [1, 2, 3]);
  assert.ok(maxAbsDiff(v, [-2, 1, 3]) < 1e-12);
});

test("projection: the optical axis hits the principal point; an off-axis point matches a hand computation", () => {
  const cam = h36mCameras("S1")[0];
  assert.ok(maxAbsDiff(projectToImage([0, 0, 4000], cam), cam.centerPx) < 1e-9);
  // Hand computation for X = (500, −300, 4000) mm:
  //   x = 0.125, y = −0.075, r² = 0.015625 + 0.005625 = 0.02125
  //   radial = 1 + k1·0.02125 + k2·0.02125² + k3·0.02125³
  //   tan = p1·0.125 + p2·(−0.075)
  //   u = fx·(0.125·(radial + tan) + p1·0.02125) + cx,  v = fy·(−0.075·(radial + tan) + p2·0.02125) + cy
  const [k1, k2, k3] = cam.radialDistortion,
    [p1, p2] = cam.tangentialDistortion;
  const radial = 1 + k1 * 0.02125 + k2 * 0.02125 ** 2 + k3 * 0.02125 ** 3;
  const tan = p1 * 0.125 + p2 * -0.075;
  const u = cam.focalLengthPx[0] * (0.125 * (radial + tan) + p1 * 0.02125) + cam.centerPx[0];
  const v = cam.focalLengthPx[1] * (-0.075 * (radial + tan) + p2 * 0.02125) + cam.centerPx[1];
  assert.ok(maxAbsDiff(projectToImage([500, -300, 4000], cam), [u, v]) < 1e-9);
  // With the distortion of camera 54138969, radial ≈ 0.99571: the point is pulled ~0.6 px towards the centre.
  assert.ok(Math.abs(radial - 0.995712) < 1e-5);
  assert.throws(() => projectToImage([0, 0, -10], cam), /behind the camera/);
});

test("normalized screen coordinates map [0, w] to [−1, 1] keeping the aspect, and back", () => {
  const w = 1000,
    h = 1002;
  assert.ok(
    maxAbsDiff(normalizeScreenCoordinates([0, 0, 1000, 1002, 500, 501], w, h), [-1, -1.002, 1, 1.002, 0, 0]) < 1e-12,
  );
  const p = [12.5, 800, 999, 3];
  assert.ok(maxAbsDiff(imageCoordinates(normalizeScreenCoordinates(p, w, h), w, h), p) < 1e-9);
});

test("unknown subjects are an error that lists the known ones", () => {
  assert.throws(
    () => h36mCameras("S2"),
    /unknown H36M subject "S2"; subjects with cameras are S1, S5, S6, S7, S8, S9, S11/,
  );
});
