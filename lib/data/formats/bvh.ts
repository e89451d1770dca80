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
 * one OFFSET; every ROOT/JOINT has one CHANNELS line with 1–6 distinct, known channel names;
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
  if (!DECIMAL.test(tok))
    return NON_FINITE_WORD.test(tok)
      ? `is not a finite number: ${quote(tok)}`
      : `is not a decimal number: ${quote(tok)}`;
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
      throw new InputError(
        file,
        "size",
        `file size ${size} bytes exceeds the limit of ${limits.maxBvhBytes} bytes (maxBvhBytes); ${raiseHint("maxBvhBytes")}`,
      );
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
    throw new InputError(
      file,
      "size",
      `${text.length} characters exceed the limit of ${limits.maxBvhBytes} (maxBvhBytes); ${raiseHint("maxBvhBytes")}`,
    );
  }
  const lines = text.split(/\r?\n/);
  let ln = 0; // index of the next line
  const err = (line: number, field: string, msg: string) => new InputError(file, field, msg, `line ${line + 1}`);
  const next = (section: string): { tokens: string[]; line: number } => {
    while (ln < lines.length) {
      const t = lines[ln++].trim();
      if (t.length) return { tokens: t.split(/\s+/), line: ln - 1 };
    }
    throw new InputError(
      file,
      section,
      `truncated: the file ends inside the ${section} section (line ${lines.length})`,
    );
  };
  const shown = (tokens: string[]) => quote(tokens.join(" "));
  const first = next("HIERARCHY");
  if (first.tokens[0] !== "HIERARCHY" || first.tokens.length !== 1)
    throw err(first.line, "HIERARCHY", `expected "HIERARCHY", found ${shown(first.tokens)}`);

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
    if (names.has(j.name))
      throw err(line, "joint name", `duplicate joint name ${quote(j.name)}; joint names must be unique`);
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
    if (pendingJoint >= 0 && kw !== "{")
      throw err(line, "HIERARCHY", `expected "{" after ${quote(joints[pendingJoint].name)}, found ${shown(tokens)}`);
    if (top >= 0 && joints[top].endSite && kw !== "OFFSET" && kw !== "}") {
      throw err(line, "End Site", `an End Site holds only an OFFSET, found ${shown(tokens)}`);
    }
    if (kw === "ROOT" || kw === "JOINT") {
      if (kw === "ROOT" && joints.length) throw err(line, "ROOT", "only one ROOT is supported");
      if (kw === "JOINT" && !stack.length) throw err(line, "JOINT", "JOINT outside the ROOT");
      if (tokens.length < 2) throw err(line, kw, `${kw} without a name`);
      addJoint(line, {
        name: tokens.slice(1).join(" "),
        parent: top,
        offset: [0, 0, 0],
        channels: [],
        channelStart: channelCount,
        endSite: false,
      });
    } else if (kw === "End") {
      if (tokens.length !== 2 || tokens[1] !== "Site")
        throw err(line, "End Site", `expected "End Site", found ${shown(tokens)}`);
      if (!stack.length) throw err(line, "End Site", "End Site outside a joint");
      addJoint(line, {
        name: `${joints[top].name}/End`,
        parent: top,
        offset: [0, 0, 0],
        channels: [],
        channelStart: channelCount,
        endSite: true,
      });
    } else if (kw === "{") {
      if (pendingJoint < 0 || tokens.length !== 1) throw err(line, "HIERARCHY", `unexpected ${shown(tokens)}`);
      stack.push(pendingJoint);
      pendingJoint = -1;
    } else if (kw === "}") {
      if (!stack.length || tokens.length !== 1) throw err(line, "HIERARCHY", `unbalanced ${shown(tokens)}`);
      const j = stack.pop()!;
      if (!hasOffset[j]) throw err(line, "OFFSET", `joint ${quote(joints[j].name)} has no OFFSET`);
      if (!joints[j].endSite && !hasChannels[j])
        throw err(line, "CHANNELS", `joint ${quote(joints[j].name)} has no CHANNELS`);
      if (!stack.length) break;
    } else if (kw === "OFFSET") {
      if (top < 0) throw err(line, "OFFSET", "OFFSET outside a joint");
      if (hasOffset[top]) throw err(line, "OFFSET", `second OFFSET for joint ${quote(joints[top].name)}`);
      const bad =
        tokens.length === 4
          ? tokens
              .slice(1)
              .map(badNumber)
              .find((b) => b)
          : "has the wrong count";
      if (bad !== undefined)
        throw err(
          line,
          "OFFSET",
          `expected "OFFSET x y z" with 3 finite decimal numbers, found ${shown(tokens)} (${bad})`,
        );
      joints[top].offset = [Number(tokens[1]), Number(tokens[2]), Number(tokens[3])];
      hasOffset[top] = true;
    } else if (kw === "CHANNELS") {
      if (top < 0) throw err(line, "CHANNELS", "CHANNELS outside a joint");
      if (hasChannels[top]) throw err(line, "CHANNELS", `second CHANNELS for joint ${quote(joints[top].name)}`);
      const n = /^\d$/.test(tokens[1] ?? "") ? Number(tokens[1]) : -1;
      const chans = tokens.slice(2);
      // n ≥ 1: every joint then costs ≥ 2 characters per row, so the file's size bounds the
      // forward-kinematics work (frames × joints) as well as the motion data.
      if (n < 1 || n > 6 || chans.length !== n)
        throw err(line, "CHANNELS", `expected "CHANNELS n name…" with 1 ≤ n ≤ 6 names, found ${shown(tokens)}`);
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
  if (m.tokens[0] !== "MOTION" || m.tokens.length !== 1)
    throw err(m.line, "MOTION", `expected "MOTION", found ${shown(m.tokens)}`);
  const f = next("MOTION");
  if (f.tokens[0] !== "Frames:" || f.tokens.length !== 2 || !/^\d+$/.test(f.tokens[1])) {
    throw err(f.line, "Frames", `expected "Frames: <count>", found ${shown(f.tokens)}`);
  }
  const frames = Number(f.tokens[1]);
  if (frames > limits.maxBvhFrames) {
    const limit = `the limit of ${limits.maxBvhFrames} frames (maxBvhFrames)`;
    throw err(f.line, "Frames", `Frames: ${quote(f.tokens[1], 20)} exceeds ${limit}; ${raiseHint("maxBvhFrames")}`);
  }
  const t = next("MOTION");
  if (t.tokens[0] !== "Frame" || t.tokens[1] !== "Time:" || t.tokens.length !== 3) {
    throw err(t.line, "Frame Time", `expected "Frame Time: <seconds>", found ${shown(t.tokens)}`);
  }
  const badTime = badNumber(t.tokens[2]);
  if (badTime) throw err(t.line, "Frame Time", `Frame Time ${badTime}`);
  const frameTimeS = Number(t.tokens[2]);
  if (!(frameTimeS >= limits.minFrameTimeS && frameTimeS <= limits.maxFrameTimeS)) {
    const range = `${limits.minFrameTimeS}–${limits.maxFrameTimeS} s (minFrameTimeS, maxFrameTimeS)`;
    const hint = raiseHint(frameTimeS < limits.minFrameTimeS ? "minFrameTimeS" : "maxFrameTimeS");
    throw err(t.line, "Frame Time", `Frame Time ${t.tokens[2]} s is outside ${range}; ${hint}`);
  }
  if (channelCount === 0 && frames > 0)
    throw err(f.line, "CHANNELS", `declares ${frames} frames but no joint has CHANNELS`);
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
      throw new InputError(
        file,
        "Frames",
        `truncated: declares ${frames} frames but has ${frame} (file ends at line ${lines.length})`,
      );
    }
    const line = ln;
    const s = lines[ln++].trim();
    if (!s.length) continue;
    const vals = s.split(/\s+/);
    if (vals.length !== channelCount)
      throw err(line, "motion", `expected ${channelCount} channel values, got ${vals.length}`);
    const base = frame * channelCount;
    for (let c = 0; c < channelCount; c++) {
      const bad = badNumber(vals[c]);
      if (bad) {
        const j = joints.find((jt) => c >= jt.channelStart && c < jt.channelStart + jt.channels.length)!;
        throw err(
          line,
          "motion",
          `value ${c + 1} (${clip(j.name, MAX_QUOTED_CHARS)} ${j.channels[c - j.channelStart]}) ${bad}`,
        );
      }
      motion[base + c] = Number(vals[c]);
    }
    frame++;
  }
  for (let i = ln; i < lines.length; i++) {
    if (lines[i].trim().length) {
      let extra = 0;
      for (let k = i; k < lines.length; k++) if (lines[k].trim().length) extra++;
      throw err(
        i,
        "Frames",
        `Frames: ${frames} but ${extra} more non-empty line(s) follow the last frame; the frame count must match the rows`,
      );
    }
  }
  return { file, joints, channelCount, frames, frameTimeS, motion };
}

