/**
 * The "coco" 2D input of the in-the-wild lifter: the 17 COCO keypoints of a 2D detector (MoveNet's layout),
 * derived from the mocap's 3D joints through the cameras, so that a detector's output feeds the lifter
 * with no hand-made joint conversion. The thesis layout (preprocess.ts) stays as it is.
 *
 * Correspondence (COCO keypoint ← H36M joint, both the person's left/right):
 *   nose ← Neck/Nose · left/right_shoulder ← L/RShoulder · left/right_elbow ← L/RElbow ·
 *   left/right_wrist ← L/RWrist · left/right_hip ← L/RHip · left/right_knee ← L/RKnee ·
 *   left/right_ankle ← L/RFoot (the H36M "Foot" joint is the ankle).
 *   left/right_eye and left/right_ear have no mocap counterpart: they are always masked as missing, in
 *   training and (so that inputs look alike) at inference too.
 * Known offsets: H36M hips and shoulders are joint centres inside the body; COCO annotators (and so MoveNet)
 * put hips and shoulders on the body's outline, a few centimetres out and (hips) higher; H36M "Neck/Nose" is
 * near the nose. These systematic offsets are not corrected; 2D noise in training (`noisePx`) covers part.
 *
 * Input features of one sample, [51] = [17 × (x, y), 17 × mask]:
 *   c = mean of the visible keypoints, s = RMS distance of the visible keypoints from c,
 *   (x, y)_k = ((u, v)_k − c) / s for a visible keypoint k, 0 for a missing one; mask_k = 1 visible, 0 missing.
 * So the input does not depend on where the person is in the photo nor on the photo's size (photos have no
 * known intrinsics). The mask is binary: a detector's keypoint counts as visible when its confidence is at
 * least a threshold (see `keypointsFromDetections`).
 * Targets are the thesis ones: root-centred 3D in the camera frame, mm, z-scored by training statistics
 * (`computeStats(train, "thesis")`: only its 3D fields are used).
 */
import { normal, type Random } from "../core/rng";
import { projectToImage, H36M_INTRINSICS } from "../pose/camera";
import { COCO_KEYPOINTS, type CocoKeypoint, type H36MJoint, jointIndex, NUM_JOINTS } from "../pose/skeleton";
import type { PoseSet } from "./dataset";
import { type Normalized, type NormStats, rootCentred } from "./preprocess";

export const NUM_COCO = COCO_KEYPOINTS.length;
/** Features per sample: 17 × (x, y) and 17 mask values. */
export const COCO_INPUT_DIM = NUM_COCO * 3;

/** The H36M joint each COCO keypoint is taken from; null: no counterpart (always missing). */
export const COCO_FROM_H36M: Record<CocoKeypoint, H36MJoint | null> = {
  nose: "Neck/Nose",
  left_eye: null,
  right_eye: null,
  left_ear: null,
  right_ear: null,
  left_shoulder: "LShoulder",
  right_shoulder: "RShoulder",
  left_elbow: "LElbow",
  right_elbow: "RElbow",
  left_wrist: "LWrist",
  right_wrist: "RWrist",
  left_hip: "LHip",
  right_hip: "RHip",
  left_knee: "LKnee",
  right_knee: "RKnee",
  left_ankle: "LFoot",
  right_ankle: "RFoot",
};

/** The 13 body keypoints that mocap provides (COCO order), as COCO indices. */
export const COCO_BODY: readonly number[] = COCO_KEYPOINTS.flatMap((k, i) => (COCO_FROM_H36M[k] ? [i] : []));

/**
 * Confidence below which a detector keypoint counts as missing. MoveNet gives 0.3–0.4 even to keypoints it
 * invents (hips of a person cut off at the waist, off-frame ankles), so the threshold sits above that.
 */
export const DEFAULT_CONF_THRESHOLD = 0.45;

/** COCO keypoints in pixels [n, 17, 2] and their visibility [n, 17]. */
export interface CocoKeypoints {
  n: number;
  xy: Float32Array;
  mask: Uint8Array;
}

/**
 * COCO keypoints of every sample of a set, projected from its camera-space 3D joints through the sample's
 * camera (H36M intrinsics with distortion, as the set's own 2D). Visibility is the set's for the source
 * joint; eyes and ears are missing.
 */
export function cocoKeypointsFromPoseSet(set: PoseSet): CocoKeypoints {
  const xy = new Float32Array(set.n * NUM_COCO * 2),
    mask = new Uint8Array(set.n * NUM_COCO);
  const src = COCO_KEYPOINTS.map((k) => (COCO_FROM_H36M[k] ? jointIndex(COCO_FROM_H36M[k]!) : -1));
  const p3 = new Float64Array(NUM_COCO * 3);
  for (let i = 0; i < set.n; i++) {
    const cam = H36M_INTRINSICS[set.camera[i]];
    if (!cam) throw new Error(`cocoKeypointsFromPoseSet: sample ${i} has camera ${set.camera[i]}, expected 0–3`);
    const body = COCO_BODY.map((k) => src[k]);
    body.forEach((j, b) => {
      for (let d = 0; d < 3; d++) p3[b * 3 + d] = set.poses3d[(i * NUM_JOINTS + j) * 3 + d];
    });
    const uv = projectToImage(p3.subarray(0, body.length * 3), cam);
    COCO_BODY.forEach((k, b) => {
      xy[(i * NUM_COCO + k) * 2] = uv[b * 2];
      xy[(i * NUM_COCO + k) * 2 + 1] = uv[b * 2 + 1];
      mask[i * NUM_COCO + k] = set.visible[i * NUM_JOINTS + body[b]];
    });
  }
  return { n: set.n, xy, mask };
}

