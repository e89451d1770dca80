/**
 * The training loop that every model plugs into (see lib/nn/trainable.ts).
 *
 * It owns epochs, seeded shuffles indexed by (seed, epoch), per-step seeds indexed by
 * (seed, step index, global step), schedules, progress lines (every named term, samples/s,
 * ETA, and a line every ~30 s inside long epochs), metrics.jsonl, atomic checkpoints of
 * every part and optimizer, and resume: a run killed at any point and started again ends
 * with the same numbers as one never interrupted. Loss sums stay on the device until the
 * epoch ends. The first time a loss term (or the gradient norm a step reports) becomes NaN
 * or ±Inf, training stops with an error naming the step and the term, and the last good
 * checkpoint is kept.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { computePath } from "../backend/backend";
import { deriveSeed, mulberry32, permutation } from "../core/rng";
import {
  type EpochLog,
  loadCheckpoint,
  type PartialSums,
  removeOrphanTempFiles,
  saveCheckpoint,
  writeMetrics,
} from "./run-folder";
import type { Batch, BatchSource, Step, Trainable } from "../nn/trainable";

/** The loop's own settings (a model's config carries them). */
export interface LoopConfig {
  /** Run name, for progress lines. */
  name: string;
  /** Seed of shuffles and per-step randomness. */
  seed: number;
  epochs: number;
  batchSize: number;
  /** Also checkpoint every this many global steps inside an epoch (0 = at epoch ends only). */
  checkpointEverySteps: number;
}

export interface LoopOptions<B extends Batch> {
  /** The run folder (see lib/train/run-folder.ts); it must exist. */
  dir: string;
  data: BatchSource<B>;
  /** Schedule values at a point of training (`lr`, `beta`…), passed to steps and logged. */
  schedule?: (globalStep: number, progress: number) => Record<string, number>;
  /** Validation metrics at each epoch end. */
  validate?: () => Record<string, number>;
  /** The compute path recorded in checkpoints and checked on resume (default: the running one, `computePath()`). */
  compute?: string;
  /** A one-line description printed when a run starts ("beta-vae, 2,297,080 parameters…"). */
  describe?: string;
  /** Print progress lines (default true). */
  verbose?: boolean;
  /** Called after every epoch with its log and the history so far. */
  onEpoch?: (log: EpochLog, history: EpochLog[]) => void;
  /** Called after every step with the global step (no tensor reads). */
  onStep?: (globalStep: number) => void;
}

export interface LoopResult {
  history: EpochLog[];
  /** True when the run was already complete (nothing trained). */
  loaded: boolean;
  epochsTrained: number;
}

/** Thrown when a loss term or gradient becomes NaN/Inf. */
export class TrainingDivergedError extends Error {}

/** A duration as "1h05m", "3m07s" or "12s". */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60),
    sec = Math.round(s % 60);
  if (m >= 60) return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
  return m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

function formatNumber(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1000 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}

/** The steps of an epoch as a cycle of step indices (`repeat` copies each). */
function cycleOf<B extends Batch>(steps: readonly Step<B>[], epoch: number): number[] {
  const cycle = steps.flatMap((s, k) => ((s.active?.(epoch) ?? true) ? Array<number>(s.repeat ?? 1).fill(k) : []));
  if (!cycle.length) throw new Error(`no step is active in epoch ${epoch + 1}`);
  return cycle;
}

