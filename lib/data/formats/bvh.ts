/**
 * BVH motion capture: parser and forward kinematics, for any BVH file.
 *
 * Each joint's channels are read in that joint's own order (rotation orders differ between
 * files and even between joints). Rotations are Euler angles in degrees, composed in the
 * listed order (local R = R(ch1)·R(ch2)·R(ch3)); position channels, where present, replace
 * the joint's OFFSET; world = parent_world · [R | t]. End Sites are kept as joints named
 * `<parent>/End`.
 *
 * The parser is strict where the format is: one ROOT; every joint and End Site has exactly
 * one OFFSET; every ROOT/JOINT has one CHANNELS line with distinct, known channel names;
 * joint names are unique; numbers are decimal (no `0x1F`, `Infinity`, `NaN`) and within the
 * float32 range; `Frames:` matches the rows exactly, with nothing after them; `Frame Time:`
 * lies within the limits (1/1000 s to 1 s by default). Sizes are checked against the file and
 * against `LoaderLimits` before anything is allocated. Errors are `InputError`s that name the
 * file, the line and the field.
 */
import * as fs from "node:fs";
import { clip, InputError, MAX_QUOTED_CHARS, quote } from "../../core/errors";
import { raiseHint, resolveLimits, type LoaderLimits } from "../limits";

export interface BvhJoint {
  name: string;
  /** Index of the parent joint, -1 for the root. */
  parent: number;
  offset: [number, number, number];
  /** Channel names in file order, e.g. ["Zrotation", "Xrotation", "Yrotation"]. */
  channels: string[];
  /** Index of this joint's first channel in a frame's values. */
  channelStart: number;
  endSite: boolean;
}

export interface Bvh {
  file: string;
  joints: BvhJoint[];
  channelCount: number;
  frames: number;
  frameTimeS: number;
  /** Channel values, [frames, channelCount] row-major. */
  motion: Float32Array;
}

const CHANNELS = new Set(["Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"]);

/** A decimal number as BVH writes them: `-12.5`, `.5`, `3e-4`. No hex, binary, octal, `Infinity` or `NaN`. */
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/; // unambiguous: linear time on long tokens
const NON_FINITE_WORD = /^[-+]?(?:nan|inf(?:inity)?)$/i;

/** Why `tok` is not a float32 value, or "" if it is one. */
function badNumber(tok: string): string {
  if (!DECIMAL.test(tok)) return NON_FINITE_WORD.test(tok) ? `is not a finite number: ${quote(tok)}` : `is not a decimal number: ${quote(tok)}`;
  if (!Number.isFinite(Math.fround(Number(tok)))) return `${quote(tok)} is beyond the float32 range (±3.4e38)`;
  return "";
}

export interface BvhOptions {
  /** Resource limits (frames, frame time, joints, file size); see lib/data/limits.ts. */
  limits?: Partial<LoaderLimits>;
}

/** Read and parse a BVH file; its size is checked against `limits.maxBvhBytes` before reading. */
export function readBvh(file: string, opts: BvhOptions = {}): Bvh {
  const limits = resolveLimits(opts.limits);
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > limits.maxBvhBytes) {
      throw new InputError(file, "size", `file size ${size} bytes exceeds the limit of ${limits.maxBvhBytes} bytes (maxBvhBytes); ${raiseHint("maxBvhBytes")}`);
    }
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, "file", `cannot read (${(e as Error).message})`);
  }
  return parseBvh(text, file, { limits });
}

