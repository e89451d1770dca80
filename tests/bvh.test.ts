import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { forwardKinematics, parseBvh, readBvh } from "../lib/data/formats/bvh";
import { bvhToH36m, detectProfile, resampleTimes, type MocapProfile } from "../lib/data/mocap";
import { InputError, MAX_MESSAGE_CHARS } from "../lib/core/errors";
import { H36M_JOINTS } from "../lib/pose/skeleton";
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
  assert.deepEqual(
    bvh.joints.map((j) => j.name),
    ["root", "arm", "arm/End"],
  );
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
    [
      "inhierarchy.bvh",
      lines.slice(0, 8).join("\n"),
      /inhierarchy\.bvh: truncated: the file ends inside the HIERARCHY section/,
    ],
    [
      "channels.bvh",
      SMALL.replace("1 2 3 90 0 0 90 0 0", "1 2 3 90 0 0 90 0"),
      /channels\.bvh line 20: expected 9 channel values, got 8/,
    ],
    [
      "nan.bvh",
      SMALL.replace("1 2 3 90 0 0 90 0 0", "1 2 3 90 nan 0 90 0 0"),
      /nan\.bvh line 20: value 5 \(root Xrotation\) is not a finite number: "nan"/,
    ],
    [
      "inf.bvh",
      SMALL.replace("1 2 3 90 0 0 90 0 0", "1 2 3 90 0 0 Infinity 0 0"),
      /inf\.bvh line 20: value 7 \(arm Xrotation\) is not a finite number/,
    ],
    ["offset.bvh", SMALL.replace("OFFSET 10 0 0", "OFFSET 10 0"), /offset\.bvh line 8: expected "OFFSET x y z"/],
  ];
  for (const [name, text, re] of cases) {
    fs.writeFileSync(path.join(dir, name), text);
    assert.throws(() => parseBvh(fs.readFileSync(path.join(dir, name), "utf8"), path.join(dir, name)), re, name);
  }
});

test("an unknown skeleton is an error listing the joints it has", () => {
  assert.throws(
    () => detectProfile(parseBvh(SMALL, "robot.bvh")),
    /robot\.bvh: unknown skeleton: no mapping to the H36M joints fits\. Known profiles: cmu-daz \(hip, abdomen, chest, neck, …\); bandai-namco \(Hips, Spine, Chest, Neck, …\)\. The file has joints: root, arm/,
  );
  assert.throws(() => bvhToH36m(parseBvh(SMALL, "robot.bvh")), /unknown skeleton/);
});

/** parseBvh's InputError for `text`, checked to name the file and `field`; returns its message. */
function inputError(text: string, field: string, opts: Parameters<typeof parseBvh>[2] = {}): string {
  let caught: unknown;
  try {
    parseBvh(text, "strict.bvh", opts);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof InputError, `expected an InputError for field ${field}, got ${String(caught)}`);
  assert.equal(caught.file, "strict.bvh");
  assert.equal(caught.field, field, caught.message);
  assert.ok(caught.message.startsWith("strict.bvh"), caught.message);
  assert.ok(caught.message.length <= MAX_MESSAGE_CHARS && !/[\u0000-\u001f]/.test(caught.message), caught.message);
  return caught.message;
}

test("BVH strictness: the frame count matches the rows, with nothing after them", () => {
  // Frames: 1 with two rows: the second row is refused, not dropped.
  assert.match(
    inputError(SMALL.replace("Frames: 2", "Frames: 1"), "Frames"),
    /strict\.bvh line 20: Frames: 1 but 1 more non-empty line\(s\) follow the last frame/,
  );
  assert.match(inputError(SMALL + "garbage here\n", "Frames"), /line 21: Frames: 2 but 1 more non-empty line/);
  assert.match(inputError(SMALL + "1 2 3 0 0 0 0 0 0\n1 2 3 0 0 0 0 0 0\n", "Frames"), /but 2 more non-empty line/);
  // Blank lines after the last row are fine.
  assert.equal(parseBvh(SMALL + "\n\n  \n", "ok.bvh").frames, 2);
});

