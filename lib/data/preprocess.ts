/**
 * Preprocessing of pose sets into network inputs and targets, and back to mm.
 *
 * Modes (`InputMode`):
 * - `thesis` (default): 3D root-centred, root removed (16×3), z-scored by training
 *   statistics; 2D *not* root-centred (keeps perspective cues), root removed (16×2), z-scored.
 * - `martinez`: as Martinez et al.: 2D keeps the hip and drops Neck/Nose (16×2), z-scored
 *   raw pixels; 3D as `thesis`.
 * - `videopose3d`: 2D of all 17 joints in normalized screen coordinates ([0, w] → [−1, 1]);
 *   3D root-centred, root removed, in metres (no z-score).
 *
 * The per-joint visibility mask travels with every 2D pose: masked joints are set to the
 * training mean (0 after z-scoring) and the mask is returned beside the inputs.
 */
import { H36M_INTRINSICS } from "../pose/camera";
import type { PoseSet } from "./dataset";
import { jointIndex, NON_ROOT, NUM_JOINTS, ROOT } from "../pose/skeleton";

export const INPUT_MODES = ["thesis", "martinez", "videopose3d"] as const;
export type InputMode = (typeof INPUT_MODES)[number];

/** Joints used as 2D input in each mode. */
export function inputJoints(mode: InputMode): number[] {
  if (mode === "thesis") return [...NON_ROOT];
  if (mode === "martinez")
    return Array.from({ length: NUM_JOINTS }, (_, i) => i).filter((i) => i !== jointIndex("Neck/Nose"));
  return Array.from({ length: NUM_JOINTS }, (_, i) => i);
}

/** Joints predicted in 3D (root removed; the root is 0 after root-centring). */
export const OUTPUT_JOINTS: readonly number[] = NON_ROOT;

export interface NormStats {
  mode: InputMode;
  joints2d: number[];
  joints3d: number[];
  mean2d: Float32Array;
  std2d: Float32Array;
  mean3d: Float32Array;
  std3d: Float32Array;
}

/** Raw (un-normalized) input features of sample i, per mode. */
function raw2d(set: PoseSet, i: number, mode: InputMode, joints: number[], out: Float32Array, o: number): void {
  const cam = H36M_INTRINSICS[set.camera[i]];
  for (let k = 0; k < joints.length; k++) {
    const j = joints[k];
    let u = set.poses2d[(i * NUM_JOINTS + j) * 2],
      v = set.poses2d[(i * NUM_JOINTS + j) * 2 + 1];
    if (mode === "videopose3d") {
      const w = cam.resWidthPx,
        h = cam.resHeightPx;
      u = (u / w) * 2 - 1;
      v = (v / w) * 2 - h / w;
    }
    out[o + k * 2] = u;
    out[o + k * 2 + 1] = v;
  }
}

function raw3d(set: PoseSet, i: number, out: Float32Array, o: number, scale: number): void {
  const b = i * NUM_JOINTS * 3,
    r = b + ROOT * 3;
  for (let k = 0; k < OUTPUT_JOINTS.length; k++) {
    const j = OUTPUT_JOINTS[k];
    for (let d = 0; d < 3; d++) out[o + k * 3 + d] = (set.poses3d[b + j * 3 + d] - set.poses3d[r + d]) * scale;
  }
}

function meanStd(
  x: Float32Array,
  dim: number,
  mask?: (i: number, d: number) => boolean,
): { mean: Float32Array; std: Float32Array } {
  const n = x.length / dim;
  const sum = new Float64Array(dim),
    sq = new Float64Array(dim),
    cnt = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      if (mask && !mask(i, d)) continue;
      const v = x[i * dim + d];
      sum[d] += v;
      sq[d] += v * v;
      cnt[d]++;
    }
  }
  const mean = new Float32Array(dim),
    std = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const m = cnt[d] ? sum[d] / cnt[d] : 0;
    mean[d] = m;
    const s = cnt[d] ? Math.sqrt(Math.max(0, sq[d] / cnt[d] - m * m)) : 1;
    std[d] = s > 1e-8 ? s : 1;
  }
  return { mean, std };
}

/** Training statistics (mean, std per dimension) for a mode. Visible joints only, for 2D. */
export function computeStats(train: PoseSet, mode: InputMode = "thesis"): NormStats {
  if (train.n === 0) throw new Error("computeStats: the training set is empty");
  const joints2d = inputJoints(mode);
  const D2 = joints2d.length * 2,
    D3 = OUTPUT_JOINTS.length * 3;
  const x = new Float32Array(train.n * D2),
    y = new Float32Array(train.n * D3);
  for (let i = 0; i < train.n; i++) {
    raw2d(train, i, mode, joints2d, x, i * D2);
    raw3d(train, i, y, i * D3, mode === "videopose3d" ? 1e-3 : 1);
  }
  const s2 = meanStd(x, D2, (i, d) => train.visible[i * NUM_JOINTS + joints2d[d >> 1]] === 1);
  const s3 = meanStd(y, D3);
  if (mode === "videopose3d") {
    s2.mean.fill(0);
    s2.std.fill(1);
    s3.mean.fill(0);
    s3.std.fill(1);
  }
  return {
    mode,
    joints2d,
    joints3d: [...OUTPUT_JOINTS],
    mean2d: s2.mean,
    std2d: s2.std,
    mean3d: s3.mean,
    std3d: s3.std,
  };
}

export interface Normalized {
  n: number;
  /** Inputs [n, D2]. */
  x: Float32Array;
  /** Targets [n, D3]. */
  y: Float32Array;
  /** Visibility of each input joint [n, joints2d.length]. */
  mask: Uint8Array;
  dimIn: number;
  dimOut: number;
}

