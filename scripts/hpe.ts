/**
 * hpe3d command line: `npm run hpe -- <command> [flags]`; `npm run hpe -- help` lists the commands and
 * `npm run hpe -- <command> --help` their flags.
 *
 *   train   --config <preset|file.json> [--profile smoke|full] [--name N] [--set key=value]… [--dry-run]
 *   eval    --run <name|dir> [--data <folder of BVH files>] [--best-of 1,5,20]
 *   export  --run <name|dir> --out <dir>
 *   runs    [--dir <runs folder>] [--json]
 *   lift-images --images <dir> --out <dir> [--run <name|dir>] [--hypotheses N]
 *   backend
 *
 * Each command declares its flags (value or switch, repeatable or not, a check on the value). An
 * unknown command, flag or `--set` key, or a bad value, is a one-line error naming it and the valid
 * choices, with exit status 2; a failure while running (a missing run, a broken file) exits with 1.
 * Heavy modules (TF.js, data, evaluation) load only when a command runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROFILES, profileName, type ProfileName } from "../lib/core/profile";
import { runsDir } from "../lib/core/paths";
import { checkSettings, SettingError } from "../lib/core/settings";
import { CONFIG_SCHEMA, RUN_NAME_PATTERN, withProfile, type TrainConfig } from "../lib/train/config";
import { configFromJson, findPreset, PRESETS, PRESET_NAMES } from "../lib/train/presets";
import { describe, SchemaError, schemaTable } from "../lib/train/schema";

/** A mistake in the command line: exit status 2. */
class UsageError extends Error {}

interface FlagSpec {
  name: string;
  /** What the value is, e.g. `<dir>`; a flag without one is a switch. */
  value?: string;
  repeatable?: boolean;
  required?: boolean;
  doc: string;
  /** Check the value; return a message saying what is expected when it is wrong. */
  check?: (v: string) => string | undefined;
}

interface Command {
  summary: string;
  flags: FlagSpec[];
  /** Extra lines for --help. */
  more?: () => string[];
  run(a: Args): Promise<void>;
}

/** Parsed flags of one command. */
class Args {
  constructor(
    readonly command: string,
    private readonly values: Map<string, string[]>,
  ) {}
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }
  has(name: string): boolean {
    return this.values.has(name);
  }
}

const HELP: FlagSpec = { name: "help", doc: "show this help" };

/** Hints for flags people try that do not exist, by command. */
function hintFor(command: string, flag: string): string {
  if (command === "train") {
    if (flag === "model" || flag === "preset") return ` (choose the model with --config ${PRESET_NAMES.join("|")})`;
    if (flag === "out" || flag === "dir") {
      return " (a run is written to <runs folder>/<name>: choose it with --name, move the folder with HPE_RUNS_DIR)";
    }
    if (Object.hasOwn(CONFIG_SCHEMA.fields, flag)) return ` (set config fields with --set ${flag}=<value>)`;
  }
  return "";
}

/**
 * Parse `--flag value`, `--flag=value` and switches against a command's flags.
 * @throws UsageError naming the flag and the valid ones.
 */
