/**
 * Motion capture → Human3.6M 17-joint poses, in mm, in H36M's Z-up world.
 *
 * Mapping profiles are detected from the BVH joint names (CMU/Daz and Bandai Namco, the
 * two open sets, CMU and Bandai Namco; each set's README gives its units and joints). An unknown skeleton is an error
 * that lists the joints the file has. Warm-up frames are skipped and frames resampled to
 * H36M's 50 fps. The resampled length is checked against `limits.maxResampledFrames` before
 * anything is allocated, and every output value is checked finite after the conversion to mm
 * (a float32-range value in centimetres can overflow in mm): errors are `InputError`s.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { forwardKinematics, readBvh, type Bvh, type ForwardKinematics } from "./formats/bvh";
import { raiseHint, resolveLimits, type LoaderLimits } from "./limits";
import { InputError, quote } from "../core/errors";
import { H36M_JOINTS, NUM_JOINTS, type H36MJoint } from "../pose/skeleton";

export const H36M_FPS = 50;

type V3 = [number, number, number];
interface JointAccess {
  pos(name: string): V3;
  /** World rotation applied to a local vector. */
  along(name: string, local: V3): V3;
}

export interface MocapProfile {
  name: string;
  /** Joints the file must have for this profile. */
  required: readonly string[];
  /** Frames to skip at the start when no manifest says otherwise (warm-up / T-pose). */
  defaultFirstFrame: number;
  /** Centimetres, metres…: factor to mm. */
  unitToMm: number;
  /** The 17 H36M joints from the file's joints (file axes, file units). */
  map: Record<H36MJoint, (a: JointAccess) => V3>;
}