/** Normalize a set with (training) statistics. Non-finite values are an error naming the sample. */
export function normalize(set: PoseSet, stats: NormStats): Normalized {
  const J2 = stats.joints2d.length,
    D2 = J2 * 2,
    D3 = stats.joints3d.length * 3;
  const x = new Float32Array(set.n * D2),
    y = new Float32Array(set.n * D3),
    mask = new Uint8Array(set.n * J2);
  const scale = stats.mode === "videopose3d" ? 1e-3 : 1;
  for (let i = 0; i < set.n; i++) {
    raw2d(set, i, stats.mode, stats.joints2d, x, i * D2);
    raw3d(set, i, y, i * D3, scale);
    for (let k = 0; k < J2; k++) {
      const vis = set.visible[i * NUM_JOINTS + stats.joints2d[k]];
      mask[i * J2 + k] = vis;
      for (let d = 0; d < 2; d++) {
        const q = i * D2 + k * 2 + d;
        x[q] = vis ? (x[q] - stats.mean2d[k * 2 + d]) / stats.std2d[k * 2 + d] : 0;
        if (!Number.isFinite(x[q]))
          throw new Error(
            `normalize: sample ${i} (sequence ${set.sequences[set.sequence[i]]}, frame ${set.frame[i]}) has a non-finite 2D value`,
          );
      }
    }
    for (let d = 0; d < D3; d++) {
      const q = i * D3 + d;
      y[q] = (y[q] - stats.mean3d[d]) / stats.std3d[d];
      if (!Number.isFinite(y[q]))
        throw new Error(
          `normalize: sample ${i} (sequence ${set.sequences[set.sequence[i]]}, frame ${set.frame[i]}) has a non-finite 3D value`,
        );
    }
  }
  return { n: set.n, x, y, mask, dimIn: D2, dimOut: D3 };
}

/**
 * Normalized 3D outputs [n, 16×3] → root-centred poses [n, 17, 3] in mm (root = 0).
 */
export function denormalize3d(y: ArrayLike<number>, stats: NormStats): Float32Array {
  const D3 = stats.joints3d.length * 3;
  if (y.length % D3 !== 0) throw new Error(`denormalize3d: expected a multiple of ${D3} values, got ${y.length}`);
  const n = y.length / D3;
  const out = new Float32Array(n * NUM_JOINTS * 3);
  const toMm = stats.mode === "videopose3d" ? 1000 : 1;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < stats.joints3d.length; k++) {
      const j = stats.joints3d[k];
      for (let d = 0; d < 3; d++) {
        const q = k * 3 + d;
        out[(i * NUM_JOINTS + j) * 3 + d] = (y[i * D3 + q] * stats.std3d[q] + stats.mean3d[q]) * toMm;
      }
    }
  }
  return out;
}

/** Root-centred ground truth [n, 17, 3] mm of a set (the target of denormalize3d). */
export function rootCentred(set: PoseSet): Float32Array {
  const out = new Float32Array(set.poses3d.length);
  for (let i = 0; i < set.n; i++) {
    const b = i * NUM_JOINTS * 3;
    for (let j = 0; j < NUM_JOINTS; j++)
      for (let d = 0; d < 3; d++) out[b + j * 3 + d] = set.poses3d[b + j * 3 + d] - set.poses3d[b + ROOT * 3 + d];
  }
  return out;
}

/** Normalization statistics as plain JSON (arrays instead of typed arrays). */
export function statsToJson(s: NormStats): Record<string, unknown> {
  return {
    ...s,
    mean2d: Array.from(s.mean2d),
    std2d: Array.from(s.std2d),
    mean3d: Array.from(s.mean3d),
    std3d: Array.from(s.std3d),
  };
}

/**
 * Statistics back from JSON, checked: the mode, joint lists and array lengths agree and
 * every value is finite (standard deviations positive). Errors name `where` and the field.
 */
export function statsFromJson(raw: unknown, where: string): NormStats {
  if (typeof raw !== "object" || raw === null)
    throw new Error(`${where}: expected an object of normalization statistics`);
  const o = raw as Record<string, unknown>;
  if (!(INPUT_MODES as readonly unknown[]).includes(o.mode)) {
    throw new Error(`${where}: field "mode" must be one of ${INPUT_MODES.join(", ")}, got ${JSON.stringify(o.mode)}`);
  }
  const joints = (k: string): number[] => {
    const v = o[k];
    if (!Array.isArray(v) || !v.length || v.some((j) => !Number.isInteger(j) || j < 0 || j >= NUM_JOINTS)) {
      throw new Error(`${where}: field "${k}" must be a non-empty list of joint indices 0..${NUM_JOINTS - 1}`);
    }
    return v as number[];
  };
  const joints2d = joints("joints2d"),
    joints3d = joints("joints3d");
  const arr = (k: string, n: number, positive: boolean): Float32Array => {
    const v = o[k];
    if (!Array.isArray(v) || v.length !== n) throw new Error(`${where}: field "${k}" must be a list of ${n} numbers`);
    const a = Float32Array.from(v as number[]);
    const bad = a.findIndex((x, i) => typeof v[i] !== "number" || !Number.isFinite(x) || (positive && !(x > 0)));
    if (bad >= 0)
      throw new Error(
        `${where}: field "${k}"[${bad}] must be a finite${positive ? " positive" : ""} number, got ${JSON.stringify(v[bad])}`,
      );
    return a;
  };
  return {
    mode: o.mode as InputMode,
    joints2d,
    joints3d,
    mean2d: arr("mean2d", joints2d.length * 2, false),
    std2d: arr("std2d", joints2d.length * 2, true),
    mean3d: arr("mean3d", joints3d.length * 3, false),
    std3d: arr("std3d", joints3d.length * 3, true),
  };
}