/** Parse BVH text. `file` is used in error messages. */
export function parseBvh(text: string, file: string, opts: BvhOptions = {}): Bvh {
  const limits = resolveLimits(opts.limits);
  if (text.length > limits.maxBvhBytes) {
    throw new InputError(file, "size", `${text.length} characters exceed the limit of ${limits.maxBvhBytes} (maxBvhBytes); ${raiseHint("maxBvhBytes")}`);
  }
  const lines = text.split(/\r?\n/);
  let ln = 0; // index of the next line
  const err = (line: number, field: string, msg: string) => new InputError(file, field, msg, `line ${line + 1}`);
  const next = (section: string): { tokens: string[]; line: number } => {
    while (ln < lines.length) {
      const t = lines[ln++].trim();
      if (t.length) return { tokens: t.split(/\s+/), line: ln - 1 };
    }
    throw new InputError(file, section, `truncated: the file ends inside the ${section} section (line ${lines.length})`);
  };
  const shown = (tokens: string[]) => quote(tokens.join(" "));
  const first = next("HIERARCHY");
  if (first.tokens[0] !== "HIERARCHY" || first.tokens.length !== 1) throw err(first.line, "HIERARCHY", `expected "HIERARCHY", found ${shown(first.tokens)}`);

  const joints: BvhJoint[] = [];
  const hasOffset: boolean[] = [];
  const hasChannels: boolean[] = [];
  const names = new Set<string>();
  const stack: number[] = [];
  let channelCount = 0;
  let pendingJoint = -1;
  const addJoint = (line: number, j: BvhJoint) => {
    if (joints.length >= limits.maxBvhJoints) {
      throw err(line, "joints", `more than ${limits.maxBvhJoints} joints (maxBvhJoints); ${raiseHint("maxBvhJoints")}`);
    }
    if (names.has(j.name)) throw err(line, "joint name", `duplicate joint name ${quote(j.name)}; joint names must be unique`);
    names.add(j.name);
    joints.push(j);
    hasOffset.push(false);
    hasChannels.push(false);
    pendingJoint = joints.length - 1;
  };
  for (;;) {
    const { tokens, line } = next("HIERARCHY");
    const kw = tokens[0];
    const top = stack.length ? stack[stack.length - 1] : -1;
    if (pendingJoint >= 0 && kw !== "{") throw err(line, "HIERARCHY", `expected "{" after ${quote(joints[pendingJoint].name)}, found ${shown(tokens)}`);
    if (top >= 0 && joints[top].endSite && kw !== "OFFSET" && kw !== "}") {
      throw err(line, "End Site", `an End Site holds only an OFFSET, found ${shown(tokens)}`);
    }
    if (kw === "ROOT" || kw === "JOINT") {
      if (kw === "ROOT" && joints.length) throw err(line, "ROOT", "only one ROOT is supported");
      if (kw === "JOINT" && !stack.length) throw err(line, "JOINT", "JOINT outside the ROOT");
      if (tokens.length < 2) throw err(line, kw, `${kw} without a name`);
      addJoint(line, { name: tokens.slice(1).join(" "), parent: top, offset: [0, 0, 0], channels: [], channelStart: channelCount, endSite: false });
    } else if (kw === "End") {
      if (tokens.length !== 2 || tokens[1] !== "Site") throw err(line, "End Site", `expected "End Site", found ${shown(tokens)}`);
      if (!stack.length) throw err(line, "End Site", "End Site outside a joint");
      addJoint(line, { name: `${joints[top].name}/End`, parent: top, offset: [0, 0, 0], channels: [], channelStart: channelCount, endSite: true });
    } else if (kw === "{") {
      if (pendingJoint < 0 || tokens.length !== 1) throw err(line, "HIERARCHY", `unexpected ${shown(tokens)}`);
      stack.push(pendingJoint);
      pendingJoint = -1;
    } else if (kw === "}") {
      if (!stack.length || tokens.length !== 1) throw err(line, "HIERARCHY", `unbalanced ${shown(tokens)}`);
      const j = stack.pop()!;
      if (!hasOffset[j]) throw err(line, "OFFSET", `joint ${quote(joints[j].name)} has no OFFSET`);
      if (!joints[j].endSite && !hasChannels[j]) throw err(line, "CHANNELS", `joint ${quote(joints[j].name)} has no CHANNELS`);
      if (!stack.length) break;
    } else if (kw === "OFFSET") {
      if (top < 0) throw err(line, "OFFSET", "OFFSET outside a joint");
      if (hasOffset[top]) throw err(line, "OFFSET", `second OFFSET for joint ${quote(joints[top].name)}`);
      const bad = tokens.length === 4 ? tokens.slice(1).map(badNumber).find((b) => b) : "has the wrong count";
      if (bad !== undefined) throw err(line, "OFFSET", `expected "OFFSET x y z" with 3 finite decimal numbers, found ${shown(tokens)} (${bad})`);
      joints[top].offset = [Number(tokens[1]), Number(tokens[2]), Number(tokens[3])];
      hasOffset[top] = true;
    } else if (kw === "CHANNELS") {
      if (top < 0) throw err(line, "CHANNELS", "CHANNELS outside a joint");
      if (hasChannels[top]) throw err(line, "CHANNELS", `second CHANNELS for joint ${quote(joints[top].name)}`);
      const n = /^\d$/.test(tokens[1] ?? "") ? Number(tokens[1]) : -1;
      const chans = tokens.slice(2);
      if (n < 0 || n > 6 || chans.length !== n) throw err(line, "CHANNELS", `expected "CHANNELS n name…" with n ≤ 6 names, found ${shown(tokens)}`);
      const bad = chans.find((c) => !CHANNELS.has(c));
      if (bad) throw err(line, "CHANNELS", `unknown channel ${quote(bad)}; expected ${[...CHANNELS].join(", ")}`);
      const dup = chans.find((c, i) => chans.indexOf(c) !== i);
      if (dup) throw err(line, "CHANNELS", `channel ${quote(dup)} listed twice for joint ${quote(joints[top].name)}`);
      joints[top].channels = chans;
      joints[top].channelStart = channelCount;
      hasChannels[top] = true;
      channelCount += n;
    } else {
      throw err(line, "HIERARCHY", `unexpected ${shown(tokens)} in HIERARCHY`);
    }
  }
  if (!joints.length) throw new InputError(file, "HIERARCHY", "no joints in HIERARCHY");

  const m = next("MOTION");
  if (m.tokens[0] !== "MOTION" || m.tokens.length !== 1) throw err(m.line, "MOTION", `expected "MOTION", found ${shown(m.tokens)}`);
  const f = next("MOTION");
  if (f.tokens[0] !== "Frames:" || f.tokens.length !== 2 || !/^\d+$/.test(f.tokens[1])) {
    throw err(f.line, "Frames", `expected "Frames: <count>", found ${shown(f.tokens)}`);
  }
  const frames = Number(f.tokens[1]);
  if (frames > limits.maxBvhFrames) {
    throw err(f.line, "Frames", `Frames: ${quote(f.tokens[1], 20)} exceeds the limit of ${limits.maxBvhFrames} frames (maxBvhFrames); ${raiseHint("maxBvhFrames")}`);
  }
  const t = next("MOTION");
  if (t.tokens[0] !== "Frame" || t.tokens[1] !== "Time:" || t.tokens.length !== 3) throw err(t.line, "Frame Time", `expected "Frame Time: <seconds>", found ${shown(t.tokens)}`);
  const badTime = badNumber(t.tokens[2]);
  if (badTime) throw err(t.line, "Frame Time", `Frame Time ${badTime}`);
  const frameTimeS = Number(t.tokens[2]);
  if (!(frameTimeS >= limits.minFrameTimeS && frameTimeS <= limits.maxFrameTimeS)) {
    throw err(t.line, "Frame Time", `Frame Time ${t.tokens[2]} s is outside ${limits.minFrameTimeS}–${limits.maxFrameTimeS} s (minFrameTimeS, maxFrameTimeS); ${raiseHint(frameTimeS < limits.minFrameTimeS ? "minFrameTimeS" : "maxFrameTimeS")}`);
  }
  if (channelCount === 0 && frames > 0) throw err(f.line, "CHANNELS", `declares ${frames} frames but no joint has CHANNELS`);
  // Each row holds channelCount numbers (≥ 1 character each, space-separated) and a line break,
  // so the rest of the file bounds the rows it can hold: allocate no more than that. A file
  // that declares more is truncated (reported below, when its rows run out).
  let restChars = 0;
  for (let i = ln; i < lines.length; i++) restChars += lines[i].length + 1;
  const capacity = channelCount ? Math.min(frames, Math.floor((restChars + 1) / (2 * channelCount))) : 0;
  const motion = new Float32Array(capacity * channelCount);
  let frame = 0;
  while (frame < frames) {
    if (ln >= lines.length || frame >= capacity) {
      throw new InputError(file, "Frames", `truncated: declares ${frames} frames but has ${frame} (file ends at line ${lines.length})`);
    }
    const line = ln;
    const s = lines[ln++].trim();
    if (!s.length) continue;
    const vals = s.split(/\s+/);
    if (vals.length !== channelCount) throw err(line, "motion", `expected ${channelCount} channel values, got ${vals.length}`);
    const base = frame * channelCount;
    for (let c = 0; c < channelCount; c++) {
      const bad = badNumber(vals[c]);
      if (bad) {
        const j = joints.find((jt) => c >= jt.channelStart && c < jt.channelStart + jt.channels.length)!;
        throw err(line, "motion", `value ${c + 1} (${clip(j.name, MAX_QUOTED_CHARS)} ${j.channels[c - j.channelStart]}) ${bad}`);
      }
      motion[base + c] = Number(vals[c]);
    }
    frame++;
  }
  for (let i = ln; i < lines.length; i++) {
    if (lines[i].trim().length) {
      let extra = 0;
      for (let k = i; k < lines.length; k++) if (lines[k].trim().length) extra++;
      throw err(i, "Frames", `Frames: ${frames} but ${extra} more non-empty line(s) follow the last frame; the frame count must match the rows`);
    }
  }
  return { file, joints, channelCount, frames, frameTimeS, motion };
}

