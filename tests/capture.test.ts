import { test } from "node:test";
import assert from "node:assert/strict";
import { captureViews } from "../lib/data/capture";
import { h36mCameras, worldToCamera } from "../lib/pose/camera";
import { jointIndex, NUM_JOINTS } from "../lib/pose/skeleton";

/** Two frames of a pose standing at the centre of S1's capture volume. */
function standing(): Float32Array {
  const cams = h36mCameras("S1");
  const cx = cams.reduce((s, c) => s + c.translationMm[0], 0) / 4,
    cy = cams.reduce((s, c) => s + c.translationMm[1], 0) / 4;
  const w = new Float32Array(2 * NUM_JOINTS * 3);
  for (let f = 0; f < 2; f++)
    for (let j = 0; j < NUM_JOINTS; j++) w.set([cx + 10 * j, cy, 100 + 90 * j], (f * NUM_JOINTS + j) * 3);
  return w;
}

test("a point behind a camera is named by frame and joint, not by its flat index", () => {
  const cams = h36mCameras("S1");
  const w = standing();
  assert.equal(captureViews(w, cams, "ok").length, 4);
  const o = (1 * NUM_JOINTS + jointIndex("LWrist")) * 3;
  const c = cams[0];
  // Find a world point with camera-0 depth < 0: step back from the camera centre away from the scene.
  const centre = standing().subarray(0, 3);
  const back = [
    c.translationMm[0] - (centre[0] - c.translationMm[0]),
    c.translationMm[1] - (centre[1] - c.translationMm[1]),
    c.translationMm[2],
  ];
  w.set(back, o);
  assert.ok(worldToCamera(Float32Array.from(back), c)[2] < 0, "the test point is behind camera 0");
  assert.throws(
    () => captureViews(w, cams, "seq.bvh"),
    new RegExp(`^Error: seq\\.bvh: frame 1, joint LWrist is behind camera ${c.id} \\(Z = -\\d+ mm\\)$`),
  );
  w[o] = NaN;
  assert.throws(
    () => captureViews(w, cams, "seq.bvh"),
    /seq\.bvh: frame 1, joint LWrist has a non-finite position in camera/,
  );
});
