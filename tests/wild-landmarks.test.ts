import { test } from "node:test";
import assert from "node:assert/strict";
import { COCO_KEYPOINTS, H36M_JOINTS, jointIndex } from "../lib/pose/skeleton";
import {
  BLAZEPOSE_LANDMARKS,
  BLAZEPOSE_TO_COCO,
  BLAZEPOSE_TO_H36M,
  blazePoseIndex,
  blazePoseWorldToH36mMm,
} from "../lib/wild/landmarks";

/** Landmark i at (i, 2i, -i) cm: every value is known by hand. */
const world = BLAZEPOSE_LANDMARKS.map((name, i) => ({ name, x: i / 100, y: (2 * i) / 100, z: -i / 100 }));

test("BlazePose names: 33, unique, and a superset of COCO-17", () => {
  assert.equal(BLAZEPOSE_LANDMARKS.length, 33);
  assert.equal(new Set(BLAZEPOSE_LANDMARKS).size, 33);
  for (const k of COCO_KEYPOINTS) assert.ok(blazePoseIndex(BLAZEPOSE_TO_COCO[k]) >= 0, k);
  assert.equal(blazePoseIndex("left_hip"), 23); // MediaPipe's documented index
  assert.equal(blazePoseIndex("right_foot_index"), 32);
});

test("world landmarks → H36M-17 in mm: 15 shared joints, midpoints for Hip and Thorax", () => {
  const { xyzMm, shared } = blazePoseWorldToH36mMm(world);
  assert.equal(
    shared.reduce((s, v) => s + v, 0),
    15,
  );
  assert.deepEqual(
    H36M_JOINTS.filter((_, j) => !shared[j]),
    ["Spine", "Head"],
  );
  assert.ok(Number.isNaN(xyzMm[jointIndex("Head") * 3]));
  const at = (j: string) => Array.from(xyzMm.subarray(jointIndex(j as never) * 3, jointIndex(j as never) * 3 + 3));
  // Hip = mean of left_hip (23) and right_hip (24) = 23.5 → (235, 470, -235) mm.
  assert.deepEqual(at("Hip"), [235, 470, -235]);
  // Thorax = mean of shoulders 11 and 12 = 11.5 → (115, 230, -115) mm.
  assert.deepEqual(at("Thorax"), [115, 230, -115]);
  // RFoot = right_ankle (28); LWrist = left_wrist (15); Neck/Nose = nose (0).
  assert.deepEqual(at("RFoot"), [280, 560, -280]);
  assert.deepEqual(at("LWrist"), [150, 300, -150]);
  assert.deepEqual(at("Neck/Nose").map(Math.abs), [0, 0, 0]);
  assert.equal(Object.keys(BLAZEPOSE_TO_H36M).length, 17);
});

test("a wrong landmark count is a clear error", () => {
  assert.throws(() => blazePoseWorldToH36mMm(world.slice(0, 17)), /expected 33 world landmarks, got 17/);
});