/** Train (or resume, or just reopen) a model in `opts.dir`. */
export async function trainLoop<B extends Batch>(
  model: Trainable<B>,
  cfg: LoopConfig,
  opts: LoopOptions<B>,
): Promise<LoopResult> {
  const verbose = opts.verbose ?? true;
  const log = (s: string) => verbose && console.log(s);
  const names = model.steps.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`step names must be unique, got ${names.join(", ")}`);
  for (const s of model.steps) {
    if (!(Number.isInteger(s.repeat ?? 1) && (s.repeat ?? 1) >= 1))
      throw new Error(`step ${s.name}: repeat must be an integer ≥ 1`);
  }
  const stepsPerEpoch = Math.floor(opts.data.size / cfg.batchSize);
  if (stepsPerEpoch < 1) {
    throw new Error(
      `${cfg.name}: the training set has ${opts.data.size} samples, fewer than one batch of ${cfg.batchSize}`,
    );
  }
  const totalSteps = stepsPerEpoch * cfg.epochs;
  removeOrphanTempFiles(opts.dir);
  const compute = opts.compute ?? computePath();
  const meta = loadCheckpoint(opts.dir, model);
  if (meta && meta.compute !== compute) {
    console.warn(
      `[train] ${cfg.name}: warning: this run was trained with ${meta.compute} and now continues with ${compute}; ` +
        `numbers will differ from an uninterrupted run`,
    );
  }
  if (
    meta &&
    (meta.epoch > cfg.epochs ||
      meta.stepInEpoch >= stepsPerEpoch ||
      meta.globalStep !== meta.epoch * stepsPerEpoch + meta.stepInEpoch)
  ) {
    throw new Error(
      `${path.join(opts.dir, "checkpoint.json")}: position epoch ${meta.epoch}, step ${meta.stepInEpoch}, ` +
        `global step ${meta.globalStep} does not fit this run (${cfg.epochs} epochs × ${stepsPerEpoch} steps)`,
    );
  }
  const history: EpochLog[] = meta?.history ?? [];
  let epoch = meta?.epoch ?? 0;
  let stepInEpoch = meta?.stepInEpoch ?? 0;
  let globalStep = meta?.globalStep ?? 0;
  if (meta && epoch < cfg.epochs)
    log(`[train] ${cfg.name}: resuming at epoch ${epoch + 1}, step ${stepInEpoch}/${stepsPerEpoch} (${opts.dir})`);
  else if (!meta)
    log(
      `[train] ${cfg.name}: ${opts.describe ? `${opts.describe}, ` : ""}${cfg.epochs} epochs × ${stepsPerEpoch} steps of ${cfg.batchSize} (${opts.dir})`,
    );
  const loaded = epoch >= cfg.epochs;
  const startEpoch = epoch;
  const t0 = performance.now();
  let samplesThisCall = 0;

  while (epoch < cfg.epochs) {
    const perm = permutation(opts.data.size, mulberry32(deriveSeed(cfg.seed, epoch)));
    const cycle = cycleOf(model.steps, epoch);
    const tEpoch = performance.now();
    let lastLine = tEpoch;
    const resumedHere = meta !== undefined && epoch === meta.epoch;
    const partial: PartialSums = resumedHere ? meta.partial : { sums: {}, counts: {} };
    const sums = new Map<string, tf.Scalar>(Object.entries(partial.sums).map(([k, v]) => [k, tf.scalar(v)]));
    const counts = new Map<string, number>(Object.entries(partial.counts));
    // -1 until a term is non-finite, then the global step where it first was (kept on the device).
    let firstBad: tf.Scalar = tf.scalar(-1, "int32");
    let values: Record<string, number> = {};
    const firstStep = stepInEpoch;
    const idx = new Int32Array(cfg.batchSize);

    const readSums = (): PartialSums => ({
      sums: Object.fromEntries([...sums].map(([k, v]) => [k, v.dataSync()[0]])),
      counts: Object.fromEntries(counts),
    });
    const checkFinite = () => {
      const at = firstBad.dataSync()[0];
      if (at < 0) return;
      const e = Math.floor(at / stepsPerEpoch);
      const step = model.steps[cycle[(at - e * stepsPerEpoch) % cycle.length]].name;
      const culprits = [...sums].filter(([, v]) => !Number.isFinite(v.dataSync()[0])).map(([k]) => k);
      throw new TrainingDivergedError(
        `${cfg.name}: training diverged at global step ${at} (epoch ${e + 1}, step "${step}"): ` +
          `${culprits.length ? culprits.join(", ") : "a loss term"} became NaN or infinite. ` +
          `The last good checkpoint is kept in ${opts.dir}; lower the learning rate or check the data.`,
      );
    };

    let final: PartialSums;
    try {
      for (; stepInEpoch < stepsPerEpoch; stepInEpoch++) {
        idx.set(perm.subarray(stepInEpoch * cfg.batchSize, (stepInEpoch + 1) * cfg.batchSize));
        const k = cycle[stepInEpoch % cycle.length];
        const step = model.steps[k];
        values = opts.schedule?.(globalStep, globalStep / totalSteps) ?? {};
        const batch = opts.data.batch(idx, deriveSeed(cfg.seed, 1000, globalStep));
        const raw = step.run(batch, {
          epoch,
          globalStep,
          progress: globalStep / totalSteps,
          seed: deriveSeed(cfg.seed, 1 + k, globalStep),
          values,
        });
        // One step: its terms keep their names; several: "<step>.<term>" (both may report "loss").
        const terms =
          model.steps.length === 1
            ? raw
            : Object.fromEntries(Object.entries(raw).map(([t, v]) => [`${step.name}.${t}`, v]));
        tf.dispose(Object.values(batch));
        const next = tf.tidy(() => {
          let chk: tf.Tensor = tf.scalar(0);
          const added: [string, tf.Scalar][] = [];
          for (const [name, t] of Object.entries(terms)) {
            const prev = sums.get(name);
            added.push([name, (prev ? tf.add(prev, t) : tf.add(0, t)) as tf.Scalar]);
            chk = tf.add(chk, tf.sub(t, t)); // 0 when finite, NaN otherwise
          }
          const bad = tf.logicalAnd(tf.notEqual(chk, chk), tf.less(firstBad, 0));
          return { added, firstBad: tf.where(bad, tf.scalar(globalStep, "int32"), firstBad) as tf.Scalar };
        });
        for (const [name, s] of next.added) {
          sums.get(name)?.dispose();
          sums.set(name, s);
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
        tf.dispose(Object.values(terms));
        firstBad.dispose();
        firstBad = next.firstBad;
        globalStep++;
        samplesThisCall += cfg.batchSize;
        opts.onStep?.(globalStep);
        if (globalStep % 50 === 0) checkFinite();
        if (
          cfg.checkpointEverySteps > 0 &&
          globalStep % cfg.checkpointEverySteps === 0 &&
          stepInEpoch + 1 < stepsPerEpoch
        ) {
          checkFinite();
          saveCheckpoint(opts.dir, model, {
            epoch,
            stepInEpoch: stepInEpoch + 1,
            globalStep,
            history,
            partial: readSums(),
            compute,
          });
        }
        const now = performance.now();
        if (now - lastLine > 30_000 && stepInEpoch + 1 < stepsPerEpoch) {
          lastLine = now;
          const rate = ((stepInEpoch + 1 - firstStep) * cfg.batchSize) / ((now - tEpoch) / 1000);
          const left = ((totalSteps - globalStep) * cfg.batchSize) / rate;
          log(
            `[train] ${cfg.name} epoch ${epoch + 1}/${cfg.epochs} step ${stepInEpoch + 1}/${stepsPerEpoch}  ${Math.round(rate)} samples/s  ETA ${formatDuration(left)}`,
          );
        }
        if (stepInEpoch % 20 === 19) await new Promise((r) => setImmediate(r)); // let the kernel deliver output
      }
      checkFinite();
      final = readSums();
    } finally {
      firstBad.dispose();
      for (const s of sums.values()) s.dispose();
    }
    const seconds = (performance.now() - tEpoch) / 1000;
    const val = opts.validate?.() ?? {};
    const done = epoch + 1;
    const elapsed = (performance.now() - t0) / 1000;
    const entry: EpochLog = {
      epoch: done,
      step: globalStep,
      terms: Object.fromEntries(Object.keys(final.sums).map((k) => [k, final.sums[k] / final.counts[k]])),
      values,
      val,
      samplesPerSec: ((stepsPerEpoch - firstStep) * cfg.batchSize) / seconds,
      seconds,
      etaSeconds: ((cfg.epochs - done) * stepsPerEpoch * cfg.batchSize) / (samplesThisCall / elapsed),
    };
    history.push(entry);
    writeMetrics(opts.dir, history);
    epoch = done;
    stepInEpoch = 0;
    saveCheckpoint(opts.dir, model, {
      epoch,
      stepInEpoch: 0,
      globalStep,
      history,
      partial: { sums: {}, counts: {} },
      compute,
    });
    const fmt = (r: Record<string, number>) =>
      Object.entries(r)
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join("  ");
    log(
      `[train] ${cfg.name} epoch ${done}/${cfg.epochs}  ${fmt(entry.terms)}  |  ${fmt(values)}  |  val ${fmt(val) || "-"}  |  ` +
        `${Math.round(entry.samplesPerSec)} samples/s  ETA ${formatDuration(entry.etaSeconds)}`,
    );
    opts.onEpoch?.(entry, history);
    await new Promise((r) => setImmediate(r));
  }
  return { history, loaded, epochsTrained: epoch - startEpoch };
}
