/**
 * metrics.jsonl: one line per finished epoch of a run, read and written without TF.js (the
 * CLI's `runs` and the reports read it too). Two layouts are read:
 *   { epoch, step, terms: {loss, recon, kl, …}, values: {beta, lr, …}, val: {p1, …}, samplesPerSec, seconds, etaSeconds }
 *   { epoch, step, loss, recon, kl, beta, lr, valMpjpe, samplesPerSec, seconds, etaSeconds }   (runs before named terms)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core/io";

/** One line of metrics.jsonl: an epoch's means of every named term, and more. */
export interface EpochLog {
  /** Epochs finished (1 = the first). */
  epoch: number;
  /** Batches consumed so far, over all steps. */
  step: number;
  /** Mean of each named loss term over the epoch's steps that reported it. */
  terms: Record<string, number>;
  /** Schedule values at the epoch's last step (`lr`, `beta`…). */
  values: Record<string, number>;
  /** Validation metrics at the epoch's end (for lifters `p1`, mm, on the validation split). */
  val: Record<string, number>;
  samplesPerSec: number;
  seconds: number;
  etaSeconds: number;
}

/** Read and parse a JSON file; errors name the file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: ${what} is not valid JSON (${(e as Error).message}); the file is truncated or corrupt`);
  }
}

export const isInt = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min;

/** An object of numbers; errors name `where.key`. */
function numberRecord(v: unknown, where: string): Record<string, number> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new Error(`${where} must be an object of numbers, got ${JSON.stringify(v)}`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "number")
      throw new Error(`${where}.${k} must be a number, got ${JSON.stringify(x)?.slice(0, 40)}`);
  }
  return v as Record<string, number>;
}

/** Check one epoch log (from metrics.jsonl or a checkpoint's history); errors name `where`. */
export function parseEpochLog(raw: unknown, where: string): EpochLog {
  if (typeof raw !== "object" || raw === null) throw new Error(`${where}: expected an epoch log object`);
  const o = raw as Record<string, unknown>;
  if (!("terms" in o) && "loss" in o) {
    // The first layout (before named terms): {epoch, step, loss, recon, kl, beta, lr, valMpjpe, …}.
    const n = (k: string) => (typeof o[k] === "number" ? (o[k] as number) : NaN);
    return parseEpochLog(
      {
        epoch: o.epoch,
        step: o.step,
        terms: { loss: n("loss"), recon: n("recon"), kl: n("kl") },
        values: { beta: n("beta"), lr: n("lr") },
        val: { p1: n("valMpjpe") },
        samplesPerSec: o.samplesPerSec,
        seconds: o.seconds,
        etaSeconds: o.etaSeconds,
      },
      where,
    );
  }
  if (!isInt(o.epoch, 1))
    throw new Error(`${where}: field "epoch" must be an integer ≥ 1, got ${JSON.stringify(o.epoch)}`);
  if (!isInt(o.step, 0))
    throw new Error(`${where}: field "step" must be an integer ≥ 0, got ${JSON.stringify(o.step)}`);
  for (const k of ["terms", "values", "val"]) numberRecord(o[k], `${where}: field "${k}"`);
  for (const k of ["samplesPerSec", "seconds", "etaSeconds"]) {
    if (typeof o[k] !== "number")
      throw new Error(`${where}: field "${k}" must be a number, got ${JSON.stringify(o[k])}`);
  }
  return o as unknown as EpochLog;
}

/** One metrics.jsonl line; `where` names the file and line in errors. */
export function parseEpochLine(line: string, where: string): EpochLog {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  return parseEpochLog(raw, where);
}

/** Read metrics.jsonl (validated line by line; blank lines skipped); [] when absent. */
export function readMetrics(dir: string): EpochLog[] {
  const file = path.join(dir, "metrics.jsonl");
  if (!fs.existsSync(file)) return [];
  const out: EpochLog[] = [];
  fs.readFileSync(file, "utf8")
    .split("\n")
    .forEach((l, i) => {
      if (l.trim()) out.push(parseEpochLine(l, `${file} line ${i + 1}`));
    });
  return out;
}

export function writeMetrics(dir: string, history: EpochLog[]): void {
  writeFileAtomic(path.join(dir, "metrics.jsonl"), history.map((h) => JSON.stringify(h)).join("\n") + "\n");
}
