/**
 * Human3.6M in its standard preprocessed form (VideoPose3D `prepare_data_h36m.py`):
 * - `data_3d_h36m.npz`: per subject and action, 32 joints in world coordinates (metres);
 * - `data_2d_h36m_<detector>.npz`: per subject, action and camera, 2D keypoints (pixels).
 *
 * Those files store pickled dicts; hpe3d never unpickles, so they are converted once to a
 * flat layout with `python3 scripts/convert_h36m.py` (keys `S1/Walking 1` for 3D and
 * `S1/Walking 1/<camera>` for 2D, plus a `metadata` JSON entry for 2D). Loaded poses are in mm,
 * and every value is checked finite after that conversion (1e38 m is finite in metres but not
 * in mm as float32). Errors are `InputError`s naming the file and the entry; pass
 * `{ limits: { maxNpzBytes } }` for files over 1 GiB uncompressed (see lib/data/limits.ts).
 */
import { readNpz, type NdArray } from "./formats/npy";
import type { LoaderLimits } from "./limits";
import { InputError, quote } from "../core/errors";
import { H36M32_KEPT, NUM_JOINTS } from "../pose/skeleton";

/** The 15 H36M actions (sub-actions like "Walking 1" merge into "Walking"). */
export const H36M_ACTIONS = [
  "Directions",
  "Discussion",
  "Eating",
  "Greeting",
  "Phoning",
  "Photo",
  "Posing",
  "Purchases",
  "Sitting",
  "SittingDown",
  "Smoking",
  "Waiting",
  "WalkDog",
  "Walking",
  "WalkTogether",
] as const;
export type H36MAction = (typeof H36M_ACTIONS)[number];

const ALIASES: Record<string, H36MAction> = { TakingPhoto: "Photo", WalkingDog: "WalkDog" };

