/**
 * Human3.6M in its standard preprocessed form (VideoPose3D `prepare_data_h36m.py`):
 * - `data_3d_h36m.npz`: per subject and action, 32 joints in world coordinates (metres);
 * - `data_2d_h36m_<detector>.npz`: per subject, action and camera, 2D keypoints (pixels).
 *
 * Those files store pickled dicts; hpe3d never unpickles, so they are converted once to a
 * flat layout with `python3 scripts/convert_h36m.py` (keys `S1/Walking 1` for 3D and
 * `S1/Walking 1/<camera>` for 2D, plus a `metadata` JSON entry for 2D). Loaded poses are in mm.
 */
import { readNpz, type NdArray } from "./formats/npy";
import { H36M32_KEPT, NUM_JOINTS } from "../pose/skeleton";

/** The 15 H36M actions (sub-actions like "Walking 1" merge into "Walking"). */
export const H36M_ACTIONS = [
  "Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing", "Purchases",
  "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether",
] as const;
export type H36MAction = (typeof H36M_ACTIONS)[number];

const ALIASES: Record<string, H36MAction> = { TakingPhoto: "Photo", WalkingDog: "WalkDog" };

/** "Walking 1" → "Walking", "TakingPhoto" → "Photo"; unknown actions are an error listing the 15. */
export function h36mActionOf(name: string, where = "H36M"): H36MAction {
  const base = name.replace(/\s+\d+$/, "").trim();
  const a = ALIASES[base] ?? base;
  if (!(H36M_ACTIONS as readonly string[]).includes(a)) throw new Error(`${where}: unknown action "${name}"; expected one of ${H36M_ACTIONS.join(", ")} (optionally followed by a take number)`);
  return a as H36MAction;
}

export interface H36MSequence3d {
  subject: string;
  /** The file's action name, e.g. "Walking 1". */
  sourceAction: string;
  action: H36MAction;
  frames: number;
  /** World poses [frames, 17, 3], mm. */
  poses: Float32Array;
}

function checkFinite(a: NdArray, where: string): void {
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new Error(`${where}: value ${i} (frame ${Math.floor(i / (a.data.length / a.shape[0]))}) is not finite (${a.data[i]})`);
  }
}

/**
 * Load a converted `data_3d_h36m` file. Arrays must be float [N, 32, 3] (or already
 * [N, 17, 3]) in metres. S11 "Directions" is dropped (corrupted video), as in VideoPose3D.
 */
export function loadH36m3d(file: string, opts: { subjects?: readonly string[] } = {}): H36MSequence3d[] {
  const arrays = readNpz(file);
  const out: H36MSequence3d[] = [];
  for (const [key, arr] of arrays) {
    const where = `${file} [${key}]`;
    const m = /^(S\d+)\/(.+)$/.exec(key);
    if (!m) throw new Error(`${where}: expected keys "<subject>/<action>" (e.g. "S1/Walking 1"); convert VideoPose3D files with scripts/convert_h36m.py`);
    const [, subject, sourceAction] = m;
    if (opts.subjects && !opts.subjects.includes(subject)) continue;
    if (subject === "S11" && sourceAction === "Directions") continue;
    if (!(arr.dtype.endsWith("f4") || arr.dtype.endsWith("f8"))) throw new Error(`${where}: expected float32 or float64 positions, got dtype '${arr.dtype}'`);
    const [n, j, d] = arr.shape;
    if (arr.shape.length !== 3 || (j !== 32 && j !== 17) || d !== 3) throw new Error(`${where}: expected shape [frames, 32, 3] (or [frames, 17, 3]), got [${arr.shape.join(", ")}]`);
    checkFinite(arr, where);
    const poses = new Float32Array(n * NUM_JOINTS * 3);
    for (let f = 0; f < n; f++) {
      for (let k = 0; k < NUM_JOINTS; k++) {
        const src = j === 32 ? H36M32_KEPT[k] : k;
        for (let c = 0; c < 3; c++) poses[(f * NUM_JOINTS + k) * 3 + c] = arr.data[(f * j + src) * 3 + c] * 1000; // m → mm
      }
    }
    out.push({ subject, sourceAction, action: h36mActionOf(sourceAction, where), frames: n, poses });
  }
  if (!out.length) throw new Error(`${file}: no sequences${opts.subjects ? ` for subjects ${opts.subjects.join(", ")}` : ""}`);
  return out.sort((a, b) => (a.subject + a.sourceAction).localeCompare(b.subject + b.sourceAction));
}

export interface H36MDetections {
  layout: string;
  numJoints: number;
  /** (subject, action, camera) → [frames, numJoints, 2] pixels. */
  get(subject: string, action: string, camera: number): Float32Array;
  keys(): string[];
}

/** Load a converted `data_2d_h36m_<detector>` file (H36M 17-joint layout). */
export function loadH36m2d(file: string): H36MDetections {
  const arrays = readNpz(file);
  const metaArr = arrays.get("metadata");
  if (!metaArr) throw new Error(`${file}: no "metadata" entry; convert VideoPose3D files with scripts/convert_h36m.py`);
  let meta: { layout_name?: string; num_joints?: number };
  try {
    meta = JSON.parse(Buffer.from(metaArr.data.buffer, metaArr.data.byteOffset, metaArr.data.byteLength).toString("utf8"));
  } catch {
    throw new Error(`${file} [metadata]: not JSON text`);
  }
  const J = meta.num_joints ?? 17;
  if (meta.layout_name !== "h36m" || J !== NUM_JOINTS) throw new Error(`${file}: keypoint layout "${meta.layout_name}" with ${J} joints; expected "h36m" with ${NUM_JOINTS}`);
  const cache = new Map<string, Float32Array>();
  for (const [key, arr] of arrays) {
    if (key === "metadata") continue;
    const where = `${file} [${key}]`;
    if (!/^S\d+\/.+\/[0-3]$/.test(key)) throw new Error(`${where}: expected keys "<subject>/<action>/<camera 0-3>"`);
    if (arr.shape.length !== 3 || arr.shape[1] !== J || arr.shape[2] < 2) throw new Error(`${where}: expected shape [frames, ${J}, 2], got [${arr.shape.join(", ")}]`);
    checkFinite(arr, where);
    const [n, , d] = arr.shape;
    const xy = new Float32Array(n * J * 2);
    for (let i = 0; i < n * J; i++) { xy[i * 2] = arr.data[i * d]; xy[i * 2 + 1] = arr.data[i * d + 1]; }
    cache.set(key, xy);
  }
  return {
    layout: meta.layout_name,
    numJoints: J,
    keys: () => [...cache.keys()],
    get(subject, action, camera) {
      const v = cache.get(`${subject}/${action}/${camera}`);
      if (!v) throw new Error(`${file}: no detections for subject ${subject}, action "${action}", camera ${camera}`);
      return v;
    },
  };
}