/** 3×3 rotation about one axis, angle in degrees, row-major. */
function axisRotation(axis: string, deg: number): number[] {
  const a = (deg * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  if (axis === "X") return [1, 0, 0, 0, c, -s, 0, s, c];
  if (axis === "Y") return [c, 0, s, 0, 1, 0, -s, 0, c];
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

function mul3(a: ArrayLike<number>, b: ArrayLike<number>, out: Float64Array | number[], o = 0): void {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[o + i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
}

export interface ForwardKinematics {
  /** World positions [frames, joints, 3] in the file's units and axes. */
  positions: Float64Array;
  /** World rotations [frames, joints, 9] (row-major 3×3). */
  rotations: Float64Array;
  frames: number;
  joints: number;
}

/** World positions and rotations of every joint (End Sites included) for the given frames. */
export function forwardKinematics(bvh: Bvh, frameIndices?: ArrayLike<number>): ForwardKinematics {
  const idx = frameIndices ?? Array.from({ length: bvh.frames }, (_, i) => i);
  const J = bvh.joints.length, F = idx.length;
  const positions = new Float64Array(F * J * 3);
  const rotations = new Float64Array(F * J * 9);
  const local = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const tmp = new Float64Array(9);
  for (let fi = 0; fi < F; fi++) {
    const frame = idx[fi];
    if (!(frame >= 0 && frame < bvh.frames)) throw new Error(`${bvh.file}: frame ${frame} out of range 0..${bvh.frames - 1}`);
    const vals = bvh.motion.subarray(frame * bvh.channelCount, (frame + 1) * bvh.channelCount);
    for (let j = 0; j < J; j++) {
      const jt = bvh.joints[j];
      const t = [jt.offset[0], jt.offset[1], jt.offset[2]];
      local.splice(0, 9, 1, 0, 0, 0, 1, 0, 0, 0, 1);
      for (let c = 0; c < jt.channels.length; c++) {
        const ch = jt.channels[c], v = vals[jt.channelStart + c];
        const axis = ch[0];
        if (ch.endsWith("position")) t[axis === "X" ? 0 : axis === "Y" ? 1 : 2] = v;
        else {
          mul3(local, axisRotation(axis, v), tmp);
          for (let k = 0; k < 9; k++) local[k] = tmp[k];
        }
      }
      // Position channels replace OFFSET (Bandai's stale Hips OFFSET, CMU's zero root offset).
      const hasPos = jt.channels.some((c) => c.endsWith("position"));
      if (!hasPos) { t[0] = jt.offset[0]; t[1] = jt.offset[1]; t[2] = jt.offset[2]; }
      const pBase = (fi * J + j) * 3, rBase = (fi * J + j) * 9;
      if (jt.parent < 0) {
        positions[pBase] = t[0]; positions[pBase + 1] = t[1]; positions[pBase + 2] = t[2];
        for (let k = 0; k < 9; k++) rotations[rBase + k] = local[k];
      } else {
        const pp = (fi * J + jt.parent) * 3, pr = (fi * J + jt.parent) * 9;
        const R = rotations.subarray(pr, pr + 9);
        for (let i = 0; i < 3; i++) positions[pBase + i] = positions[pp + i] + R[i * 3] * t[0] + R[i * 3 + 1] * t[1] + R[i * 3 + 2] * t[2];
        mul3(R, local, rotations, rBase);
      }
    }
  }
  return { positions, rotations, frames: F, joints: J };
}