const mid = (a: V3, b: V3): V3 => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
const add = (a: V3, b: V3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const lerp = (a: V3, b: V3, t: number): V3 => [
  a[0] + t * (b[0] - a[0]),
  a[1] + t * (b[1] - a[1]),
  a[2] + t * (b[2] - a[2]),
];
const at = (name: string) => (a: JointAccess) => a.pos(name);

/** CMU via the Daz/Poser BVH conversion (hip, abdomen, chest, rThigh, …), centimetres, 120 fps. */
export const CMU_DAZ: MocapProfile = {
  name: "cmu-daz",
  required: [
    "hip",
    "abdomen",
    "chest",
    "neck",
    "head",
    "leftEye",
    "rightEye",
    "rThigh",
    "rShin",
    "rFoot",
    "lThigh",
    "lShin",
    "lFoot",
    "rShldr",
    "rForeArm",
    "rHand",
    "lShldr",
    "lForeArm",
    "lHand",
  ],
  defaultFirstFrame: 10, // frame 0 is a T-pose, frames 1–5 blend into the capture
  unitToMm: 10,
  map: {
    Hip: at("hip"),
    RHip: at("rThigh"),
    RKnee: at("rShin"),
    RFoot: at("rFoot"),
    LHip: at("lThigh"),
    LKnee: at("lShin"),
    LFoot: at("lFoot"),
    Spine: (a) => mid(a.pos("abdomen"), a.pos("chest")),
    Thorax: at("neck"),
    "Neck/Nose": (a) => mid(a.pos("leftEye"), a.pos("rightEye")),
    Head: (a) => lerp(a.pos("head"), mid(a.pos("leftEye"), a.pos("rightEye")), 1.5),
    LShoulder: at("lShldr"),
    LElbow: at("lForeArm"),
    LWrist: at("lHand"),
    RShoulder: at("rShldr"),
    RElbow: at("rForeArm"),
    RWrist: at("rHand"),
  },
};

/** Bandai Namco Research Motion Dataset (Hips, UpperLeg_L, …), centimetres, 30 fps. */
export const BANDAI_NAMCO: MocapProfile = {
  name: "bandai-namco",
  required: [
    "Hips",
    "Spine",
    "Chest",
    "Neck",
    "Head",
    "UpperLeg_R",
    "LowerLeg_R",
    "Foot_R",
    "UpperLeg_L",
    "LowerLeg_L",
    "Foot_L",
    "UpperArm_L",
    "LowerArm_L",
    "Hand_L",
    "UpperArm_R",
    "LowerArm_R",
    "Hand_R",
  ],
  defaultFirstFrame: 0, // clips are trimmed
  unitToMm: 10,
  map: {
    Hip: at("Hips"),
    RHip: at("UpperLeg_R"),
    RKnee: at("LowerLeg_R"),
    RFoot: at("Foot_R"),
    LHip: at("UpperLeg_L"),
    LKnee: at("LowerLeg_L"),
    LFoot: at("Foot_L"),
    Spine: (a) => mid(a.pos("Spine"), a.pos("Chest")),
    Thorax: at("Neck"),
    "Neck/Nose": (a) => add(a.pos("Head"), a.along("Head", [10, 0, 0])), // Head's local +X points up the head
    Head: (a) => add(a.pos("Head"), a.along("Head", [18, 0, 0])),
    LShoulder: at("UpperArm_L"),
    LElbow: at("LowerArm_L"),
    LWrist: at("Hand_L"),
    RShoulder: at("UpperArm_R"),
    RElbow: at("LowerArm_R"),
    RWrist: at("Hand_R"),
  },
};

export const PROFILES: readonly MocapProfile[] = [CMU_DAZ, BANDAI_NAMCO];

/** The profile whose required joints the file has; an error listing the file's joints otherwise. */
export function detectProfile(bvh: Bvh): MocapProfile {
  const names = new Set(bvh.joints.filter((j) => !j.endSite).map((j) => j.name));
  const p = PROFILES.find((pr) => pr.required.every((n) => names.has(n)));
  if (!p) {
    const list = [...names].slice(0, 12).map((n) => (n.length > 40 ? `${n.slice(0, 40)}…` : n));
    throw new InputError(
      bvh.file,
      "joints",
      `unknown skeleton: no mapping to the H36M joints fits. ` +
        `Known profiles: ${PROFILES.map((pr) => `${pr.name} (${pr.required.slice(0, 4).join(", ")}, …)`).join("; ")}. ` +
        `The file has joints: ${list.join(", ")}${names.size > list.length ? `, … (${names.size} in all)` : ""}`,
    );
  }
  return p;
}

/** How many samples `resampleTimes` returns (computed without allocating). */
export function resampledLength(frames: number, frameTimeS: number, firstFrame: number, fps: number): number {
  const t0 = firstFrame * frameTimeS,
    t1 = (frames - 1) * frameTimeS;
  return Math.max(0, Math.floor((t1 - t0) * fps + 1e-9) + 1);
}

/**
 * Frame times to sample: from `firstFrame`, every 1/fps seconds. Returns fractional
 * source frame indices.
 */
export function resampleTimes(frames: number, frameTimeS: number, firstFrame: number, fps: number): Float64Array {
  const n = resampledLength(frames, frameTimeS, firstFrame, fps);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = firstFrame + i / fps / frameTimeS;
  return out;
}

/**
 * H36M-17 world poses [F, 17, 3] (mm, Z up) from a parsed BVH, skipping `firstFrame`
 * frames and resampling to `fps` by linear interpolation between source frames.
 */
export function bvhToH36m(
  bvh: Bvh,
  opts: {
    profile?: MocapProfile;
    firstFrame?: number;
    fps?: number;
    limits?: Partial<LoaderLimits> /** FK block size (tests). */;
    fkBlockFrames?: number;
  } = {},
): { poses: Float32Array; frames: number; fps: number; profile: MocapProfile } {
  const limits = resolveLimits(opts.limits);
  const profile = opts.profile ?? detectProfile(bvh);
  const first = opts.firstFrame ?? profile.defaultFirstFrame;
  if (!Number.isInteger(first) || first < 0)
    throw new InputError(bvh.file, "first_usable_frame", `first usable frame ${String(first)} is not an integer ≥ 0`);
  if (first >= bvh.frames)
    throw new InputError(bvh.file, "Frames", `has ${bvh.frames} frames, all before the first usable frame ${first}`);
  const fps = opts.fps ?? H36M_FPS;
  if (!(fps > 0 && fps <= 1 / limits.minFrameTimeS)) {
    throw new Error(
      `${bvh.file}: resampling rate ${fps} fps is outside (0, ${1 / limits.minFrameTimeS}] (the inverse of limits.minFrameTimeS)`,
    );
  }
  const n = resampledLength(bvh.frames, bvh.frameTimeS, first, fps);
  if (n > limits.maxResampledFrames) {
    throw new InputError(
      bvh.file,
      "Frame Time",
      `${bvh.frames} frames of ${bvh.frameTimeS} s resampled to ${fps} fps give ${n} frames, over the limit of ` +
        `${limits.maxResampledFrames} (maxResampledFrames); ${raiseHint("maxResampledFrames")}`,
    );
  }
  const times = resampleTimes(bvh.frames, bvh.frameTimeS, first, fps);
  const index = new Map(bvh.joints.map((j, i) => [j.name, i]));
  const last = bvh.frames - 1,
    NJ = NUM_JOINTS; // a local: imported bindings are getters in hot loops
  // FK on the source frames we need (floor and ceil of each sample time; times increase).
  const needed: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const lo = Math.floor(times[i]),
      hi = Math.min(last, Math.ceil(times[i]));
    if (!needed.length || lo > needed[needed.length - 1]) needed.push(lo);
    if (hi > needed[needed.length - 1]) needed.push(hi);
  }
  const row = new Int32Array(bvh.frames).fill(-1);
  needed.forEach((f, i) => {
    row[f] = i;
  });
  const mapped = new Float64Array(needed.length * NJ * 3);
  // FK in blocks of frames: its [frames, joints, 12] float64 arrays stay small for long files.
  const block = opts.fkBlockFrames ?? Math.max(1, Math.floor(2 ** 18 / bvh.joints.length)); // ≤ 25 MB per block
  for (let a = 0; a < needed.length; a += block) {
    const fk = forwardKinematics(bvh, needed.slice(a, a + block));
    mapFrames(fk, index, profile, mapped, a * NJ * 3);
  }
  const poses = new Float32Array(times.length * NUM_JOINTS * 3);
  const s = profile.unitToMm;
  for (let i = 0; i < times.length; i++) {
    const lo = Math.floor(times[i]),
      hi = Math.min(last, Math.ceil(times[i])),
      w = times[i] - lo;
    const a = row[lo] * NJ * 3,
      b = row[hi] * NJ * 3;
    for (let j = 0; j < NJ; j++) {
      const x = (1 - w) * mapped[a + j * 3] + w * mapped[b + j * 3];
      const y = (1 - w) * mapped[a + j * 3 + 1] + w * mapped[b + j * 3 + 1];
      const z = (1 - w) * mapped[a + j * 3 + 2] + w * mapped[b + j * 3 + 2];
      // BVH +Y up → H36M +Z up: (x, y, z) ↦ (x, −z, y), a proper rotation about X.
      const o = (i * NJ + j) * 3;
      poses[o] = x * s;
      poses[o + 1] = -z * s;
      poses[o + 2] = y * s;
      if (!(Number.isFinite(poses[o]) && Number.isFinite(poses[o + 1]) && Number.isFinite(poses[o + 2]))) {
        throw new InputError(
          bvh.file,
          "motion",
          `joint ${H36M_JOINTS[j]} at output frame ${i} (source frame ${lo}) is not finite in mm ` +
            `(${x * s}, ${-z * s}, ${y * s}): OFFSET or position values too large for float32 after ×${s}`,
        );
      }
    }
  }
  return { poses, frames: times.length, fps, profile };
}