function parseArgs(command: string, flags: FlagSpec[], argv: string[]): Args {
  const specs = new Map([...flags, HELP].map((f) => [f.name, f]));
  const list = () => [...specs.keys()].map((n) => `--${n}`).join(", ");
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] === "-h" ? "--help" : argv[i];
    if (!a.startsWith("--") || a === "--") {
      throw new UsageError(`unexpected argument "${a}" for "${command}"; flags are ${list()}`);
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const spec = specs.get(name);
    if (!spec) {
      throw new UsageError(`unknown flag --${name} for "${command}"${hintFor(command, name)}; flags are ${list()}`);
    }
    let v: string;
    if (spec.value === undefined) {
      if (eq > 0) throw new UsageError(`--${name} takes no value, got "${a.slice(eq + 1)}"`);
      v = "true";
    } else if (eq > 0) {
      v = a.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value: ${spec.value}`);
      v = argv[++i];
    }
    if (values.has(name) && !spec.repeatable) throw new UsageError(`--${name} is given twice; it takes one value`);
    const bad = spec.check?.(v);
    if (bad) throw new UsageError(`--${name} ${v}: ${bad}`);
    values.set(name, [...(values.get(name) ?? []), v]);
  }
  if (!values.has("help")) {
    const missing = flags.find((f) => f.required && !values.has(f.name));
    if (missing)
      throw new UsageError(`--${missing.name} is required for "${command}": ${missing.value} (${missing.doc})`);
  }
  return new Args(command, values);
}

function helpText(name: string, c: Command): string {
  const flags = [...c.flags, HELP];
  const left = (f: FlagSpec) => `--${f.name}${f.value ? ` ${f.value}` : ""}`;
  const w = Math.max(...flags.map((f) => left(f).length));
  const lines = [`usage: npm run hpe -- ${name} [flags]`, "", c.summary, "", "flags:"];
  for (const f of flags) {
    const tags = [f.required ? "required" : "", f.repeatable ? "repeatable" : ""].filter(Boolean).join(", ");
    lines.push(`  ${left(f).padEnd(w)}  ${f.doc}${tags ? ` (${tags})` : ""}`);
  }
  return [...lines, ...(c.more?.() ?? [])].join("\n");
}

// ---------- flag checks ----------

const checkProfile = (v: string) =>
  (PROFILES as readonly string[]).includes(v) ? undefined : `expected ${PROFILES.join(" or ")}`;
const checkName = (v: string) =>
  RUN_NAME_PATTERN.test(v) ? undefined : `expected ${describe(CONFIG_SCHEMA.fields.name)}`;
const checkBestOf = (v: string) => {
  const parts = v.split(",").map((s) => s.trim());
  const ok = parts.every((s) => /^[1-9][0-9]{0,5}$/.test(s)) && new Set(parts).size === parts.length;
  return ok ? undefined : "expected distinct whole numbers ≥ 1 separated by commas, like 1,5,20";
};
const checkEvery = (v: string) =>
  /^[1-9][0-9]{0,5}$/.test(v.trim()) ? undefined : "expected a whole number ≥ 1, like 10";
const SPLITS_TO_SCORE = ["test", "val"] as const;
type ScoredSplit = (typeof SPLITS_TO_SCORE)[number];
const checkSplit = (v: string) =>
  (SPLITS_TO_SCORE as readonly string[]).includes(v) ? undefined : `expected ${SPLITS_TO_SCORE.join(" or ")}`;
/** The flag that picks the split a closing or explicit evaluation scores (selection belongs on val). */
const splitFlag = (what: string): FlagSpec => ({
  name: "split",
  value: "<test|val>",
  doc: `the split ${what} scores: test (default; eval.json) or val, where choices between runs are made (eval-val.json)`,
  check: checkSplit,
});
/** The run folder's file for an evaluation of a split. */
const evalFile = (split: ScoredSplit) => (split === "val" ? "eval-val.json" : "eval.json");
const checkSet = (v: string) =>
  v.includes("=") ? undefined : `expected key=value; keys are ${Object.keys(CONFIG_SCHEMA.fields).join(", ")}`;
const checkCount = (v: string) =>
  /^[0-9]{1,3}$/.test(v) && Number(v) <= 100 ? undefined : "expected a whole number 0–100";
const nonEmpty = (v: string) => (v.trim() === "" ? "expected a path, got an empty value" : undefined);

// ---------- config from flags ----------

/** The training config that `train` flags describe: preset or file, then --set, then profile, then --name. */
function configFromArgs(a: Args): TrainConfig {
  const c = a.get("config") ?? "beta-vae";
  let cfg: TrainConfig;
  const preset = findPreset(c);
  if (preset) cfg = { ...preset.config };
  else if (c.endsWith(".json") || fs.existsSync(c)) {
    if (!fs.existsSync(c) || !fs.statSync(c).isFile()) {
      throw new UsageError(`--config ${c}: no such file (and not a preset: ${PRESET_NAMES.join(", ")})`);
    }
    try {
      cfg = configFromJson(fs.readFileSync(c, "utf8"), c);
    } catch (e) {
      if (e instanceof SchemaError) throw new UsageError(`--config ${e.message}`);
      throw e;
    }
  } else throw new UsageError(`--config ${c}: not a preset (${PRESET_NAMES.join(", ")}) nor a .json file`);
  const sets: Record<string, unknown> = {};
  for (const kv of a.all("set")) {
    const eq = kv.indexOf("=");
    const key = kv.slice(0, eq),
      text = kv.slice(eq + 1);
    try {
      sets[key] = CONFIG_SCHEMA.parseText(key, text, `--set ${kv}`);
    } catch (e) {
      if (e instanceof SchemaError) throw new UsageError(e.message);
      throw e;
    }
  }
  cfg = { ...cfg, ...sets };
  const p = (a.get("profile") ?? profileName()) as ProfileName;
  try {
    cfg = withProfile(cfg, p);
  } catch (e) {
    if (e instanceof SchemaError) throw new UsageError(e.message);
    throw e;
  }
  const name = a.get("name");
  return name ? { ...cfg, name } : cfg;
}

/** The folder of `--run` (a run name in the runs folder, or a path). Missing is a failure (exit 1). */
function runDir(a: Args): string {
  const r = a.get("run")!;
  const dir = fs.existsSync(r) ? path.resolve(r) : path.join(runsDir(), r);
  if (!fs.existsSync(path.join(dir, "config.json"))) {
    const hint = "list runs with `npm run hpe -- runs`, train one with `npm run hpe -- train`";
    throw new Error(`--run ${r}: no run folder at ${dir} (${hint})`);
  }
  return dir;
}

// ---------- runs table ----------

/** A config value as a table cell: 0.001, cmu,bandai, linear(warmup=0.2). */
function cell(v: unknown): string {
  if (v === undefined) return "-";
  if (Array.isArray(v)) return v.join(",");
  if (typeof v === "object" && v !== null && "kind" in v) {
    const { kind, ...rest } = v as Record<string, unknown>;
    const args = Object.entries(rest).map(([k, x]) => `${k}=${x}`);
    return args.length ? `${kind}(${args.join(",")})` : String(kind);
  }
  return String(v);
}

/** A metric as a table cell: mm with one decimal, losses with 4 significant digits, blank when absent. */
const mm = (v: number | undefined) => (v === undefined ? "" : v.toFixed(1));
const loss = (v: number | undefined) => (v === undefined ? "" : v.toPrecision(4));

function textTable(header: string[], rows: string[][]): string {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => c.padEnd(w[j]))
      .join("  ")
      .trimEnd();
  return [line(header), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n");
}

// ---------- commands ----------

const commands: Record<string, Command> = {
  train: {
    summary: "Train (or resume) a lifter; a killed run resumes when the same command runs again.",
    flags: [
      {
        name: "config",
        value: "<preset|file.json>",
        doc: `a preset (${PRESET_NAMES.join(", ")}) or a JSON file of config fields; default beta-vae`,
      },
      {
        name: "profile",
        value: "<smoke|full>",
        doc: "scale epochs and data (default: HPE_PROFILE, else full)",
        check: checkProfile,
      },
      { name: "name", value: "<name>", doc: "run name (default: <config name>-<profile>)", check: checkName },
      {
        name: "set",
        value: "<key=value>",
        repeatable: true,
        doc: "override one config field (see the fields below)",
        check: checkSet,
      },
      splitFlag("the closing evaluation"),
      { name: "dry-run", doc: "print the checked config as JSON and stop" },
    ],
    more: () => [
      "",
      "presets:",
      ...PRESETS.map((p) => `  ${p.name.padEnd(9)} ${p.description}`),
      "",
      "config fields (--set key=value; lists as a,b; betaSchedule as JSON or its kind):",
      ...schemaTable(CONFIG_SCHEMA).map((r) => `  ${r.field.padEnd(21)} ${r.doc}: ${r.allowed}`),
    ],
    run: async (a) => {
      const cfg = configFromArgs(a);
      if (a.has("dry-run")) return void console.log(JSON.stringify(cfg, null, 2));
      const { initBackend } = await import("../lib/backend/backend");
      const { experimentData } = await import("../lib/data/experiment");
      const { trainRun } = await import("../lib/train/lifter-run");
      const { evaluateLifter } = await import("../lib/eval/evaluate");
      const { writeJsonAtomic } = await import("../lib/core/io");
      await initBackend();
      const d = experimentData(cfg);
      const r = await trainRun(cfg, {
        train: d.trainN,
        trainSet: d.train,
        val: { x: d.valN, set: d.val },
        stats: d.stats,
      });
      const bestOf = r.lifter.variational ? [1, 5, 20] : [];
      const split = (a.get("split") ?? "test") as ScoredSplit;
      const ev = evaluateLifter(r.lifter, r.stats, d[split], {
        bestOf,
        seed: cfg.seed,
        name: cfg.name,
      });
      writeJsonAtomic(path.join(r.dir, evalFile(split)), ev);
      const summary = { run: r.dir, epochs: r.history.length, split, p1: ev.p1.actionWise, p2: ev.p2.actionWise };
      console.log(JSON.stringify(summary, null, 2));
    },
  },
  eval: {
    summary:
      "Evaluate a run on the shared test or validation split (updating its eval.json or eval-val.json) or on a folder of BVH files; prints JSON.",
    flags: [
      { name: "run", value: "<name|dir>", required: true, doc: "a run name in the runs folder, or a run folder" },
      {
        name: "data",
        value: "<folder>",
        doc: "a folder of BVH files in a supported skeleton (eval.json is left alone)",
        check: nonEmpty,
      },
      {
        name: "best-of",
        value: "<n,n,…>",
        doc: "best-of-N hypotheses to score (default 1,5,20 for variational models)",
        check: checkBestOf,
      },
      {
        name: "best-of-every",
        value: "<n>",
        doc: "score best-of-N on every n-th frame only (default 1: all; 200 hypotheses of the whole test split take about 200 forward passes over it)",
        check: checkEvery,
      },
      splitFlag("the evaluation of a run's own data"),
    ],
    run: async (a) => {
      const dir = runDir(a);
      const data = a.get("data");
      if (data !== undefined && !(fs.existsSync(data) && fs.statSync(data).isDirectory())) {
        throw new Error(`--data ${data}: no such folder`);
      }
      const split = (a.get("split") ?? "test") as ScoredSplit;
      if (data !== undefined && a.has("split"))
        throw new UsageError("--split and --data exclude each other: --data scores a folder of its own");
      const { describeBackend, initBackend } = await import("../lib/backend/backend");
      const { loadRun } = await import("../lib/train/lifter-run");
      const { evaluateLifter } = await import("../lib/eval/evaluate");
      const { experimentData } = await import("../lib/data/experiment");
      const { captureMocap } = await import("../lib/data/dataset");
      const { loadBvhFolder } = await import("../lib/data/mocap");
      const { writeJsonAtomic } = await import("../lib/core/io");
      console.error(describeBackend(await initBackend({ quiet: true }))); // stdout is the JSON summary
      const run = loadRun(dir);
      const bestOfText = a.get("best-of") ?? (run.lifter.variational ? "1,5,20" : "");
      const bestOf = bestOfText.split(",").filter(Boolean).map(Number);
      const set = data
        ? captureMocap(loadBvhFolder(path.resolve(data)), "test", { ignoreSplits: true })
        : experimentData(run.config)[split];
      const bestOfEveryNth = Number(a.get("best-of-every") ?? 1);
      const ev = evaluateLifter(run.lifter, run.stats, set, {
        bestOf,
        bestOfEveryNth,
        seed: run.config.seed,
        name: run.config.name,
      });
      const perAction = Object.keys(ev.p1.perAction).map((k) => [
        k,
        { p1: ev.p1.perAction[k], p2: ev.p2.perAction[k], frames: ev.frames[k] },
      ]);
      const perSource = Object.keys(ev.p1.perSourceAction).map((k) => [
        k,
        { p1: ev.p1.perSourceAction[k], p2: ev.p2.perSourceAction[k] },
      ]);
      const summary = {
        run: dir,
        data: data ? path.resolve(data) : `shared ${split === "val" ? "validation" : "test"} split`,
        samples: ev.samples,
        p1: ev.p1.actionWise,
        p2: ev.p2.actionWise,
        p1FrameWise: ev.p1.frameWise,
        p2FrameWise: ev.p2.frameWise,
        perAction: Object.fromEntries(perAction),
        perSourceAction: Object.fromEntries(perSource),
        bestOfN: ev.bestOfN?.map((b) => ({ n: b.n, p1: b.p1.actionWise, p2: b.p2.actionWise })),
        ...(ev.bestOfEveryNth ? { bestOfEveryNth: ev.bestOfEveryNth, bestOfSamples: ev.bestOfSamples } : {}),
      };
      if (!data) writeJsonAtomic(path.join(dir, evalFile(split)), ev);
      console.log(JSON.stringify(summary, null, 2));
    },
  },
  export: {
    summary: "Write a run's lifter in TF.js layers format, with its normalization statistics.",
    flags: [
      { name: "run", value: "<name|dir>", required: true, doc: "a run name in the runs folder, or a run folder" },
      {
        name: "out",
        value: "<dir>",
        required: true,
        doc: "folder to write model.json, weights and normalization.json into",
        check: nonEmpty,
      },
    ],
    run: async (a) => {
      const dir = runDir(a);
      const { describeBackend, initBackend } = await import("../lib/backend/backend");
      const { loadRun } = await import("../lib/train/lifter-run");
      const { exportLifter } = await import("../lib/models/export");
      console.error(describeBackend(await initBackend({ quiet: true })));
      const run = loadRun(dir);
      const out = path.resolve(a.get("out")!);
      const files = await exportLifter(run.lifter, run.stats, out, { run: dir, model: run.config.model });
      console.log(JSON.stringify({ exported: files }, null, 2));
    },
  },
  runs: {
    summary: "List the runs: the hyper-parameters that differ between them, epochs done, last losses and test metrics.",
    flags: [
      { name: "dir", value: "<folder>", doc: "runs folder (default: HPE_RUNS_DIR, else out/runs)", check: nonEmpty },
      { name: "json", doc: "print JSON (every run's full config, last epoch and eval) instead of a table" },
    ],
    run: async (a) => {
      const { summarizeRuns, differingFields } = await import("../lib/train/run-summary");
      const root = a.has("dir") ? path.resolve(a.get("dir")!) : runsDir();
      if (a.has("dir") && !fs.existsSync(root)) throw new Error(`--dir ${a.get("dir")}: no such folder`);
      const { runs, errors } = summarizeRuns(root);
      for (const e of errors) console.error(`hpe runs: skipped ${e.dir}: ${e.message}`);
      const keys = differingFields(runs);
      if (a.has("json")) {
        const out = runs.map((r) => ({ ...r, differs: Object.fromEntries(keys.map((k) => [k, r.config[k]])) }));
        return void console.log(JSON.stringify({ dir: root, runs: out, errors }, null, 2));
      }
      if (runs.length === 0) {
        return void console.log(`no runs in ${root}${errors.length ? ` (${errors.length} unreadable)` : ""}`);
      }
      const shown = keys.filter((k) => k !== "model");
      const header = ["run", "model", "epochs", ...shown, "loss", "val P1", "test P1", "test P2"];
      const rows = runs.map((r) => [
        r.name,
        r.config.model,
        `${r.epochs.done}/${r.epochs.total}`,
        ...shown.map((k) => cell(r.config[k])),
        loss(r.last?.terms.loss),
        mm(r.last?.val.p1),
        mm(r.eval?.p1),
        mm(r.eval?.p2),
      ]);
      console.log(`${root}\n${textTable(header, rows)}\n(loss: last epoch's training loss; P1/P2 in mm)`);
    },
  },
  "lift-images": {
    summary:
      "Detect people in every file of a folder and lift them to 3D: one JSON per file (2D keypoints, 3D joints in mm).",
    flags: [
      {
        name: "images",
        value: "<dir>",
        required: true,
        doc: "folder of photos (JPEG, PNG, WebP); every file in it is tried",
        check: nonEmpty,
      },
      { name: "out", value: "<dir>", required: true, doc: "folder to write <file name>.json into", check: nonEmpty },
      {
        name: "run",
        value: "<name|dir>",
        doc: "a COCO-input lifter run (default wild-vae-<profile>, trained first when missing)",
      },
      {
        name: "hypotheses",
        value: "<n>",
        doc: "3D hypotheses per person from the β-VAE (default 5; 0 = none)",
        check: checkCount,
      },
    ],
    more: () => [
      "",
      "Each JSON: per person the box, the 17 COCO keypoints (photo pixels, confidence, used or counted as missing),",
      "3D joints by H36M name (mm, camera frame x right / y down / z away, root-centred), hypotheses, BlazePose's",
      "3D world landmarks and their P-MPJPE to ours, and timings. A file that fails gets {file, error} and a line",
      "on stderr; the others still complete, and the exit status is then 1.",
    ],
    run: async (a) => {
      const images = path.resolve(a.get("images")!);
      if (!(fs.existsSync(images) && fs.statSync(images).isDirectory()))
        throw new Error(`--images ${a.get("images")}: no such folder`);
      const { describeBackend, initBackend } = await import("../lib/backend/backend");
      const { DEFAULT_WILD_CONFIG, loadWildRun, trainWildRun, wildWithProfile } = await import("../lib/train/wild-run");
      const { PoseDetector } = await import("../lib/wild/detector");
      const { folderFiles, liftFolder } = await import("../lib/wild/lift");
      console.error(describeBackend(await initBackend({ quiet: true })));
      const files = folderFiles(images);
      if (!files.length) throw new Error(`--images ${a.get("images")}: the folder has no files`);
      let run: ReturnType<typeof loadWildRun>;
      if (a.has("run")) run = loadWildRun(runDir(a));
      else {
        const cfg = wildWithProfile(DEFAULT_WILD_CONFIG);
        const dir = path.join(runsDir(), cfg.name);
        if (fs.existsSync(path.join(dir, "checkpoint.json"))) run = loadWildRun(dir);
        else {
          console.error(
            `hpe lift-images: no run ${cfg.name} in ${runsDir()}; training it first (profile ${profileName()})`,
          );
          run = await trainWildRun(cfg, undefined, { verbose: false });
        }
      }
      const detector = await PoseDetector.create();
      const out = path.resolve(a.get("out")!);
      const meta = { run: run.dir, model: run.config.model, confThreshold: run.config.confThreshold };
      const hypotheses = Number(a.get("hypotheses") ?? 5);
      const r = await liftFolder(detector, run.lifter, run.stats, files, out, {
        confThreshold: run.config.confThreshold,
        hypotheses,
        seed: run.config.seed,
        meta,
        onError: (_file, msg) => console.error(`hpe lift-images: ${msg}`),
      });
      detector.dispose();
      run.lifter.dispose();
      console.log(
        JSON.stringify({ out, files: files.length, lifted: files.length - r.failed.length, failed: r.failed }, null, 2),
      );
      if (r.failed.length) {
        throw new Error(`lift-images: ${r.failed.length} of ${files.length} files failed (see their JSON in ${out})`);
      }
    },
  },
  backend: {
    summary: "Start the compute backend and print which one runs and why others were skipped.",
    flags: [],
    run: async () => {
      const { describeBackend, initBackend } = await import("../lib/backend/backend");
      const { versions } = await import("../lib/notebook/setup");
      const b = await initBackend({ quiet: true });
      console.log(describeBackend(b));
      console.log(JSON.stringify({ backend: b, versions: versions() }, null, 2));
    },
  },
};

function overview(): string {
  const w = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    "usage: npm run hpe -- <command> [flags]      (npm run hpe -- <command> --help for its flags)",
    "",
    "commands:",
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(w)}  ${c.summary}`),
    `  ${"help".padEnd(w)}  This list, or one command's flags: help <command>.`,
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    if (name === "help" && rest.length > 0) {
      const c = commands[rest[0]];
      if (!c || rest.length > 1) {
        throw new UsageError(`help ${rest.join(" ")}: expected one command (${Object.keys(commands).join(", ")})`);
      }
      return void console.log(helpText(rest[0], c));
    }
    return void console.log(overview());
  }
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) throw new UsageError(`unknown command "${name}"; commands are ${Object.keys(commands).join(", ")}, help`);
  const args = parseArgs(name, cmd.flags, rest);
  if (args.has("help")) return void console.log(helpText(name, cmd));
  checkSettings();
  await cmd.run(args);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const usage = e instanceof UsageError || e instanceof SettingError;
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`hpe: ${msg}`);
  process.exit(usage ? 2 : 1);
});