/**
 * L ← L · R(axis, deg) in place, L row-major 3×3: right-multiplying by a rotation about one
 * axis mixes two columns of L (X: columns 1, 2; Y: 0, 2; Z: 0, 1).
 */
function rotateInPlace(L: Float64Array, axis: number, deg: number): void {
  const a = (deg * Math.PI) / 180,
    c = Math.cos(a),
    s = Math.sin(a);
  // Columns (p, q) and the sign pattern of R's 2×2 block [[c, -s], [s, c]] (Y's is transposed).
  const p = axis === 0 ? 1 : 0,
    q = axis === 2 ? 1 : 2,
    sg = axis === 1 ? -1 : 1;
  for (let i = 0; i < 9; i += 3) {
    const lp = L[i + p],
      lq = L[i + q];
    L[i + p] = lp * c + lq * s * sg;
    L[i + q] = -lp * s * sg + lq * c;
  }
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
  const J = bvh.joints.length,
    F = idx.length,
    C = bvh.channelCount;
  const positions = new Float64Array(F * J * 3);
  const rotations = new Float64Array(F * J * 9);
  // Per joint and channel: axis 0–2 (X, Y, Z), +3 for a position channel.
  const plan = bvh.joints.map((jt) =>
    Int8Array.from(
      jt.channels,
      (ch) => (ch.endsWith("position") ? 3 : 0) + (ch[0] === "X" ? 0 : ch[0] === "Y" ? 1 : 2),
    ),
  );
  const L = new Float64Array(9),
    t = new Float64Array(3);
  const motion = bvh.motion;
  for (let fi = 0; fi < F; fi++) {
    const frame = idx[fi];
    if (!(frame >= 0 && frame < bvh.frames))
      throw new Error(`${bvh.file}: frame ${frame} out of range 0..${bvh.frames - 1}`);
    const vBase = frame * C;
    for (let j = 0; j < J; j++) {
      const jt = bvh.joints[j],
        kinds = plan[j];
      // Position channels replace OFFSET (Bandai's stale Hips OFFSET, CMU's zero root offset).
      t[0] = jt.offset[0];
      t[1] = jt.offset[1];
      t[2] = jt.offset[2];
      L.fill(0);
      L[0] = 1;
      L[4] = 1;
      L[8] = 1;
      for (let c = 0; c < kinds.length; c++) {
        const k = kinds[c],
          v = motion[vBase + jt.channelStart + c];
        if (k >= 3) t[k - 3] = v;
        else rotateInPlace(L, k, v);
      }
      const pBase = (fi * J + j) * 3,
        rBase = (fi * J + j) * 9;
      if (jt.parent < 0) {
        positions[pBase] = t[0];
        positions[pBase + 1] = t[1];
        positions[pBase + 2] = t[2];
        rotations.set(L, rBase);
      } else {
        const pp = (fi * J + jt.parent) * 3,
          pr = (fi * J + jt.parent) * 9;
        for (let i = 0; i < 3; i++) {
          const r0 = rotations[pr + i * 3],
            r1 = rotations[pr + i * 3 + 1],
            r2 = rotations[pr + i * 3 + 2];
          positions[pBase + i] = positions[pp + i] + r0 * t[0] + r1 * t[1] + r2 * t[2];
          for (let k = 0; k < 3; k++) rotations[rBase + i * 3 + k] = r0 * L[k] + r1 * L[3 + k] + r2 * L[6 + k];
        }
      }
    }
  }
  return { positions, rotations, frames: F, joints: J };
}
