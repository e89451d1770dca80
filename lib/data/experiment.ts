/**
 * Data for an experiment: the shared mocap, virtually captured, split, and normalized with
 * training statistics. Cached per process, so several models in one notebook load once.
 */
import { pickRows, type TypedArray } from "../core/arrays";
import { NUM_JOINTS } from "../pose/skeleton";
import { captureMocap, loadMocap, type PoseSet } from "./dataset";
import { computeStats, normalize, type InputMode, type Normalized, type NormStats } from "./preprocess";

export interface ExperimentData {
  train: PoseSet;
  /** Held-out sequences of the training subjects: training curves and model selection. */
  val: PoseSet;
  /** The final evaluation only. */
  test: PoseSet;
  stats: NormStats;
  trainN: Normalized;
  valN: Normalized;
  testN: Normalized;
}

/** Keep every n-th sample of a set. */
export function subsample(set: PoseSet, everyNth: number): PoseSet {
  if (everyNth <= 1) return set;
  const idx = Array.from({ length: Math.ceil(set.n / everyNth) }, (_, i) => i * everyNth);
  return selectSamples(set, idx);
}

/** A new set holding the given samples. */
export function selectSamples(set: PoseSet, idx: ArrayLike<number>): PoseSet {
  const n = idx.length;
  const pick = <T extends TypedArray>(a: T, per: number): T => pickRows(a, idx, per);
  return {
    ...set,
    n,
    poses3d: pick(set.poses3d, NUM_JOINTS * 3),
    poses2d: pick(set.poses2d, NUM_JOINTS * 2),
    visible: pick(set.visible, NUM_JOINTS),
    action: pick(set.action, 1),
    sourceAction: pick(set.sourceAction, 1),
    subject: pick(set.subject, 1),
    camera: pick(set.camera, 1),
    rig: pick(set.rig, 1),
    sequence: pick(set.sequence, 1),
    frame: pick(set.frame, 1),
  };
}

const cache = new Map<string, ExperimentData>();

/** Load (or reuse) the experiment data for these settings. */
export function experimentData(opts: {
  sources: ("cmu" | "bandai")[];
  inputMode: InputMode;
  trainEveryNth: number;
  testEveryNth: number;
  dataDir?: string;
}): ExperimentData {
  const key = JSON.stringify(opts);
  const hit = cache.get(key);
  if (hit) return hit;
  const seqs = loadMocap({ dir: opts.dataDir, sources: opts.sources });
  const train = subsample(captureMocap(seqs, "train"), opts.trainEveryNth);
  const val = subsample(captureMocap(seqs, "val"), opts.testEveryNth);
  const test = subsample(captureMocap(seqs, "test"), opts.testEveryNth);
  const stats = computeStats(train, opts.inputMode);
  const data = {
    train,
    val,
    test,
    stats,
    trainN: normalize(train, stats),
    valN: normalize(val, stats),
    testN: normalize(test, stats),
  };
  cache.set(key, data);
  return data;
}
