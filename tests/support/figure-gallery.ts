/**
 * Every figure kind of lib/viz, made from real mocap poses (a few shared BVH files seen by
 * S9's cameras) and seeded, reproducible perturbations of them. Used by
 * tests/figure-check.test.ts, and runnable alone to look at the figures:
 *   node --import tsx tests/support/figure-gallery.ts [outDir] [name regex]
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { captureMocap, loadMocap, type PoseSet } from "../../lib/data/dataset";
import { rootCentred } from "../../lib/data/preprocess";
import { selectSamples } from "../../lib/data/experiment";
import { mulberry32, normal, sampleIndices } from "../../lib/core/rng";
import { cameraToDisplay, depthAmbiguousPose, frameOf } from "../../lib/pose/geometry";
import { cameraToWorld, h36mCameras, H36M_INTRINSICS, projectToImage, type CameraParams } from "../../lib/pose/camera";
import { procrustesAligned } from "../../lib/pose/metrics";
import { H36M_JOINTS, NUM_JOINTS, jointIndex } from "../../lib/pose/skeleton";
import {
  camerasFigure,
  normStatsFigure,
  pose2d3dFigure,
  procrustesFigure,
  twoPosesFigure,
} from "../../lib/viz/pose-figures";
import { hypothesesFigure, predictionGridFigure } from "../../lib/viz/pose-figures";
import { perJointFigure, sweepFigure, umapGridFigure } from "../../lib/viz/run-figures";
import { curvesFigure, type EpochLogLike } from "../../lib/viz/run-figures";
import { closeSharedExporter } from "../../lib/viz/image-export";
import { exportFigure, type ExportedFigure, type Figure } from "../../lib/viz/plot";

/** A handful of real sequences (CMU and Bandai when present), captured by S9's cameras, every 25th frame. */
export function galleryPoses(dataDir: string): PoseSet {
  const keep =
    /(02_01|07_01|dataset-1_walk_normal_001|dataset-1_bow_normal_001|dataset-1_dance-short_normal_001)\.bvh$/;
  const seqs = loadMocap({ dir: dataDir, filter: (f) => keep.test(f) });
  return captureMocap(seqs, "test", { everyNth: 25, ignoreSplits: true });
}

/** A training log of the new shape, from a seeded decaying curve (values in the range real runs log). */
export function syntheticLog(epochs: number, seed: number, opts: { kl?: boolean } = {}): EpochLogLike[] {
  const r = mulberry32(seed);
  return Array.from({ length: epochs }, (_, e) => {
    const recon = 0.25 + 0.6 * Math.exp(-e / 4) * (1 + 0.03 * normal(r));
    const kl = 40 + 60 * (1 - Math.exp(-e / 3));
    return {
      epoch: e + 1,
      step: (e + 1) * 36,
      seconds: 2.1,
      samplesPerSec: 4200,
      etaSeconds: (epochs - e - 1) * 2.1,
      terms: (opts.kl === false ? { loss: recon, recon } : { loss: recon + 1e-3 * kl, recon, kl }) as Record<
        string,
        number
      >,
      values: { beta: 1e-3, lr: 1e-3 * 0.96 ** e },
      val: { p1: 60 + 62 * Math.exp(-e / 5) },
    };
  });
}

