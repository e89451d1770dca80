/**
 * Read-only summaries of run folders, for `npm run hpe -- runs` and run tables: each run's config, how
 * far it trained, its last epoch's named terms (metrics.jsonl) and its test metrics (eval.json).
 *
 * metrics.jsonl lines come in two forms, both read:
 *   { epoch, step, seconds, samplesPerSec, etaSeconds, terms: {loss, recon, kl, …}, values: {beta, lr}, val: {p1} }
 *   { epoch, step, loss, recon, kl, beta, lr, valMpjpe, samplesPerSec, seconds, etaSeconds }   (older runs)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig, type TrainConfig } from "./config";
import { PRESETS } from "./presets";
import { SchemaError, show } from "./schema";

/** One epoch's log line, whatever its form on disk. */
export interface EpochSummary {
  epoch: number;
  step: number;
  /** Named loss terms (loss, recon, kl, critic terms…), means over the epoch. */
  terms: Record<string, number>;
  /** Scheduled values at the epoch's end (beta, lr…). */
  values: Record<string, number>;
  /** Validation metrics (p1 in mm…). */
  val: Record<string, number>;
  seconds?: number;
}

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

const TIMING = new Set(["epoch", "step", "seconds", "samplesPerSec", "etaSeconds"]);
const FLAT_VALUES = new Set(["beta", "lr", "gamma"]);

function numbers(o: unknown, where: string): Record<string, number> {
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new SchemaError(`${where} must be an object of numbers, got ${show(o)}`);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v !== "number") throw new SchemaError(`${where}.${k} must be a number, got ${show(v)}`);
    out[k] = v === null ? NaN : v;
  }
  return out;
}

/** One metrics.jsonl line as an EpochSummary; `where` names the file and line in errors. */
export function parseEpochLine(line: string, where: string): EpochSummary {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new SchemaError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new SchemaError(`${where}: expected a JSON object, got ${show(o)}`);
  }
  const r = o as Record<string, unknown>;
  for (const k of ["epoch", "step"]) {
    const v = r[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw new SchemaError(`${where}: ${k} must be an integer ≥ 0, got ${show(v)}`);
    }
  }
  const seconds = typeof r.seconds === "number" ? r.seconds : undefined;
  const base = { epoch: r.epoch as number, step: r.step as number, seconds };
  if ("terms" in r) {
    return {
      ...base,
      terms: numbers(r.terms, `${where}: terms`),
      values: r.values === undefined ? {} : numbers(r.values, `${where}: values`),
      val: r.val === undefined ? {} : numbers(r.val, `${where}: val`),
    };
  }
  const flat = numbers(Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k))), where);
  const terms: Record<string, number> = {}, values: Record<string, number> = {}, val: Record<string, number> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (k === "valMpjpe") val.p1 = v;
    else if (FLAT_VALUES.has(k)) values[k] = v;
    else terms[k] = v;
  }
  return { ...base, terms, values, val };
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
  const metrics = path.join(dir, "metrics.jsonl");
  let last: EpochSummary | undefined;
  let done = 0;
  if (fs.existsSync(metrics)) {
    const lines = fs.readFileSync(metrics, "utf8").split("\n");
    lines.forEach((l, i) => {
      if (l.trim() === "") return;
      last = parseEpochLine(l, `${metrics} line ${i + 1}`);
      done++;
    });
  }
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
  const keys = Object.keys(runs[0].config) as (keyof TrainConfig)[];
  const preset = PRESETS.find((p) => p.config.model === runs[0].config.model)?.config;
  const refs = runs.length > 1 ? runs.map((r) => r.config) : [runs[0].config, ...(preset ? [preset] : [])];
  return keys.filter((k) => k !== "name" && new Set(refs.map((c) => JSON.stringify(c[k]))).size > 1);
}