/**
 * One detection's keypoints (COCO order, photo pixels, confidences) → CocoKeypoints of one sample. A keypoint
 * is visible when its score ≥ `threshold`; eyes and ears are always missing (the lifter never saw them).
 */
export function keypointsFromDetection(
  keypoints: readonly { name: string; x: number; y: number; score: number }[],
  threshold = DEFAULT_CONF_THRESHOLD,
): CocoKeypoints {
  if (keypoints.length !== NUM_COCO)
    throw new Error(`keypointsFromDetection: expected ${NUM_COCO} COCO keypoints, got ${keypoints.length}`);
  if (!(threshold >= 0 && threshold <= 1))
    throw new Error(`keypointsFromDetection: threshold must be in [0, 1], got ${threshold}`);
  const xy = new Float32Array(NUM_COCO * 2),
    mask = new Uint8Array(NUM_COCO);
  keypoints.forEach((k, i) => {
    if (k.name !== COCO_KEYPOINTS[i])
      throw new Error(`keypointsFromDetection: keypoint ${i} is "${k.name}", expected "${COCO_KEYPOINTS[i]}"`);
    xy[i * 2] = k.x;
    xy[i * 2 + 1] = k.y;
    mask[i] =
      COCO_FROM_H36M[k.name as CocoKeypoint] && Number.isFinite(k.x) && Number.isFinite(k.y) && k.score >= threshold
        ? 1
        : 0;
  });
  return { n: 1, xy, mask };
}

/** Visible keypoints a sample needs for the features (centre and scale). */
export const MIN_VISIBLE = 2;

/**
 * Features [n, 51] of keypoints (see the header): centred on the visible keypoints' mean, scaled by their
 * RMS radius; missing keypoints 0 with mask 0. A sample with fewer than MIN_VISIBLE visible keypoints, or
 * all at one point, is an error naming it.
 */
export function cocoFeatures(kp: CocoKeypoints): Float32Array {
  const { n, xy, mask } = kp;
  if (xy.length !== n * NUM_COCO * 2 || mask.length !== n * NUM_COCO) {
    throw new Error(
      `cocoFeatures: expected xy [${n}, ${NUM_COCO}, 2] and mask [${n}, ${NUM_COCO}], got ${xy.length} and ${mask.length} values`,
    );
  }
  const out = new Float32Array(n * COCO_INPUT_DIM);
  for (let i = 0; i < n; i++) {
    let cx = 0,
      cy = 0,
      m = 0;
    for (let k = 0; k < NUM_COCO; k++) {
      if (!mask[i * NUM_COCO + k]) continue;
      cx += xy[(i * NUM_COCO + k) * 2];
      cy += xy[(i * NUM_COCO + k) * 2 + 1];
      m++;
    }
    if (m < MIN_VISIBLE)
      throw new Error(`cocoFeatures: sample ${i} has ${m} visible keypoints, at least ${MIN_VISIBLE} are needed`);
    cx /= m;
    cy /= m;
    let r2 = 0;
    for (let k = 0; k < NUM_COCO; k++) {
      if (!mask[i * NUM_COCO + k]) continue;
      r2 += (xy[(i * NUM_COCO + k) * 2] - cx) ** 2 + (xy[(i * NUM_COCO + k) * 2 + 1] - cy) ** 2;
    }
    const s = Math.sqrt(r2 / m);
    if (!(s > 1e-6) || !Number.isFinite(s))
      throw new Error(`cocoFeatures: sample ${i}: its visible keypoints have no spread (RMS radius ${s})`);
    const o = i * COCO_INPUT_DIM;
    for (let k = 0; k < NUM_COCO; k++) {
      const vis = mask[i * NUM_COCO + k];
      out[o + NUM_COCO * 2 + k] = vis;
      if (!vis) continue;
      out[o + k * 2] = (xy[(i * NUM_COCO + k) * 2] - cx) / s;
      out[o + k * 2 + 1] = (xy[(i * NUM_COCO + k) * 2 + 1] - cy) / s;
    }
  }
  return out;
}

/** Normalized 3D targets [n, 48] of a set with (training) thesis statistics: root-centred mm, z-scored. */
export function cocoTargets(set: PoseSet, stats: NormStats): Float32Array {
  const rc = rootCentred(set),
    D3 = stats.joints3d.length * 3;
  const y = new Float32Array(set.n * D3);
  for (let i = 0; i < set.n; i++) {
    stats.joints3d.forEach((j, k) => {
      for (let d = 0; d < 3; d++) {
        const q = k * 3 + d;
        y[i * D3 + q] = (rc[(i * NUM_JOINTS + j) * 3 + d] - stats.mean3d[q]) / stats.std3d[q];
      }
    });
  }
  return y;
}