/** Map every frame of `fk` to the 17 H36M joints, written to `out` from offset `o` ([frames, 17, 3]). */
function mapFrames(
  fk: ForwardKinematics,
  index: Map<string, number>,
  profile: MocapProfile,
  out: Float64Array,
  o: number,
): void {
  const J = fk.joints,
    P = fk.positions,
    R = fk.rotations;
  let r = 0; // the frame being mapped; one accessor serves every frame
  const idx = (n: string) => {
    const i = index.get(n);
    if (i === undefined) throw new Error(`profile ${profile.name}: joint ${n} missing`);
    return r * J + i;
  };
  const access: JointAccess = {
    pos: (n) => {
      const b = idx(n) * 3;
      return [P[b], P[b + 1], P[b + 2]];
    },
    along: (n, v) => {
      const b = idx(n) * 9;
      return [
        R[b] * v[0] + R[b + 1] * v[1] + R[b + 2] * v[2],
        R[b + 3] * v[0] + R[b + 4] * v[1] + R[b + 5] * v[2],
        R[b + 6] * v[0] + R[b + 7] * v[1] + R[b + 8] * v[2],
      ];
    },
  };
  const fns = H36M_JOINTS.map((name) => profile.map[name]);
  for (r = 0; r < fk.frames; r++) {
    const base = o + r * fns.length * 3;
    for (let j = 0; j < fns.length; j++) {
      const p = fns[j](access);
      out[base + j * 3] = p[0];
      out[base + j * 3 + 1] = p[1];
      out[base + j * 3 + 2] = p[2];
    }
  }
}

/** One motion sequence in H36M form. */
export interface MocapSequence {
  /** Dataset the sequence comes from (`cmu`, `bandai`, or the folder name). */
  dataset: string;
  /** Performer / subject id, unique across datasets (e.g. `cmu-07`, `bandai-P1`). */
  subject: string;
  /** H36M-like action name (as the manifest suggests), or `Other`. */
  action: string;
  /** The source's own label (e.g. `walk-back`, `jump`). */
  sourceAction: string;
  file: string;
  profile: string;
  fps: number;
  frames: number;
  /** World poses [frames, 17, 3], mm, Z up. */
  poses: Float32Array;
}

interface ManifestEntry {
  file: string;
  subject?: number | string;
  actor?: string;
  action?: string;
  h36m_action?: string | null;
  first_usable_frame?: number;
}

