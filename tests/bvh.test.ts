import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { forwardKinematics, parseBvh } from "../lib/data/formats/bvh";
import { bvhToH36m, detectProfile, resampleTimes } from "../lib/data/mocap";
import { maxAbsDiff, scratchDir } from "./helpers";

const dir = scratchDir("bvh");

/** A two-joint chain with a root that has its own channel order. */
const SMALL = `HIERARCHY
ROOT root
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT arm
  {
    OFFSET 10 0 0
    CHANNELS 3 Xrotation Zrotation Yrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.1
1 2 3 0 0 0 0 0 0
1 2 3 90 0 0 90 0 0
`;

test("forward kinematics matches a hand computation and honours each joint's channel order", () => {
  const bvh = parseBvh(SMALL, "small.bvh");
  assert.deepEqual(bvh.joints.map((j) => j.name), ["root", "arm", "arm/End"]);
  assert.equal(bvh.channelCount, 9);
  const fk = forwardKinematics(bvh);
  const pos = (f: number, j: number) => Array.from(fk.positions.subarray((f * 3 + j) * 3, (f * 3 + j) * 3 + 3));
  // Frame 0: no rotation. root at (1,2,3), arm at +10 x, its end site at +5 y.
  assert.ok(maxAbsDiff(pos(0, 1), [11, 2, 3]) < 1e-12);
  assert.ok(maxAbsDiff(pos(0, 2), [11, 7, 3]) < 1e-12);
  // Frame 1: root turns 90° about z: the arm offset (10,0,0) → (0,10,0).
  // The arm's own channels are X then Z: Rx(90)·Rz(0)… applied to (0,5,0): Rx(90) maps y → z,
  // then the root's Rz(90) keeps z: end site = arm + (0,0,5).
  assert.ok(maxAbsDiff(pos(1, 1), [1, 12, 3]) < 1e-9);
  assert.ok(maxAbsDiff(pos(1, 2), [1, 12, 8]) < 1e-9);
});

test("resampling to 50 fps picks the right source times and interpolates linearly", () => {
  // 120 fps, 121 frames (1 s) from frame 0 → 51 samples at 0, 0.02, … 1.0 s.
  const t = resampleTimes(121, 1 / 120, 0, 50);
  assert.equal(t.length, 51);
  assert.ok(Math.abs(t[1] - 2.4) < 1e-9 && Math.abs(t[50] - 120) < 1e-9);
  // Skipping 10 warm-up frames starts the clock at frame 10.
  assert.ok(Math.abs(resampleTimes(121, 1 / 120, 10, 50)[0] - 10) < 1e-12);
});

test("bad BVH input gives errors naming the file and line", () => {
  const lines = SMALL.split("\n");
  const cases: [string, string, RegExp][] = [
    ["truncated.bvh", lines.slice(0, -2).join("\n"), /truncated\.bvh: truncated: declares 2 frames but has 1/],
    ["inhierarchy.bvh", lines.slice(0, 8).join("\n"), /inhierarchy\.bvh: truncated: the file ends inside the HIERARCHY section/],
    ["channels.bvh", SMALL.replace("1 2 3 90 0 0 90 0 0", "1 2 3 90 0 0 90 0"), /channels\.bvh line 20: expected 9 channel values, got 8/],
    ["nan.bvh", SMALL.replace("1 2 3 90 0 0 90 0 0", "1 2 3 90 nan 0 90 0 0"), /nan\.bvh line 20: value 5 \(root Xrotation\) is not a finite number: "nan"/],
    ["inf.bvh", SMALL.replace("1 2 3 90 0 0 90 0 0", "1 2 3 90 0 0 Infinity 0 0"), /inf\.bvh line 20: value 7 \(arm Xrotation\) is not a finite number/],
    ["offset.bvh", SMALL.replace("OFFSET 10 0 0", "OFFSET 10 0"), /offset\.bvh line 8: expected "OFFSET x y z"/],
  ];
  for (const [name, text, re] of cases) {
    fs.writeFileSync(path.join(dir, name), text);
    assert.throws(() => parseBvh(fs.readFileSync(path.join(dir, name), "utf8"), path.join(dir, name)), re, name);
  }
});

test("an unknown skeleton is an error listing the joints it has", () => {
  assert.throws(() => detectProfile(parseBvh(SMALL, "robot.bvh")), /robot\.bvh: unknown skeleton: no mapping to the H36M joints fits\. Known profiles: cmu-daz \(hip, abdomen, chest, neck, …\); bandai-namco \(Hips, Spine, Chest, Neck, …\)\. The file has joints: root, arm/);
  assert.throws(() => bvhToH36m(parseBvh(SMALL, "robot.bvh")), /unknown skeleton/);
});