test("BVH strictness: every joint has one OFFSET, every joint one CHANNELS, names unique", () => {
  assert.match(inputError(SMALL.replace("    OFFSET 10 0 0\n", ""), "OFFSET"), /line 13: joint "arm" has no OFFSET/);
  assert.match(inputError(SMALL.replace("      OFFSET 0 5 0\n", ""), "OFFSET"), /joint "arm\/End" has no OFFSET/);
  assert.match(
    inputError(SMALL.replace("OFFSET 10 0 0", "OFFSET 10 0 0\n    OFFSET 1 1 1"), "OFFSET"),
    /second OFFSET for joint "arm"/,
  );
  assert.match(
    inputError(SMALL.replace("    CHANNELS 3 Xrotation Zrotation Yrotation\n", ""), "CHANNELS"),
    /joint "arm" has no CHANNELS/,
  );
  assert.match(
    inputError(SMALL.replace("JOINT arm", "JOINT root"), "joint name"),
    /line 6: duplicate joint name "root"/,
  );
  assert.match(
    inputError(SMALL.replace("Xrotation Zrotation Yrotation", "Xrotation Xrotation Yrotation"), "CHANNELS"),
    /channel "Xrotation" listed twice for joint "arm"/,
  );
  assert.match(
    inputError(SMALL.replace("CHANNELS 3 Xrotation", "CHANNELS 3 Wrotation"), "CHANNELS"),
    /unknown channel "Wrotation"/,
  );
  assert.match(
    inputError(SMALL.replace("      OFFSET 0 5 0", "      OFFSET 0 5 0\n      CHANNELS 1 Xrotation"), "End Site"),
    /an End Site holds only an OFFSET/,
  );
});

test("BVH strictness: decimal numbers only, within the float32 range", () => {
  const row = "1 2 3 90 0 0 90 0 0";
  for (const bad of [
    "0x1F",
    "0b101",
    "0o17",
    "Infinity",
    "-Infinity",
    "NaN",
    "1e39",
    "-3.5e38",
    "1_000",
    "",
    "+",
    "1e",
    ".",
    "1.2.3",
  ]) {
    if (!bad) continue;
    const msg = inputError(SMALL.replace(row, `1 2 3 90 ${bad} 0 90 0 0`), "motion");
    assert.match(msg, /strict\.bvh line 20: value 5 \(root Xrotation\)/, bad);
    assert.ok(msg.includes(`"${bad}"`), msg);
  }
  // Just inside the float32 range: accepted; written as decimals with exponents and signs.
  const ok = parseBvh(SMALL.replace(row, "+1 -2.5 .5 3.4e38 -3.4E+38 1e-40 0 0. 7"), "ok.bvh");
  assert.deepEqual(Array.from(ok.motion.subarray(9, 12)), [1, -2.5, 0.5]);
  assert.ok(Number.isFinite(ok.motion[12]) && ok.motion[12] > 3.39e38);
  for (const bad of ["1e39", "0x10", "Infinity"])
    assert.match(
      inputError(SMALL.replace("OFFSET 10 0 0", `OFFSET 10 ${bad} 0`), "OFFSET"),
      /line 8: expected "OFFSET x y z" with 3 finite decimal numbers/,
    );
});

test("Frame Time must lie within the limits (1/1000 s to 1 s by default); a wider limit admits it", () => {
  for (const bad of ["Infinity", "NaN", "0x1"])
    assert.match(
      inputError(SMALL.replace("Frame Time: 0.1", `Frame Time: ${bad}`), "Frame Time"),
      /line 18: Frame Time .*(finite|decimal)/,
    );
  for (const bad of ["0", "-0.1", "1000", "100", "1.5", "0.0005"]) {
    assert.match(
      inputError(SMALL.replace("Frame Time: 0.1", `Frame Time: ${bad}`), "Frame Time"),
      new RegExp(
        `line 18: Frame Time ${bad.replace(".", "\\.")} s is outside 0\\.001–1 s \\(minFrameTimeS, maxFrameTimeS\\); raise it with HPE_LOADER_LIMITS=\\w+=… \\(or the loader option`,
      ),
    );
  }
  assert.equal(
    parseBvh(SMALL.replace("Frame Time: 0.1", "Frame Time: 2"), "slow.bvh", { limits: { maxFrameTimeS: 5 } })
      .frameTimeS,
    2,
  );
  assert.match(
    inputError(SMALL.replace("Frame Time: 0.1", "Frame Time: 0.1 s"), "Frame Time"),
    /expected "Frame Time: <seconds>"/,
  );
});

