/**
 * Notebook helpers for photos in the wild (notebook 06): training the COCO-input lifter with a live loss plot,
 * and the rows of the timing and BlazePose-agreement tables.
 */
import type { LiftedPhoto } from "../wild/lift";
import { type WildLiftConfig, type WildData, type WildRun, trainWildRun } from "../train/wild-run";
import type { Row } from "../viz/tables";
import * as path from "node:path";
import { withLiveCurves } from "./lab";

/** Train (or resume / load) a wild run with a live loss plot; the final curves are exported as `curves-<name>`. */
export async function trainWildLive(cfg: WildLiftConfig, data: WildData): Promise<WildRun> {
  return withLiveCurves(cfg.name, cfg, (onEpoch) => trainWildRun(cfg, data, { onEpoch }));
}

/** One row per photo: people found and lifted, and milliseconds per stage. */
export function timingRows(photos: LiftedPhoto[]): Row[] {
  return photos.map((r) => ({
    photo: path.basename(r.file),
    size: `${r.width}×${r.height}`,
    "people found": r.detection.people.length,
    "people lifted": r.people.length,
    "decode ms": r.timings.decodeMs,
    "multipose ms": r.detection.timings.multiposeMs,
    "keypoints ms": r.detection.timings.keypointsMs,
    "BlazePose ms": r.detection.timings.blazeposeMs,
    "lift ms": r.timings.liftMs,
    "total ms": r.timings.totalMs,
  }));
}

/** One row per lifted person: P-MPJPE between BlazePose's 3D world landmarks and our 3D on the shared joints. */
export function blazePoseAgreementRows(photos: LiftedPhoto[]): Row[] {
  return photos.flatMap((r) =>
    r.people.map((p, k) => ({
      photo: path.basename(r.file),
      person: k + 1,
      "keypoints used": Array.from(p.used).reduce((s, v) => s + v, 0),
      "shared joints": p.blazepose?.sharedJoints.length ?? 0,
      "P-MPJPE BlazePose vs ours (mm)": p.blazepose ? p.blazepose.pMpjpeMm : null,
    })),
  );
}
