/**
 * A training run's folder and the files in it, each written atomically and validated when
 * read back (an error names the file and the field):
 *
 *   <run>/config.json      the run's config (a changed config under the same name is refused)
 *   <run>/stats.json       normalization statistics of the training split (lifters)
 *   <run>/metrics.jsonl    one line per finished epoch: every named loss term, schedule
 *                          values, validation metrics, speed
 *   <run>/checkpoint.json  + checkpoint-<step>.bin: every part's and optimizer's tensors,
 *                          the position in training, and the compute path that produced them
 *   <run>/eval.json        written by evaluation
 *
 * Temporary files left by a killed write (`*.tmp`) are removed when the folder is opened.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic, writeJsonAtomic } from "../core/io";
import type { Trainable } from "../nn/trainable";
import { type EpochLog, isInt, parseEpochLog, readJsonFile } from "./metrics-log";

export { type EpochLog, readJsonFile, readMetrics, writeMetrics } from "./metrics-log";

/** Partial device sums of the epoch in progress, so a resumed epoch logs the same means. */
export interface PartialSums {
  sums: Record<string, number>;
  counts: Record<string, number>;
}

export interface CheckpointMeta {
  version: 2;
  /** Epochs finished. */
  epoch: number;
  /** Steps done in the epoch in progress. */
  stepInEpoch: number;
  globalStep: number;
  /** Updates done by each optimizer. */
  optimizers: Record<string, number>;
  partial: PartialSums;
  history: EpochLog[];
  /** The backend and kernels that trained it ("wasm + OpenBLAS sgemm…"). */
  compute: string;
  bin: string;
  sha256: string;
  /** Names and shapes of the saved tensors, in order. */
  tensors: { name: string; shape: number[] }[];
  /** The model's design (Trainable.design) when it declares one. */
  design?: string;
}

/** Remove temporary files that a killed atomic write left behind. */
export function removeOrphanTempFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed = fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"));
  for (const f of removed) fs.rmSync(path.join(dir, f), { force: true });
  return removed;
}

/**
 * Create or reopen a run folder for `config`. A folder holding a different config is an
 * error (use another name); `parse` validates a saved config (its errors name the field).
 */