test("frame and joint counts are checked before allocating", () => {
  assert.match(
    inputError(SMALL.replace("Frames: 2", "Frames: 100000000"), "Frames"),
    /line 17: Frames: "100000000" exceeds the limit of 1000000 frames \(maxBvhFrames\); raise it/,
  );
  assert.match(
    inputError(SMALL.replace("Frames: 2", "Frames: 99999999999999999999999"), "Frames"),
    /exceeds the limit of 1000000 frames/,
  );
  // Under the limit but more than the file can hold: a truncation error, after allocating only what the file can hold.
  assert.match(
    inputError(SMALL.replace("Frames: 2", "Frames: 999999"), "Frames"),
    /strict\.bvh: truncated: declares 999999 frames but has 2/,
  );
  assert.match(
    inputError(SMALL, "Frames", { limits: { maxBvhFrames: 1 } }),
    /Frames: "2" exceeds the limit of 1 frames/,
  );
  // The same limit from the documented setting, for every loader in the process.
  process.env.HPE_LOADER_LIMITS = "maxBvhFrames=1";
  try {
    assert.match(
      inputError(SMALL, "Frames"),
      /Frames: "2" exceeds the limit of 1 frames \(maxBvhFrames\); raise it with HPE_LOADER_LIMITS=maxBvhFrames=/,
    );
    process.env.HPE_LOADER_LIMITS = "maxFrames=5";
    assert.throws(
      () => parseBvh(SMALL, "x.bvh"),
      /HPE_LOADER_LIMITS: unknown limit "maxFrames"; limits are maxBvhBytes, maxBvhFrames/,
    );
    process.env.HPE_LOADER_LIMITS = "maxBvhFrames=lots";
    assert.throws(
      () => parseBvh(SMALL, "x.bvh"),
      /HPE_LOADER_LIMITS="maxBvhFrames=lots": expected comma-separated name=positive number pairs/,
    );
  } finally {
    delete process.env.HPE_LOADER_LIMITS;
  }
  assert.match(
    inputError(SMALL, "joints", { limits: { maxBvhJoints: 2 } }),
    /line 10: more than 2 joints \(maxBvhJoints\)/,
  );
  assert.match(
    inputError(SMALL, "size", { limits: { maxBvhBytes: 100 } }),
    /characters exceed the limit of 100 \(maxBvhBytes\)/,
  );
  const f = path.join(dir, "small.bvh");
  fs.writeFileSync(f, SMALL);
  assert.throws(
    () => readBvh(f, { limits: { maxBvhBytes: 100 } }),
    (e: unknown) =>
      e instanceof InputError &&
      e.field === "size" &&
      e.message.startsWith(`${f}: file size ${SMALL.length} bytes exceeds the limit of 100 bytes`),
  );
  assert.equal(readBvh(f).frames, 2);
  assert.throws(
    () => readBvh(path.join(dir, "nope.bvh")),
    (e: unknown) => e instanceof InputError && e.field === "file" && /nope\.bvh: cannot read/.test(e.message),
  );
});

test("hostile names and lines give short, printable errors", () => {
  const dupName = inputError(
    SMALL.replace("JOINT arm", `JOINT ${"\u0000".repeat(4096)}`).replace("ROOT root", `ROOT ${"\u0000".repeat(4096)}`),
    "joint name",
  );
  assert.ok(dupName.includes("\\x00\\x00") && dupName.length <= MAX_MESSAGE_CHARS, dupName);
  const nul = inputError(
    SMALL.replace("Xrotation Zrotation Yrotation", `Xrotation Zrotation ${"\u0000".repeat(4096)}`),
    "CHANNELS",
  );
  assert.ok(nul.length <= MAX_MESSAGE_CHARS);
  const long = inputError(
    SMALL.replace("1 2 3 90 0 0 90 0 0", `1 2 3 90 ${"9".repeat(1_700_000)}x 0 90 0 0`),
    "motion",
  );
  assert.ok(long.length <= MAX_MESSAGE_CHARS && /\(1700001 chars\)/.test(long), long);
});

