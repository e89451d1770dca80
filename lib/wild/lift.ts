/**
 * Photo → 2D → 3D: the detector's COCO keypoints (detector.ts) lifted to 3D by a COCO-input lifter
 * (lib/data/coco-input.ts, trained by lib/train/wild-run.ts), with hypotheses where the lifter samples, and
 * BlazePose's own 3D world landmarks beside it for comparison (P-MPJPE on the joints both have).
 *
 * 3D poses are H36M-17 joints in mm in the camera frame (x right, y down, z away from the camera), root-centred
 * (Hip = 0): a single photo without intrinsics gives no absolute depth.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeJsonAtomic } from "../core/io";
import { COCO_BODY, cocoFeatures, COCO_INPUT_DIM, keypointsFromDetection } from "../data/coco-input";
import { denormalize3d, type NormStats } from "../data/preprocess";
import type { Lifter } from "../models/lifter";
import { pMpjpe } from "../pose/metrics";
import { H36M_JOINTS, NUM_JOINTS } from "../pose/skeleton";
import type { Detection, DetectedPerson, Keypoint2D, PoseDetector } from "./detector";
import { type RgbImage, readImage } from "./images";
import { blazePoseWorldToH36mMm } from "./landmarks";

export interface LiftOptions {
  /** Confidence below which a keypoint is missing (the run's `confThreshold`). */
  confThreshold: number;
  /** Hypotheses to sample (variational lifters; 0 = none). */
  hypotheses?: number;
  /** Seed of the hypotheses. */
  seed?: number;
  /** A person is lifted only with at least this many confident body keypoints (default MIN_LIFT_KEYPOINTS). */
  minKeypoints?: number;
}

/** Confident body keypoints (of 13) a person needs to be lifted: fewer is more guess than measurement. */
export const MIN_LIFT_KEYPOINTS = 6;

export interface LiftedPose {
  /** [17, 3] flat, mm, root-centred camera frame. */
  pose3dMm: Float32Array;
  /** Hypotheses, each [17, 3] flat, mm (empty when the lifter does not sample). */
  hypothesesMm: Float32Array[];
  /** Which COCO keypoints went into the lifter (1) or counted as missing (0), [17]. */
  used: Uint8Array;
  liftMs: number;
}

/** Lift one person's COCO keypoints (photo pixels + confidences). Leaves no tensors behind. */
export function liftKeypoints(
  lifter: Lifter,
  stats: NormStats,
  keypoints: readonly Keypoint2D[],
  o: LiftOptions,
): LiftedPose {
  if (lifter.inputDim !== COCO_INPUT_DIM) {
    throw new Error(
      `liftKeypoints: the lifter takes ${lifter.inputDim} inputs; a COCO-input lifter takes ${COCO_INPUT_DIM} (train one with trainWildRun)`,
    );
  }
  const t0 = performance.now();
  const kp = keypointsFromDetection(keypoints, o.confThreshold);
  const x = tf.tensor2d(cocoFeatures(kp), [1, COCO_INPUT_DIM]);
  try {
    const y = lifter.predict(x);
    const pose3dMm = denormalize3d(y.dataSync(), stats);
    y.dispose();
    const n = lifter.variational ? (o.hypotheses ?? 0) : 0;
    const hyps = n > 0 ? lifter.sample(x, n, o.seed ?? 0) : [];
    const hypothesesMm = hyps.map((h) => denormalize3d(h.dataSync(), stats));
    tf.dispose(hyps);
    return { pose3dMm, hypothesesMm, used: kp.mask, liftMs: performance.now() - t0 };
  } finally {
    x.dispose();
  }
}

/** BlazePose's world landmarks as H36M joints (mm) and the P-MPJPE between them and our pose on shared joints. */
export function compareWithBlazePose(
  pose3dMm: ArrayLike<number>,
  world: Parameters<typeof blazePoseWorldToH36mMm>[0],
): {
  blazeposeMm: Float32Array;
  sharedJoints: string[];
  pMpjpeMm: number;
} {
  if (pose3dMm.length !== NUM_JOINTS * 3)
    throw new Error(`compareWithBlazePose: expected [17, 3] values, got ${pose3dMm.length}`);
  const { xyzMm, shared } = blazePoseWorldToH36mMm(world);
  const idx = H36M_JOINTS.flatMap((_, j) => (shared[j] ? [j] : []));
  const pick = (a: ArrayLike<number>) => Float64Array.from(idx.flatMap((j) => [a[j * 3], a[j * 3 + 1], a[j * 3 + 2]]));
  // Ours aligned onto BlazePose's (similarity Procrustes): how far the two shapes disagree.
  const pMpjpeMm = pMpjpe(pick(pose3dMm), pick(xyzMm), idx.length);
  return { blazeposeMm: xyzMm, sharedJoints: idx.map((j) => H36M_JOINTS[j]), pMpjpeMm };
}

export interface LiftedPerson extends LiftedPose {
  person: DetectedPerson;
  /** BlazePose's world landmarks as H36M joints, mm (NaN where it has none), and the agreement. */
  blazepose?: { pose3dMm: Float32Array; sharedJoints: string[]; pMpjpeMm: number };
}

export interface LiftedPhoto {
  file: string;
  width: number;
  height: number;
  detection: Detection;
  people: LiftedPerson[];
  /** People found but not lifted (too few confident keypoints), with the reason. */
  skipped: { person: DetectedPerson; reason: string }[];
  timings: { decodeMs: number; detectMs: number; liftMs: number; totalMs: number };
}