export function openRunFolder(dir: string, config: object, parse: (raw: unknown, where: string) => unknown): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(
      `${dir}: cannot create the run folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  removeOrphanTempFiles(dir);
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) {
    writeJsonAtomic(cfgFile, config);
    return;
  }
  const saved = parse(readJsonFile(cfgFile, "the run config"), cfgFile);
  if (canonicalJson(saved) !== canonicalJson(config)) {
    throw new Error(
      `${dir} holds a run with a different config; use another name or delete the folder. ` +
        `Saved: ${JSON.stringify(saved)}`,
    );
  }
}

/** JSON with object keys sorted, so two equal configs compare equal whatever their key order. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** Every tensor a checkpoint holds: parts' variables in order, then optimizers' state. */
function checkpointTensors(model: Trainable): { name: string; v: tf.Variable }[] {
  const out: { name: string; v: tf.Variable }[] = [];
  for (const [p, part] of Object.entries(model.parts))
    part.variables().forEach((v, i) => out.push({ name: `${p}/${i}`, v }));
  for (const [o, opt] of Object.entries(model.optimizers))
    opt.stateVariables().forEach((v, i) => out.push({ name: `${o}:opt/${i}`, v }));
  return out;
}

/** Write a checkpoint atomically (bin first, then the JSON that names it), then drop older bins. */
export function saveCheckpoint(
  dir: string,
  model: Trainable,
  meta: Omit<CheckpointMeta, "version" | "bin" | "sha256" | "tensors" | "optimizers">,
): void {
  const tensors = checkpointTensors(model);
  const parts = tensors.map((t) => t.v.dataSync() as Float32Array);
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  const bin = `checkpoint-${meta.globalStep}.bin`;
  writeFileAtomic(path.join(dir, bin), bytes);
  const full: CheckpointMeta = {
    version: 2,
    ...meta,
    optimizers: Object.fromEntries(Object.entries(model.optimizers).map(([k, o]) => [k, o.iterations])),
    bin,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    tensors: tensors.map((t) => ({ name: t.name, shape: t.v.shape })),
    ...(model.design ? { design: model.design } : {}),
  };
  writeJsonAtomic(path.join(dir, "checkpoint.json"), full);
  for (const f of fs.readdirSync(dir)) {
    if (/^checkpoint-\d+\.bin$/.test(f) && f !== bin) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** Check checkpoint.json's fields; `version: 1` files (one lifter, one Adam) are read too. */
const isNumberRecord = (v: unknown): v is Record<string, number> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "number");

function parseCheckpointMeta(raw: unknown, file: string, model: Trainable): CheckpointMeta {
  if (typeof raw !== "object" || raw === null) throw new Error(`${file}: expected a checkpoint object`);
  const o = raw as Record<string, unknown>;
  const field = (k: string, ok: boolean, want: string) => {
    if (!ok) throw new Error(`${file}: field "${k}" must be ${want}, got ${JSON.stringify(o[k])?.slice(0, 80)}`);
  };
  field("version", o.version === 1 || o.version === 2, "1 or 2");
  field("epoch", isInt(o.epoch, 0), "an integer ≥ 0");
  field("stepInEpoch", isInt(o.stepInEpoch, 0), "an integer ≥ 0");
  field("globalStep", isInt(o.globalStep, 0), "an integer ≥ 0");
  field("bin", typeof o.bin === "string" && /^checkpoint-\d+\.bin$/.test(o.bin), "a file name checkpoint-<step>.bin");
  field("sha256", typeof o.sha256 === "string" && /^[0-9a-f]{64}$/.test(o.sha256), "a sha256 hex digest");
  field("history", Array.isArray(o.history), "a list of epoch logs");
  const history = (o.history as unknown[]).map((h, i) => parseEpochLog(h, `${file} history[${i}]`));
  if (o.version === 1) {
    // One lifter and one Adam: shapes, adamStep and partialSums [total, recon, kl].
    field("shapes", Array.isArray(o.shapes), "a list of shapes");
    field("adamStep", isInt(o.adamStep, 0), "an integer ≥ 0");
    const names = Object.keys(model.optimizers);
    const ps = (o.partialSums as number[] | undefined) ?? [0, 0, 0];
    const steps = o.stepInEpoch as number;
    return {
      version: 2,
      epoch: o.epoch as number,
      stepInEpoch: steps,
      globalStep: o.globalStep as number,
      optimizers: { [names[0]]: o.adamStep as number },
      partial: { sums: { loss: ps[0], recon: ps[1], kl: ps[2] }, counts: { loss: steps, recon: steps, kl: steps } },
      history,
      compute: "unknown (a checkpoint from before compute paths were recorded)",
      bin: o.bin as string,
      sha256: o.sha256 as string,
      tensors: (o.shapes as number[][]).map((shape, i) => ({ name: String(i), shape })),
    };
  }
  field("optimizers", isNumberRecord(o.optimizers), "an object of update counts");
  field("partial", typeof o.partial === "object" && o.partial !== null, "an object {sums, counts}");
  field("tensors", Array.isArray(o.tensors), "a list of {name, shape}");
  field("compute", typeof o.compute === "string", "a string");
  field("design", o.design === undefined || typeof o.design === "string", "a string or absent");
  return { ...(o as unknown as CheckpointMeta), history };
}

/**
 * Restore a model's parts and optimizers from the folder's checkpoint; undefined when the
 * folder has none. Refuses a checksum mismatch, tensors that do not fit the model, and
 * non-finite weights.
 */
export function loadCheckpoint(dir: string, model: Trainable): CheckpointMeta | undefined {
  const file = path.join(dir, "checkpoint.json");
  if (!fs.existsSync(file)) return undefined;
  const meta = parseCheckpointMeta(readJsonFile(file, "the checkpoint"), file, model);
  const binPath = path.join(dir, meta.bin);
  if (!fs.existsSync(binPath)) throw new Error(`${file}: names ${meta.bin}, which is missing`);
  const bytes = fs.readFileSync(binPath);
  const sha = createHash("sha256").update(bytes).digest("hex");
  if (sha !== meta.sha256) {
    throw new Error(`${binPath}: checksum mismatch (expected ${meta.sha256}, got ${sha}): the checkpoint is corrupt`);
  }
  if (model.design !== undefined && meta.design !== model.design) {
    throw new Error(
      `${file}: was saved by ${meta.design ? `design "${meta.design}"` : "an earlier design"} of this model, ` +
        `and this code is design "${model.design}": the weights would load but mean something else; ` +
        "retrain (delete the run folder) or check out the code that made it",
    );
  }
  const tensors = checkpointTensors(model);
  const fits =
    tensors.length === meta.tensors.length &&
    tensors.every((t, i) => t.v.shape.join() === meta.tensors[i].shape.join());
  if (!fits) {
    throw new Error(
      `${file}: holds ${meta.tensors.length} tensors that do not match this model's ${tensors.length}; was the config changed?`,
    );
  }
  const expectBytes = tensors.reduce((s, t) => s + t.v.size * 4, 0);
  if (bytes.byteLength !== expectBytes)
    throw new Error(`${binPath}: ${bytes.byteLength} bytes, expected ${expectBytes}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const bad = all.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    let end = 0;
    const t = tensors.find((x) => {
      end += x.v.size;
      return end > bad;
    });
    throw new Error(
      `${binPath}: tensor ${t?.name} holds a non-finite value (${all[bad]}); refusing to load a diverged checkpoint`,
    );
  }
  let o = 0;
  for (const t of tensors) {
    const value = tf.tensor(all.subarray(o, o + t.v.size), t.v.shape);
    t.v.assign(value);
    value.dispose();
    o += t.v.size;
  }
  for (const [k, opt] of Object.entries(model.optimizers)) opt.iterations = meta.optimizers[k] ?? 0;
  return meta;
}