/** A set in the coco layout: inputs [n, 51] from its projected COCO keypoints, targets as the thesis mode. */
export function normalizeCoco(set: PoseSet, stats: NormStats, kp = cocoKeypointsFromPoseSet(set)): Normalized {
  const x = cocoFeatures(kp);
  const y = cocoTargets(set, stats);
  return { n: set.n, x, y, mask: kp.mask.slice(), dimIn: COCO_INPUT_DIM, dimOut: stats.joints3d.length * 3 };
}

/** Training-time corruption of keypoints, like a detector's (see `corruptKeypoints`). */
export interface CorruptionOptions {
  /** Probability that a sample loses some keypoints (0 = never). */
  dropProb: number;
  /** A sample that loses keypoints loses 1..maxDropped of its visible body keypoints (uniform count). */
  maxDropped: number;
  /** Standard deviation of Gaussian noise added to every visible coordinate, pixels (0 = none). */
  noisePx: number;
}

/**
 * Corrupt samples `rows` of `kp` into a new CocoKeypoints (the input is left alone), drawing from `random`:
 * per sample, with probability dropProb, k ~ U{1..maxDropped} visible body keypoints chosen uniformly become
 * missing (at least MIN_VISIBLE stay), then N(0, noisePx²) is added to each visible coordinate.
 * The same `random` state gives the same result.
 */
export function corruptKeypoints(
  kp: CocoKeypoints,
  rows: ArrayLike<number>,
  o: CorruptionOptions,
  random: Random,
): CocoKeypoints {
  if (!(o.dropProb >= 0 && o.dropProb <= 1))
    throw new Error(`corruptKeypoints: dropProb must be in [0, 1], got ${o.dropProb}`);
  if (!(Number.isInteger(o.maxDropped) && o.maxDropped >= 0))
    throw new Error(`corruptKeypoints: maxDropped must be an integer ≥ 0, got ${o.maxDropped}`);
  if (!(o.noisePx >= 0)) throw new Error(`corruptKeypoints: noisePx must be ≥ 0, got ${o.noisePx}`);
  const n = rows.length;
  const xy = new Float32Array(n * NUM_COCO * 2),
    mask = new Uint8Array(n * NUM_COCO);
  for (let r = 0; r < n; r++) {
    const i = rows[r];
    if (!(i >= 0 && i < kp.n)) throw new Error(`corruptKeypoints: row ${i} is outside 0..${kp.n - 1}`);
    xy.set(kp.xy.subarray(i * NUM_COCO * 2, (i + 1) * NUM_COCO * 2), r * NUM_COCO * 2);
    mask.set(kp.mask.subarray(i * NUM_COCO, (i + 1) * NUM_COCO), r * NUM_COCO);
    if (o.maxDropped > 0 && random() < o.dropProb) {
      const vis = COCO_BODY.filter((k) => mask[r * NUM_COCO + k]);
      const k = Math.min(1 + Math.floor(random() * o.maxDropped), vis.length - MIN_VISIBLE);
      for (let d = 0; d < k; d++) {
        const pick = d + Math.floor(random() * (vis.length - d));
        [vis[d], vis[pick]] = [vis[pick], vis[d]];
        mask[r * NUM_COCO + vis[d]] = 0;
      }
    }
    if (o.noisePx > 0) {
      for (let k = 0; k < NUM_COCO; k++) {
        if (!mask[r * NUM_COCO + k]) continue;
        xy[(r * NUM_COCO + k) * 2] += o.noisePx * normal(random);
        xy[(r * NUM_COCO + k) * 2 + 1] += o.noisePx * normal(random);
      }
    }
  }
  return { n, xy, mask };
}

/**
 * The keypoints with exactly `count` visible body keypoints of each sample made missing (chosen uniformly
 * by `random`; samples with fewer than count + MIN_VISIBLE visible ones keep MIN_VISIBLE). For evaluation.
 */
export function dropKeypoints(kp: CocoKeypoints, count: number, random: Random): CocoKeypoints {
  if (!(Number.isInteger(count) && count >= 0))
    throw new Error(`dropKeypoints: count must be an integer ≥ 0, got ${count}`);
  const mask = kp.mask.slice();
  for (let i = 0; i < kp.n; i++) {
    const vis = COCO_BODY.filter((k) => mask[i * NUM_COCO + k]);
    const c = Math.max(0, Math.min(count, vis.length - MIN_VISIBLE));
    for (let d = 0; d < c; d++) {
      const pick = d + Math.floor(random() * (vis.length - d));
      [vis[d], vis[pick]] = [vis[pick], vis[d]];
      mask[i * NUM_COCO + vis[d]] = 0;
    }
  }
  return { n: kp.n, xy: kp.xy, mask };
}