function readManifest(dir: string): Map<string, ManifestEntry> {
  const f = path.join(dir, "manifest.json");
  if (!fs.existsSync(f)) return new Map();
  let m: { files?: ManifestEntry[] } | null;
  try {
    m = JSON.parse(fs.readFileSync(f, "utf8"));
  } catch (e) {
    throw new InputError(f, "json", `not valid JSON (${(e as Error).message})`);
  }
  if (!m || !Array.isArray(m.files))
    throw new InputError(f, "files", `expected a "files" array of {file, action, h36m_action, …}`);
  for (const [i, e] of m.files.entries()) {
    if (!e || typeof e.file !== "string")
      throw new InputError(f, `files[${i}].file`, `files[${i}]: expected an object with a "file" name`);
    const ff = e.first_usable_frame;
    if (ff !== undefined && !(Number.isInteger(ff) && ff >= 0)) {
      throw new InputError(
        f,
        `files[${i}].first_usable_frame`,
        `files[${i}] (${quote(e.file)}): first_usable_frame ${quote(String(ff))} is not an integer ≥ 0`,
      );
    }
  }
  return new Map(m.files.map((e) => [e.file, e]));
}

/** Subject and labels of a file, from the manifest or else from its name. */
function describe(
  file: string,
  profile: MocapProfile,
  entry: ManifestEntry | undefined,
  datasetName: string,
): Pick<MocapSequence, "dataset" | "subject" | "action" | "sourceAction"> {
  const base = path.basename(file, ".bvh");
  if (profile === CMU_DAZ) {
    const subj =
      entry?.subject !== undefined ? String(entry.subject).padStart(2, "0") : (/^(\d+)_/.exec(base)?.[1] ?? base);
    return {
      dataset: "cmu",
      subject: `cmu-${subj}`,
      action: entry?.h36m_action ?? "Other",
      sourceAction: entry?.action ?? "unlabelled",
    };
  }
  if (profile === BANDAI_NAMCO) {
    const parsed = /^dataset-(\d)_([^_]+)_([^_]+)_/.exec(base);
    const actor = entry?.actor ?? (parsed ? `R${parsed[1]}` : "unknown");
    return {
      dataset: "bandai",
      subject: `bandai-${actor}`,
      action: entry?.h36m_action ?? "Other",
      sourceAction: entry?.action ?? parsed?.[2] ?? "unlabelled",
    };
  }
  return {
    dataset: datasetName,
    subject: `${datasetName}-${base}`,
    action: entry?.h36m_action ?? "Other",
    sourceAction: entry?.action ?? "unlabelled",
  };
}

/** Options of the BVH loaders. */
export interface MocapLoadOptions {
  /** Output rate (default H36M's 50 fps). */
  fps?: number;
  /** Resource limits (frames, frame time, joints, file size, resampled length); see lib/data/limits.ts. */
  limits?: Partial<LoaderLimits>;
}

/** Load one BVH file as an H36M-17 sequence (manifest entry optional). */
export function loadBvhSequence(
  file: string,
  opts: MocapLoadOptions & { manifest?: Map<string, ManifestEntry> } = {},
): MocapSequence {
  const bvh = readBvh(file, { limits: opts.limits });
  const profile = detectProfile(bvh);
  const entry = (opts.manifest ?? readManifest(path.dirname(file))).get(path.basename(file));
  const { poses, frames, fps } = bvhToH36m(bvh, {
    profile,
    firstFrame: entry?.first_usable_frame,
    fps: opts.fps,
    limits: opts.limits,
  });
  return {
    ...describe(file, profile, entry, path.basename(path.dirname(file))),
    file,
    profile: profile.name,
    fps,
    frames,
    poses,
  };
}

/** All BVH files under a folder (recursively), sorted. */
export function listBvhFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new InputError(dir, "folder", "folder not found");
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.toLowerCase().endsWith(".bvh")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Load every BVH file under a folder. Each folder's manifest.json (if any) gives labels
 * and the first usable frame. `limit` keeps the first N files per folder (smoke runs).
 */
export function loadBvhFolder(
  dir: string,
  opts: MocapLoadOptions & { filter?: (file: string) => boolean } = {},
): MocapSequence[] {
  const files = listBvhFiles(dir).filter((f) => (opts.filter ? opts.filter(f) : true));
  if (!files.length) throw new InputError(dir, "folder", "no .bvh files found");
  const manifests = new Map<string, Map<string, ManifestEntry>>();
  return files.map((f) => {
    const d = path.dirname(f);
    if (!manifests.has(d)) manifests.set(d, readManifest(d));
    return loadBvhSequence(f, { fps: opts.fps, limits: opts.limits, manifest: manifests.get(d) });
  });
}
