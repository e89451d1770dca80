/**
 * Read-only summaries of run folders, for `npm run hpe -- runs` and run tables: each run's config, how
 * far it trained, its last epoch's named terms (metrics.jsonl) and its test metrics (eval.json).
 *
 * metrics.jsonl is read by lib/train/metrics-log.ts (both of its layouts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig, type TrainConfig } from "./config";
import { type EpochLog, readMetrics } from "./metrics-log";
import { PRESETS } from "./presets";
import { SchemaError, show } from "./schema";

/** One epoch's log line (metrics.jsonl, either layout). */
export type EpochSummary = EpochLog;

export interface RunSummary {
  name: string;
  dir: string;
  config: TrainConfig;
  /** Epochs finished (metrics.jsonl lines) and planned (config). */
  epochs: { done: number; total: number };
  last?: EpochSummary;
  /** Test-split metrics from eval.json (mm). */
  eval?: { samples: number; p1: number; p2: number; bestOf?: Record<string, number> };
}

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SchemaError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

function evalSummary(file: string): RunSummary["eval"] {
  const e = readJson(file) as Record<string, unknown>;
  const num = (v: unknown, field: string): number => {
    if (typeof v !== "number") throw new SchemaError(`${file}: ${field} must be a number, got ${show(v)}`);
    return v;
  };
  const proto = (k: string) => num((e?.[k] as { actionWise?: unknown } | undefined)?.actionWise, `${k}.actionWise`);
  const out: NonNullable<RunSummary["eval"]> = {
    samples: num(e?.samples, "samples"),
    p1: proto("p1"),
    p2: proto("p2"),
  };
  if (Array.isArray(e.bestOfN)) {
    out.bestOf = Object.fromEntries(
      e.bestOfN.map((b: { n?: unknown; p1?: { actionWise?: unknown } }, i: number) => [
        String(num(b?.n, `bestOfN[${i}].n`)),
        num(b?.p1?.actionWise, `bestOfN[${i}].p1.actionWise`),
      ]),
    );
  }
  return out;
}

/** Summarize one run folder. @throws naming the file and field when a run file is broken. */
export function summarizeRun(dir: string): RunSummary {
  const cfgFile = path.join(dir, "config.json");
  const config = parseConfig(readJson(cfgFile), cfgFile);
  const history = readMetrics(dir);
  const last: EpochSummary | undefined = history.at(-1);
  const done = history.length;
  const evalFile = path.join(dir, "eval.json");
  const ev = fs.existsSync(evalFile) ? evalSummary(evalFile) : undefined;
  return { name: path.basename(dir), dir, config, epochs: { done, total: config.epochs }, last, eval: ev };
}

/**
 * Every run folder (a sub-folder with a config.json) under `root`, sorted by name. A broken run is
 * reported in `errors` with its message, and the others are still listed.
 */
export function summarizeRuns(root: string): { runs: RunSummary[]; errors: { dir: string; message: string }[] } {
  const runs: RunSummary[] = [];
  const errors: { dir: string; message: string }[] = [];
  if (!fs.existsSync(root)) return { runs, errors };
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!fs.statSync(dir).isDirectory() || !fs.existsSync(path.join(dir, "config.json"))) continue;
    try {
      runs.push(summarizeRun(dir));
    } catch (e) {
      errors.push({ dir, message: (e as Error).message });
    }
  }
  return { runs, errors };
}

/**
 * The config fields worth showing per run: those whose values differ between the runs (the name
 * aside). A single run is compared with the preset of its model instead.
 */
export function differingFields(runs: RunSummary[]): (keyof TrainConfig)[] {
  if (runs.length === 0) return [];
  // The union over runs: model-specific fields (vae-gan's) are absent from other models' configs.
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.config)))] as (keyof TrainConfig)[];
  const preset = PRESETS.find((p) => p.config.model === runs[0].config.model)?.config;
  const refs = runs.length > 1 ? runs.map((r) => r.config) : [runs[0].config, ...(preset ? [preset] : [])];
  return keys.filter((k) => k !== "name" && new Set(refs.map((c) => JSON.stringify(c[k]))).size > 1);
}