/** All gallery figures by file name. */
export function galleryFigures(set: PoseSet): Record<string, Figure> {
  const rnd = mulberry32(7);
  const idx = sampleIndices(set.n, 25, rnd);
  const pick = selectSamples(set, idx);
  const gt = rootCentred(pick);
  // "Predictions": odd panels the depth-flipped pose (same 2D, wrong depth: invisible in a front
  // view), even panels the truth with 40 mm seeded noise.
  const flips = ["RKnee", "RFoot", "LKnee", "LElbow", "LWrist", "RElbow", "RWrist"].map((n) => jointIndex(n as never));
  const pred = new Float32Array(gt.length);
  for (let k = 0; k < 25; k++) {
    const cam = frameOf(pick.poses3d, k);
    let alt: ArrayLike<number> = cam;
    if (k % 2 === 1) {
      try {
        alt = depthAmbiguousPose(cam, (j) => flips.includes(j));
      } catch {
        alt = cam;
      }
    }
    for (let j = 0; j < NUM_JOINTS; j++)
      for (let d = 0; d < 3; d++) {
        const noise = k % 2 === 0 ? 40 * normal(rnd) : 0;
        pred[(k * NUM_JOINTS + j) * 3 + d] = alt[j * 3 + d] - alt[d] + noise;
      }
  }
  const titles = Array.from({ length: 25 }, (_, k) => pick.sourceActions[pick.sourceAction[k]]);
  const one = frameOf(gt, 0);
  // Hypotheses: the truth plus seeded noise growing towards the extremities (sd 15 mm + 8% of the distance from the root).
  const hyps = Array.from({ length: 10 }, () =>
    Float64Array.from(one, (v, i) => {
      const j = Math.floor(i / 3);
      const dist = Math.hypot(one[j * 3], one[j * 3 + 1], one[j * 3 + 2]);
      return v + (15 + 0.08 * dist) * normal(rnd);
    }),
  );
  const i = idx[3];
  const cam = H36M_INTRINSICS[set.camera[i]];
  const pose = frameOf(set.poses3d, i);
  const alt = depthAmbiguousPose(pose, (j) => flips.includes(j));
  const world = galleryWorld(set, i);
  const root = Float64Array.from(frameOf(gt, 1));
  const c = Math.cos(0.436),
    s = Math.sin(0.436);
  const rot = Float64Array.from(root, (_, k) => {
    const j = Math.floor(k / 3),
      d = k % 3,
      x = root[j * 3],
      z = root[j * 3 + 2];
    return 0.9 * (d === 0 ? c * x + s * z : d === 2 ? -s * x + c * z : root[k]) + 20 * normal(rnd);
  });
  const perJoint = (scale: number) =>
    Object.fromEntries(
      H36M_JOINTS.map((n, j) => [n, (scale * Math.hypot(one[j * 3], one[j * 3 + 1], one[j * 3 + 2])) / 10 + 20]),
    );
  // "UMAP" panels: the 2D poses' first two image coordinates of the root and head (real, unitless here).
  const xy = (a: number, b: number) =>
    Float32Array.from(
      { length: pick.n * 2 },
      (_, k) => pick.poses2d[Math.floor(k / 2) * NUM_JOINTS * 2 + (k % 2 ? b : a)],
    );
  return {
    "fig-5-1-1-predictions": predictionGridFigure(gt, pred, titles, {
      title: "Fig 5.1.1 gallery: 25 test inputs (odd panels: depth-flipped limbs)",
    }),
    "hypotheses-overlaid": hypothesesFigure(one, hyps, `10 hypotheses for one input (${titles[0]})`),
    "curves-one-epoch": curvesFigure(syntheticLog(1, 1), "one-epoch run: training curves"),
    "curves-two-epochs": curvesFigure(syntheticLog(2, 2), "two-epoch run: training curves"),
    "curves-twenty-epochs": curvesFigure(syntheticLog(20, 3), "twenty-epoch run: training curves"),
    "curves-no-kl": curvesFigure(syntheticLog(12, 4, { kl: false }), "autoencoder: training curves"),
    "sweep-log-two-points": sweepFigure(
      [1e-3, 1e-1],
      [
        { name: "P1", y: [122.4, 131.9] },
        { name: "P2", y: [88.1, 90.3] },
      ],
      "β",
      "Effect of β on the test error",
      true,
    ),
    "sweep-best-of-n": sweepFigure(
      [1, 2, 5, 10],
      [
        { name: "P1", y: [122, 110, 101, 96] },
        { name: "P2", y: [88, 80, 74, 70] },
      ],
      "N (hypotheses)",
      "Best-of-N error against N",
      true,
    ),
    "per-joint-error": perJointFigure(
      [
        { model: "β-VAE", perJoint: perJoint(1) },
        { model: "AE", perJoint: perJoint(1.1) },
        { model: "baseline", perJoint: perJoint(0.9) },
      ],
      "Protocol #1 per joint (test split)",
    ),
    "umap-panels": umapGridFigure(
      [
        { title: "root (u, v)", xy: xy(0, 1) },
        { title: "head (u, v)", xy: xy(20, 21) },
      ],
      pick.action,
      pick.actions,
      { title: "Two 2D maps coloured by action" },
    ),
    "fig-3-2-2-sample-2d-3d": pose2d3dFigure(
      frameOf(set.poses2d, i, 2),
      cameraToDisplay(pose),
      cam,
      `sample ${i}, camera ${cam.id}`,
      frameOf(set.visible, i, 1),
    ),
    "cameras-s9": camerasFigure(world.cams, world.world, `H36M cameras of ${set.rigs[set.rig[i]]} around a sample`),
    "fig-3-1-2-depth-ambiguity": twoPosesFigure(
      cameraToDisplay(pose),
      cameraToDisplay(alt),
      projectToImage(pose, cam),
      projectToImage(alt, cam),
      cam,
      ["pose A", "pose B"],
      "Two 3D poses, one 2D projection",
    ),
    "fig-3-2-1-procrustes": procrustesFigure(
      cameraToDisplay(root),
      cameraToDisplay(rot),
      cameraToDisplay(procrustesAligned(rot, root)),
      "Procrustes alignment",
    ),
    "normalization-std": normStatsFigure(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
      Float32Array.from({ length: 32 }, (_, k) => 50 + k),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
      Float32Array.from({ length: 48 }, (_, k) => 100 + 3 * k),
      "Standard deviation per joint",
    ),
  };
}

/** The world pose of a sample and the cameras of its rig (S9 or S11). */
function galleryWorld(set: PoseSet, i: number): { cams: CameraParams[]; world: Float64Array } {
  const cams = h36mCameras(set.rigs[set.rig[i]]);
  return { cams, world: cameraToWorld(frameOf(set.poses3d, i), cams[set.camera[i]]) };
}

/** Export every gallery figure to `dir`. */
export async function exportGallery(set: PoseSet, dir: string, only?: RegExp): Promise<ExportedFigure[]> {
  const out: ExportedFigure[] = [];
  for (const [name, fig] of Object.entries(galleryFigures(set)))
    if (!only || only.test(name)) out.push(await exportFigure(fig, name, undefined, dir));
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = path.resolve(process.argv[2] ?? "out/figure-gallery");
  const dataDir = process.env.HPE_DATA_DIR ?? path.resolve("..", "shared", "data");
  exportGallery(galleryPoses(dataDir), dir, process.argv[3] ? new RegExp(process.argv[3]) : undefined)
    .then((r) => {
      for (const f of r)
        console.log(
          `${f.name}: ${Object.values(f.files)
            .map((p) => path.relative(process.cwd(), p!))
            .join(", ")} (${f.ms.toFixed(0)} ms)`,
        );
    })
    .finally(closeSharedExporter);
}