/** Detect and lift everyone in one decoded photo. */
export async function liftImage(
  detector: PoseDetector,
  lifter: Lifter,
  stats: NormStats,
  img: RgbImage,
  o: LiftOptions,
): Promise<LiftedPhoto> {
  const t0 = performance.now();
  const detection = await detector.detect(img);
  const t1 = performance.now();
  const people: LiftedPerson[] = [];
  const skipped: LiftedPhoto["skipped"] = [];
  detection.people.forEach((person, k) => {
    const confident = person.keypoints.filter((p, i) => COCO_BODY.includes(i) && p.score >= o.confThreshold).length;
    const need = o.minKeypoints ?? MIN_LIFT_KEYPOINTS;
    if (confident < need) {
      skipped.push({
        person,
        reason: `${confident} body keypoints with confidence ≥ ${o.confThreshold}, at least ${need} needed`,
      });
      return;
    }
    const lifted = liftKeypoints(lifter, stats, person.keypoints, { ...o, seed: (o.seed ?? 0) + k });
    const bp = person.blazepose ? compareWithBlazePose(lifted.pose3dMm, person.blazepose.world) : undefined;
    people.push({
      ...lifted,
      person,
      blazepose: bp && { pose3dMm: bp.blazeposeMm, sharedJoints: bp.sharedJoints, pMpjpeMm: bp.pMpjpeMm },
    });
  });
  const t2 = performance.now();
  return {
    file: img.file,
    width: img.width,
    height: img.height,
    detection,
    people,
    skipped,
    timings: { decodeMs: 0, detectMs: t1 - t0, liftMs: t2 - t1, totalMs: t2 - t0 },
  };
}

/** Read, detect and lift one photo file (decoding timed too). */
export async function liftImageFile(
  detector: PoseDetector,
  lifter: Lifter,
  stats: NormStats,
  file: string,
  o: LiftOptions,
): Promise<{ image: RgbImage; lifted: LiftedPhoto }> {
  const t0 = performance.now();
  const image = await readImage(file);
  const decodeMs = performance.now() - t0;
  const lifted = await liftImage(detector, lifter, stats, image, o);
  lifted.timings.decodeMs = decodeMs;
  lifted.timings.totalMs += decodeMs;
  return { image, lifted };
}

const round = (v: number, d = 1) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);
const named = (pose: ArrayLike<number>) =>
  Object.fromEntries(
    H36M_JOINTS.map((n, j) => [n, [round(pose[j * 3]), round(pose[j * 3 + 1]), round(pose[j * 3 + 2])]]),
  );

/**
 * The JSON the CLI writes for a photo: per person the box, COCO keypoints (pixels, confidence, used), 3D joints
 * by H36M name (mm, camera frame, root-centred), hypotheses, BlazePose's 3D and the agreement; timings in ms.
 */
export function liftedPhotoJson(r: LiftedPhoto, meta: Record<string, unknown>): Record<string, unknown> {
  return {
    file: r.file,
    width: r.width,
    height: r.height,
    ...meta,
    units: {
      keypoints: "photo pixels, x right, y down",
      joints3d: "mm, camera frame (x right, y down, z away), root-centred (Hip = 0)",
    },
    timingsMs: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, round(v)])),
    detectorStagesMs: Object.fromEntries(Object.entries(r.detection.timings).map(([k, v]) => [k, round(v)])),
    people: r.people.map((p) => ({
      box: p.person.box,
      boxScore: round(p.person.boxScore, 3),
      keypoints: p.person.keypoints.map((k, i) => ({
        name: k.name,
        x: round(k.x),
        y: round(k.y),
        score: round(k.score, 3),
        used: p.used[i] === 1,
      })),
      joints3dMm: named(p.pose3dMm),
      hypothesesMm: p.hypothesesMm.map(named),
      blazepose: p.blazepose && {
        joints3dMm: Object.fromEntries(
          Object.entries(named(p.blazepose.pose3dMm)).filter(([n]) => p.blazepose!.sharedJoints.includes(n)),
        ),
        sharedJoints: p.blazepose.sharedJoints,
        pMpjpeMm: round(p.blazepose.pMpjpeMm),
      },
    })),
    skipped: r.skipped.map((s) => ({ box: s.person.box, boxScore: round(s.person.boxScore, 3), reason: s.reason })),
  };
}

/** Every regular, non-hidden file of a folder, sorted by name (images or not: each gets a result). */
export function folderFiles(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder`);
  return fs
    .readdirSync(dir)
    .filter((f) => !f.startsWith(".") && fs.statSync(path.join(dir, f)).isFile())
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Lift every file into `outDir`/<file name>.json. A file that fails (not an image, corrupt, no person) gets
 * `{file, error}` in its JSON and `onError` is called; the others still complete.
 */
export async function liftFolder(
  detector: PoseDetector,
  lifter: Lifter,
  stats: NormStats,
  files: readonly string[],
  outDir: string,
  o: LiftOptions & {
    meta?: Record<string, unknown>;
    onError?: (file: string, message: string) => void;
    onDone?: (file: string, r: LiftedPhoto) => void;
  },
): Promise<{ written: string[]; failed: { file: string; error: string }[] }> {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const failed: { file: string; error: string }[] = [];
  for (const file of files) {
    const out = path.join(outDir, `${path.basename(file)}.json`);
    try {
      const { lifted } = await liftImageFile(detector, lifter, stats, file, o);
      if (!lifted.people.length) {
        const why = lifted.skipped.length ? `: ${lifted.skipped.map((s) => s.reason).join("; ")}` : "";
        throw new Error(`${file}: no person could be lifted (${lifted.detection.people.length} found${why})`);
      }
      writeJsonAtomic(out, liftedPhotoJson(lifted, o.meta ?? {}));
      o.onDone?.(file, lifted);
    } catch (e) {
      const error = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      writeJsonAtomic(out, { file, error });
      failed.push({ file, error });
      o.onError?.(file, error);
    }
    written.push(out);
  }
  return { written, failed };
}