/** A profile for SMALL: every H36M joint at "arm" except the hip at "root" (mm = file units × 10). */
const SMALL_PROFILE: MocapProfile = {
  name: "small",
  required: ["root", "arm"],
  defaultFirstFrame: 0,
  unitToMm: 10,
  map: Object.fromEntries(
    H36M_JOINTS.map((j) => [
      j,
      (a: { pos(n: string): [number, number, number] }) => a.pos(j === "Hip" ? "root" : "arm"),
    ]),
  ) as unknown as MocapProfile["map"],
};

test("the resampled length is checked against maxResampledFrames before allocating", () => {
  // 2 frames 1 s apart at 50 fps: floor(1 × 50) + 1 = 51 samples.
  const slow = parseBvh(SMALL.replace("Frame Time: 0.1", "Frame Time: 1"), "slow.bvh");
  assert.equal(bvhToH36m(slow, { profile: SMALL_PROFILE }).frames, 51);
  assert.throws(
    () => bvhToH36m(slow, { profile: SMALL_PROFILE, limits: { maxResampledFrames: 50 } }),
    (e: unknown) =>
      e instanceof InputError &&
      e.file === "slow.bvh" &&
      /2 frames of 1 s resampled to 50 fps give 51 frames, over the limit of 50 \(maxResampledFrames\)/.test(e.message),
  );
});

test("nothing non-finite leaves the BVH loader: a float32 offset that overflows in mm is an error", () => {
  // 3e38 is a float32 in the file's centimetres; ×10 mm overflows float32.
  const big = parseBvh(SMALL.replace("OFFSET 10 0 0", "OFFSET 3e38 0 0"), "big.bvh");
  assert.throws(
    () => bvhToH36m(big, { profile: SMALL_PROFILE }),
    (e: unknown) =>
      e instanceof InputError &&
      e.field === "motion" &&
      /big\.bvh: joint RHip at output frame 0 \(source frame 0\) is not finite in mm/.test(e.message),
  );
  // A normal file: all finite, arm 10 cm right of the root → 100 mm along H36M x.
  const { poses } = bvhToH36m(parseBvh(SMALL, "small.bvh"), { profile: SMALL_PROFILE });
  assert.ok(poses.every(Number.isFinite));
  assert.ok(maxAbsDiff(poses.subarray(3, 6), [110, -30, 20]) < 1e-4);
});

test("CHANNELS 0 is refused (each joint must cost the file at least one value per row)", () => {
  assert.match(
    inputError(SMALL.replace("CHANNELS 3 Xrotation Zrotation Yrotation", "CHANNELS 0"), "CHANNELS"),
    /line 9: expected "CHANNELS n name…" with 1 ≤ n ≤ 6 names, found "CHANNELS 0"/,
  );
});

test("forward kinematics in blocks of frames gives exactly the one-block result", () => {
  const text =
    SMALL.replace("Frames: 2", "Frames: 7") +
    Array.from({ length: 5 }, (_, i) => `${i} 2 3 ${10 * i} ${-7 * i} 3 ${5 * i} 1 ${i}`).join("\n") +
    "\n";
  const bvh = parseBvh(text, "seven.bvh");
  const whole = bvhToH36m(bvh, { profile: SMALL_PROFILE, fps: 25 });
  assert.ok(whole.frames > 7);
  for (const block of [1, 2, 3])
    assert.deepEqual(
      bvhToH36m(bvh, { profile: SMALL_PROFILE, fps: 25, fkBlockFrames: block }).poses,
      whole.poses,
      `block ${block}`,
    );
});
