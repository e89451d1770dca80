import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BONES,
  CHILDREN,
  cocoToH36m,
  COCO_KEYPOINTS,
  FLIP_PERMUTATION,
  H36M_JOINTS,
  H36M_PARENTS,
  H36M32_KEPT,
  H36M32_PARENTS,
  jointIndex,
  JOINTS_LEFT,
  JOINTS_RIGHT,
  NON_ROOT,
} from "../lib/pose/skeleton";

test("the H36M skeleton matches the reference (VideoPose3D / Martinez)", () => {
  assert.equal(H36M_JOINTS.length, 17);
  assert.deepEqual([...H36M_PARENTS], [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15]);
  assert.deepEqual([...JOINTS_LEFT], [4, 5, 6, 11, 12, 13]);
  assert.deepEqual([...JOINTS_RIGHT], [1, 2, 3, 14, 15, 16]);
  assert.equal(jointIndex("Thorax"), 8);
  assert.equal(jointIndex("RWrist"), 16);
  assert.throws(() => jointIndex("Tail" as never), /unknown H36M joint "Tail"/);
});

test("removing joints from the 32-joint skeleton gives the 17-joint parents", () => {
  // Re-derive the parents independently: walk up the 32-joint tree to the nearest kept ancestor.
  const derived = H36M32_KEPT.map((orig) => {
    let p = H36M32_PARENTS[orig];
    while (p >= 0 && !H36M32_KEPT.includes(p)) p = H36M32_PARENTS[p];
    return p < 0 ? -1 : H36M32_KEPT.indexOf(p);
  });
  // VideoPose3D rewires the shoulders (originally children of joint 13 / 24 chains) to the Thorax.
  derived[jointIndex("LShoulder")] = jointIndex("Thorax");
  derived[jointIndex("RShoulder")] = jointIndex("Thorax");
  assert.deepEqual(derived, [...H36M_PARENTS]);
});

test("bones, children and the flip permutation derive from the parents", () => {
  assert.equal(BONES.length, 16);
  for (const [p, c] of BONES) assert.ok(p < c, "parents come before children");
  assert.deepEqual(CHILDREN[jointIndex("Thorax")], [9, 11, 14]);
  for (let i = 0; i < 17; i++) assert.equal(FLIP_PERMUTATION[FLIP_PERMUTATION[i]], i);
  assert.equal(FLIP_PERMUTATION[jointIndex("LElbow")], jointIndex("RElbow"));
  assert.ok(!NON_ROOT.includes(0) && NON_ROOT.length === 16);
});

test("COCO keypoints map to H36M joints with visibility", () => {
  const xy = new Float32Array(34),
    vis = new Float32Array(17).fill(1);
  const set = (n: (typeof COCO_KEYPOINTS)[number], x: number, y: number) => {
    const k = COCO_KEYPOINTS.indexOf(n);
    xy[k * 2] = x;
    xy[k * 2 + 1] = y;
  };
  set("left_hip", 110, 300);
  set("right_hip", 90, 300);
  set("left_shoulder", 120, 150);
  set("right_shoulder", 80, 150);
  set("nose", 100, 110);
  const r = cocoToH36m(xy, vis);
  const get = (n: (typeof H36M_JOINTS)[number]) => [r.xy[jointIndex(n) * 2], r.xy[jointIndex(n) * 2 + 1]];
  assert.deepEqual(get("Hip"), [100, 300]);
  assert.deepEqual(get("Thorax"), [100, 150]);
  assert.deepEqual(get("Spine"), [100, 225]);
  assert.deepEqual(get("Head"), [100, 90]); // nose + (nose − thorax)/2
  vis[COCO_KEYPOINTS.indexOf("left_hip")] = 0;
  const r2 = cocoToH36m(xy, vis);
  assert.equal(r2.visible[jointIndex("Hip")], 0);
  assert.equal(r2.visible[jointIndex("LHip")], 0);
  assert.equal(r2.visible[jointIndex("Spine")], 0);
  assert.equal(r2.visible[jointIndex("RHip")], 1);
  assert.throws(() => cocoToH36m(new Float32Array(10), vis), /expected 34 values/);
});
