/**
 * BVH motion capture: parser and forward kinematics, for any BVH file.
 *
 * Each joint's channels are read in that joint's own order (rotation orders differ between
 * files and even between joints). Rotations are Euler angles in degrees, composed in the
 * listed order (local R = R(ch1)·R(ch2)·R(ch3)); position channels, where present, replace
 * the joint's OFFSET; world = parent_world · [R | t]. End Sites are kept as joints named
 * `<parent>/End`. Errors name the file and line.
 */

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

/** Parse BVH text. `file` is used in error messages. */
export function parseBvh(text: string, file: string): Bvh {
  const lines = text.split(/\r?\n/);
  let ln = 0; // index of the next line
  const err = (line: number, msg: string) => new Error(`${file} line ${line + 1}: ${msg}`);
  const next = (): { tokens: string[]; line: number } => {
    while (ln < lines.length) {
      const t = lines[ln++].trim();
      if (t.length) return { tokens: t.split(/\s+/), line: ln - 1 };
    }
    throw new Error(`${file}: truncated: the file ends inside the HIERARCHY section (line ${lines.length})`);
  };
  const first = next();
  if (first.tokens[0] !== "HIERARCHY") throw err(first.line, `expected "HIERARCHY", found "${first.tokens.join(" ")}"`);

  const joints: BvhJoint[] = [];
  const stack: number[] = [];
  let channelCount = 0;
  let pendingJoint = -1;
  for (;;) {
    const { tokens, line } = next();
    const kw = tokens[0];
    if (kw === "ROOT" || kw === "JOINT") {
      if (kw === "ROOT" && joints.length) throw err(line, "only one ROOT is supported");
      if (!tokens[1]) throw err(line, `${kw} without a name`);
      joints.push({ name: tokens.slice(1).join(" "), parent: stack.length ? stack[stack.length - 1] : -1, offset: [0, 0, 0], channels: [], channelStart: 0, endSite: false });
      pendingJoint = joints.length - 1;
    } else if (kw === "End") {
      if (!stack.length) throw err(line, "End Site outside a joint");
      const parent = stack[stack.length - 1];
      joints.push({ name: `${joints[parent].name}/End`, parent, offset: [0, 0, 0], channels: [], channelStart: channelCount, endSite: true });
      pendingJoint = joints.length - 1;
    } else if (kw === "{") {
      if (pendingJoint < 0) throw err(line, `unexpected "{"`);
      stack.push(pendingJoint);
      pendingJoint = -1;
    } else if (kw === "}") {
      if (!stack.length) throw err(line, `unbalanced "}"`);
      stack.pop();
      if (!stack.length) break;
    } else if (kw === "OFFSET") {
      const j = stack[stack.length - 1];
      const v = tokens.slice(1).map(Number);
      if (j === undefined || v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw err(line, `expected "OFFSET x y z" with 3 finite numbers, found "${tokens.join(" ")}"`);
      joints[j].offset = [v[0], v[1], v[2]];
    } else if (kw === "CHANNELS") {
      const j = stack[stack.length - 1];
      const n = Number(tokens[1]);
      const names = tokens.slice(2);
      if (j === undefined || !Number.isInteger(n) || names.length !== n) throw err(line, `expected "CHANNELS n name…" with n names, found "${tokens.join(" ")}"`);
      const bad = names.find((c) => !CHANNELS.has(c));
      if (bad) throw err(line, `unknown channel "${bad}"; expected ${[...CHANNELS].join(", ")}`);
      joints[j].channels = names;
      joints[j].channelStart = channelCount;
      channelCount += n;
    } else {
      throw err(line, `unexpected "${tokens.join(" ")}" in HIERARCHY`);
    }
  }
  if (!joints.length) throw new Error(`${file}: no joints in HIERARCHY`);

  const m = next();
  if (m.tokens[0] !== "MOTION") throw err(m.line, `expected "MOTION", found "${m.tokens.join(" ")}"`);
  const f = next();
  if (f.tokens[0] !== "Frames:" || !/^\d+$/.test(f.tokens[1] ?? "")) throw err(f.line, `expected "Frames: <count>", found "${f.tokens.join(" ")}"`);
  const frames = Number(f.tokens[1]);
  const t = next();
  const frameTimeS = Number(t.tokens[2]);
  if (t.tokens[0] !== "Frame" || t.tokens[1] !== "Time:" || !(frameTimeS > 0)) throw err(t.line, `expected "Frame Time: <seconds>", found "${t.tokens.join(" ")}"`);

  const motion = new Float32Array(frames * channelCount);
  let frame = 0;
  while (frame < frames) {
    if (ln >= lines.length) {
      throw new Error(`${file}: truncated: declares ${frames} frames but has ${frame} (file ends at line ${lines.length})`);
    }
    const line = ln;
    const s = lines[ln++].trim();
    if (!s.length) continue;
    const vals = s.split(/\s+/);
    if (vals.length !== channelCount) throw err(line, `expected ${channelCount} channel values, got ${vals.length}`);
    const base = frame * channelCount;
    for (let c = 0; c < channelCount; c++) {
      const v = Number(vals[c]);
      if (!Number.isFinite(v)) {
        const j = joints.find((jt) => c >= jt.channelStart && c < jt.channelStart + jt.channels.length)!;
        throw err(line, `value ${c + 1} (${j.name} ${j.channels[c - j.channelStart]}) is not a finite number: "${vals[c]}"`);
      }
      motion[base + c] = v;
    }
    frame++;
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
