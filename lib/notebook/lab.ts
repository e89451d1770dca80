/**
 * Notebook-level helpers for lifter experiments: training with a live loss plot, the
 * evaluation table, latent codes. They keep notebooks to a few lines per step.
 */
import type { TrainConfig } from "../train/config";
import type { EvalResult } from "../eval/evaluate";
import { experimentData, type ExperimentData } from "../data/experiment";
import { LivePlot } from "../viz/plot";
import { showRunConfig } from "../viz/display";
import { curvesFigure, type EpochLogLike } from "../viz/run-figures";
import type { Row } from "../viz/tables";
import { trainRun, type TrainedRun } from "../train/lifter-run";

/** The experiment data a config asks for (cached per process). */
export function dataFor(cfg: TrainConfig): ExperimentData {
  return experimentData(cfg);
}

/**
 * Any training run with a live plot of every named term (redrawn after each epoch), the final
 * curves exported as `curves-<name>`, and the run's full config shown folded below them.
 * `train` receives the per-epoch callback to pass on to its run function.
 */
export async function withLiveCurves<R extends { history: EpochLogLike[] }>(
  name: string,
  config: object,
  train: (onEpoch: (log: EpochLogLike, history: EpochLogLike[]) => void) => Promise<R>,
  title = `${name}: training curves`,
): Promise<R> {
  const live = new LivePlot(500);
  const run = await train((_, history) => live.update(curvesFigure(history, title), true));
  await live.finish(curvesFigure(run.history, title), { name: `curves-${name}` });
  showRunConfig(name, config);
  return run;
}

const trainedHere = new Map<string, { config: string; run: TrainedRun }>();

/**
 * Train (or resume / load) a lifter run with live curves (see `withLiveCurves`). A run this
 * kernel already trained or loaded under the same name and config is returned as it is, so
 * two sweeps that meet at one setting share the run (and show its curves once).
 */
export async function trainLive(cfg: TrainConfig): Promise<TrainedRun> {
  const config = JSON.stringify(Object.fromEntries(Object.entries(cfg).sort(([a], [b]) => (a < b ? -1 : 1))));
  const hit = trainedHere.get(cfg.name);
  if (hit && hit.config === config) return hit.run;
  const d = dataFor(cfg);
  const data = { train: d.trainN, trainSet: d.train, val: { x: d.valN, set: d.val }, stats: d.stats };
  const run = await withLiveCurves(cfg.name, cfg, (onEpoch) => trainRun(cfg, data, { onEpoch }));
  trainedHere.set(cfg.name, { config, run });
  return run;
}

/** Rows of a per-action table comparing models (P1 / P2, mm), with the action-wise mean last. */
export function comparisonRows(results: EvalResult[]): Row[] {
  const actions = [...new Set(results.flatMap((r) => Object.keys(r.p1.perAction)))].sort();
  const rows: Row[] = actions.map((a) => {
    const row: Row = { action: a, frames: results[0].frames[a] ?? 0 };
    for (const r of results) {
      row[`${r.model} P1`] = r.p1.perAction[a] ?? null;
      row[`${r.model} P2`] = r.p2.perAction[a] ?? null;
    }
    return row;
  });
  const avg: Row = { action: "average (over actions)", frames: results[0].samples };
  for (const r of results) {
    avg[`${r.model} P1`] = r.p1.actionWise;
    avg[`${r.model} P2`] = r.p2.actionWise;
  }
  return [...rows, avg];
}