/** "Walking 1" → "Walking", "TakingPhoto" → "Photo"; unknown actions are an error listing the 15. */
export function h36mActionOf(name: string, where = "H36M", at?: string): H36MAction {
  const base = name.replace(/\s+\d+$/, "").trim();
  const a = ALIASES[base] ?? base;
  if (!(H36M_ACTIONS as readonly string[]).includes(a)) {
    throw new InputError(
      where,
      "action",
      `unknown action ${quote(name)}; expected one of ${H36M_ACTIONS.join(", ")} (optionally followed by a take number)`,
      at,
    );
  }
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

/** Options of the H36M loaders. */
export interface H36MLoadOptions {
  /** Resource limits (file size, uncompressed size); see lib/data/limits.ts. */
  limits?: Partial<LoaderLimits>;
}

/** An `InputError` for value `i` of an entry: its frame, and the value after conversion. */
function notFinite(file: string, at: string, a: NdArray, i: number, converted: number, unit: string): InputError {
  const perFrame = a.data.length / a.shape[0];
  return new InputError(
    file,
    "data",
    `value ${i} (frame ${Math.floor(i / perFrame)}) is not finite (${a.data[i]}; ${converted} ${unit})`,
    at,
  );
}

function checkFloat(a: NdArray, file: string, at: string, what: string): void {
  if (!(a.dtype.endsWith("f4") || a.dtype.endsWith("f8")))
    throw new InputError(file, "dtype", `expected float32 or float64 ${what}, got dtype '${a.dtype}'`, at);
}

/**
 * Load a converted `data_3d_h36m` file. Arrays must be float [N, 32, 3] (or already
 * [N, 17, 3]) in metres. S11 "Directions" is dropped (corrupted video), as in VideoPose3D.
 */
export function loadH36m3d(
  file: string,
  opts: { subjects?: readonly string[] } & H36MLoadOptions = {},
): H36MSequence3d[] {
  const arrays = readNpz(file, { limits: opts.limits });
  const out: H36MSequence3d[] = [];
  const J17 = NUM_JOINTS,
    kept = H36M32_KEPT; // locals: imported bindings are getters in hot loops
  for (const [key, arr] of arrays) {
    const at = `[${key}]`;
    const m = /^(S\d+)\/(.+)$/.exec(key);
    if (!m)
      throw new InputError(
        file,
        "key",
        `expected keys "<subject>/<action>" (e.g. "S1/Walking 1"); convert VideoPose3D files with scripts/convert_h36m.py`,
        at,
      );
    const [, subject, sourceAction] = m;
    if (opts.subjects && !opts.subjects.includes(subject)) continue;
    if (subject === "S11" && sourceAction === "Directions") continue;
    checkFloat(arr, file, at, "positions");
    const [n, j, d] = arr.shape;
    if (arr.shape.length !== 3 || (j !== 32 && j !== 17) || d !== 3) {
      throw new InputError(
        file,
        "shape",
        `expected shape [frames, 32, 3] (or [frames, 17, 3]), got [${arr.shape.join(", ")}]`,
        at,
      );
    }
    const poses = new Float32Array(n * J17 * 3);
    for (let f = 0; f < n; f++) {
      for (let k = 0; k < J17; k++) {
        const src = j === 32 ? kept[k] : k;
        for (let c = 0; c < 3; c++) {
          const i = (f * j + src) * 3 + c,
            o = (f * J17 + k) * 3 + c;
          poses[o] = arr.data[i] * 1000; // m → mm, then checked as float32
          if (!Number.isFinite(poses[o])) throw notFinite(file, at, arr, i, poses[o], "mm");
        }
      }
    }
    out.push({ subject, sourceAction, action: h36mActionOf(sourceAction, file, at), frames: n, poses });
  }
  if (!out.length)
    throw new InputError(
      file,
      "entries",
      `no sequences${opts.subjects ? ` for subjects ${opts.subjects.join(", ")}` : ""}`,
    );
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
export function loadH36m2d(file: string, opts: H36MLoadOptions = {}): H36MDetections {
  const arrays = readNpz(file, { limits: opts.limits });
  const metaArr = arrays.get("metadata");
  if (!metaArr)
    throw new InputError(
      file,
      "metadata",
      `no "metadata" entry; convert VideoPose3D files with scripts/convert_h36m.py`,
    );
  let meta: { layout_name?: unknown; num_joints?: unknown };
  try {
    meta = JSON.parse(
      Buffer.from(metaArr.data.buffer, metaArr.data.byteOffset, metaArr.data.byteLength).toString("utf8"),
    );
  } catch {
    throw new InputError(file, "metadata", "not JSON text", "[metadata]");
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta))
    throw new InputError(file, "metadata", "expected a JSON object {layout_name, num_joints}", "[metadata]");
  const J = meta.num_joints ?? 17;
  if (meta.layout_name !== "h36m" || J !== NUM_JOINTS) {
    throw new InputError(
      file,
      "metadata",
      `keypoint layout ${quote(String(meta.layout_name))} with ${quote(String(J))} joints; expected "h36m" with ${NUM_JOINTS}`,
      "[metadata]",
    );
  }
  const cache = new Map<string, Float32Array>();
  for (const [key, arr] of arrays) {
    if (key === "metadata") continue;
    const at = `[${key}]`;
    if (!/^S\d+\/.+\/[0-3]$/.test(key))
      throw new InputError(file, "key", `expected keys "<subject>/<action>/<camera 0-3>"`, at);
    checkFloat(arr, file, at, "keypoints");
    if (arr.shape.length !== 3 || arr.shape[1] !== NUM_JOINTS || arr.shape[2] < 2) {
      throw new InputError(
        file,
        "shape",
        `expected shape [frames, ${NUM_JOINTS}, 2], got [${arr.shape.join(", ")}]`,
        at,
      );
    }
    const [n, joints, d] = arr.shape; // joints === NUM_JOINTS, read once (hot loop)
    const xy = new Float32Array(n * joints * 2);
    for (let i = 0; i < n * joints; i++) {
      xy[i * 2] = arr.data[i * d];
      xy[i * 2 + 1] = arr.data[i * d + 1];
      if (!Number.isFinite(xy[i * 2])) throw notFinite(file, at, arr, i * d, xy[i * 2], "px");
      if (!Number.isFinite(xy[i * 2 + 1])) throw notFinite(file, at, arr, i * d + 1, xy[i * 2 + 1], "px");
    }
    cache.set(key, xy);
  }
  return {
    layout: "h36m",
    numJoints: NUM_JOINTS,
    keys: () => [...cache.keys()],
    get(subject, action, camera) {
      const v = cache.get(`${subject}/${action}/${camera}`);
      if (!v) throw new Error(`${file}: no detections for subject ${subject}, action "${action}", camera ${camera}`);
      return v;
    },
  };
}
