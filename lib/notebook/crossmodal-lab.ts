/**
 * Notebook helpers for the crossmodal VAE (notebook 05): training with live curves, the test-split
 * scores of a run, and the joint latent codes of both encoders for a UMAP.
 */
import { mulberry32, sampleIndices } from "../core/rng";
import type { PoseSet } from "../data/dataset";
import { selectSamples } from "../data/experiment";
import { normalize } from "../data/preprocess";
import { type CrossmodalEvalSet, crossmodalLatents, type CrossmodalScore, scoreCrossmodal } from "../eval/crossmodal";
import { pairParts } from "../models/crossmodal";
import { type CrossmodalConfig, type CrossmodalRun, trainCrossmodal } from "../train/crossmodal-run";
import { withLiveCurves } from "./lab";

/** Train (or resume / reload) a crossmodal run with live curves; exports `curves-<name>`. */
export async function trainCrossmodalLive(cfg: CrossmodalConfig): Promise<CrossmodalRun> {
  const title = `${cfg.name}: training curves (every pair's terms)`;
  return withLiveCurves(cfg.name, cfg, (onEpoch) => trainCrossmodal(cfg, { onEpoch }), title);
}

/** A seeded subset of a set, with its normalized arrays and a fixed render seed. */
export function evalSubset(run: CrossmodalRun, set: PoseSet, n: number, seed: number): CrossmodalEvalSet {
  const sub = n >= set.n ? set : selectSamples(set, sampleIndices(set.n, n, mulberry32(seed)));
  return { set: sub, norm: normalize(sub, run.data.stats), renderSeed: seed + 17 };
}

/** Image→3D and 2D→3D scores of a run on an evaluation set (the paths its pairs trained). */
export function scoresOf(run: CrossmodalRun, d: CrossmodalEvalSet): CrossmodalScore[] {
  const encs = [...new Set(run.config.pairs.filter((p) => pairParts(p).dec === "3d").map((p) => pairParts(p).enc))];
  return encs.map((e) => scoreCrossmodal(run.model, e, d, run.data.stats));
}

/** Latent means of the image and 2D encoders for the same samples: [2n, latent], image codes first. */
export function jointLatents(
  run: CrossmodalRun,
  d: CrossmodalEvalSet,
): { codes: Float32Array; modality: Int32Array; action: Int32Array } {
  const a = crossmodalLatents(run.model, "img", d),
    b = crossmodalLatents(run.model, "2d", d);
  const codes = new Float32Array(a.length + b.length);
  codes.set(a);
  codes.set(b, a.length);
  const n = d.set.n;
  const modality = Int32Array.from({ length: 2 * n }, (_, i) => (i < n ? 0 : 1));
  const action = Int32Array.from({ length: 2 * n }, (_, i) => d.set.action[i % n]);
  return { codes, modality, action };
}
