/**
 * hpe3d command line: `npm run hpe -- <command> [options]`; `npm run hpe -- help` lists them.
 *
 *   train  --config beta-vae|ae|baseline|<file.json> [--profile smoke|full] [--name N] [--set key=value]…
 *   eval   --run <name|dir> [--data <folder of BVH files>] [--best-of 1,5,20]
 *   export --run <name|dir> --out <dir>
 *   backend
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeBackend, initBackend } from "../lib/backend/backend";
import { DEFAULT_AE_CONFIG, DEFAULT_BASELINE_CONFIG, DEFAULT_VAE_CONFIG, parseConfig, withProfile, type TrainConfig } from "../lib/train/config";
import { captureMocap } from "../lib/data/dataset";
import { evaluateLifter } from "../lib/eval/evaluate";
import { experimentData } from "../lib/data/experiment";
import { exportLifter } from "../lib/models/export";
import { writeJsonAtomic } from "../lib/core/io";
import { loadBvhFolder } from "../lib/data/mocap";
import { versions } from "../lib/notebook/setup";
import { profileName, PROFILES, type ProfileName } from "../lib/core/profile";
import { loadRun, runsDir, trainRun } from "../lib/train/lifter-run";

type Args = { flags: Map<string, string[]> };

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}" (options look like --name value)`);
    const key = a.slice(2);
    const val = argv[i + 1] !== undefined && !argv[i + 1].startsWith("--") ? argv[++i] : "true";
    flags.set(key, [...(flags.get(key) ?? []), val]);
  }
  return { flags };
}

function flag(a: Args, name: string, required = false): string | undefined {
  const v = a.flags.get(name)?.at(-1);
  if (required && v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const PRESETS: Record<string, TrainConfig> = { "beta-vae": DEFAULT_VAE_CONFIG, vae: DEFAULT_VAE_CONFIG, ae: DEFAULT_AE_CONFIG, baseline: DEFAULT_BASELINE_CONFIG };

function loadConfig(a: Args): TrainConfig {
  const c = flag(a, "config") ?? "beta-vae";
  let cfg: TrainConfig;
  if (PRESETS[c]) cfg = PRESETS[c];
  else {
    if (!fs.existsSync(c)) throw new Error(`--config ${c}: neither a preset (${Object.keys(PRESETS).join(", ")}) nor a file`);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(c, "utf8"));
    } catch (e) {
      throw new Error(`${c}: not valid JSON (${(e as Error).message})`);
    }
    cfg = parseConfig(raw, c);
  }
  for (const kv of a.flags.get("set") ?? []) {
    const [k, ...rest] = kv.split("=");
    const v = rest.join("=");
    let parsed: unknown = v;
    try { parsed = JSON.parse(v); } catch { /* a plain string */ }
    cfg = parseConfig({ ...cfg, [k]: parsed }, `--set ${kv}`);
  }
  const p = (flag(a, "profile") ?? profileName()) as ProfileName;
  if (!PROFILES.includes(p)) throw new Error(`--profile ${p}: expected ${PROFILES.join(" or ")}`);
  cfg = withProfile(cfg, p);
  const name = flag(a, "name");
  return name ? { ...cfg, name } : cfg;
}

function runDir(a: Args): string {
  const r = flag(a, "run", true)!;
  const dir = fs.existsSync(r) ? path.resolve(r) : path.join(runsDir(), r);
  if (!fs.existsSync(path.join(dir, "config.json"))) throw new Error(`--run ${r}: no run folder at ${dir} (train one with \`npm run hpe -- train\`)`);
  return dir;
}

const commands: Record<string, { summary: string; run: (a: Args) => Promise<void> }> = {
  train: {
    summary: "train (or resume) a lifter: --config beta-vae|ae|baseline|file.json [--profile smoke|full] [--name N] [--set key=value]",
    run: async (a) => {
      const cfg = loadConfig(a);
      await initBackend();
      const d = experimentData(cfg);
      const r = await trainRun(cfg, { train: d.trainN, val: { x: d.testN, set: d.test }, stats: d.stats });
      const ev = evaluateLifter(r.lifter, r.stats, d.test, { bestOf: r.lifter.variational ? [1, 5, 20] : [], seed: cfg.seed, name: cfg.name });
      writeJsonAtomic(path.join(r.dir, "eval.json"), ev);
      console.log(JSON.stringify({ run: r.dir, epochs: r.history.length, p1: ev.p1.actionWise, p2: ev.p2.actionWise }, null, 2));
    },
  },
  eval: {
    summary: "evaluate a run on the shared test split or on any folder of BVH files (--data); prints JSON",
    run: async (a) => {
      const dir = runDir(a);
      console.error(describeBackend(await initBackend({ quiet: true }))); // stdout is the JSON summary
      const run = loadRun(dir);
      const data = flag(a, "data");
      const bestOf = (flag(a, "best-of") ?? (run.lifter.variational ? "1,5,20" : "")).split(",").filter(Boolean).map(Number);
      let set;
      if (data) {
        set = captureMocap(loadBvhFolder(path.resolve(data)), "test", { ignoreSplits: true });
      } else {
        set = experimentData(run.config).test;
      }
      const ev = evaluateLifter(run.lifter, run.stats, set, { bestOf, seed: run.config.seed, name: run.config.name });
      const summary = {
        run: dir, data: data ? path.resolve(data) : "shared test split", samples: ev.samples,
        p1: ev.p1.actionWise, p2: ev.p2.actionWise, p1FrameWise: ev.p1.frameWise, p2FrameWise: ev.p2.frameWise,
        perAction: Object.fromEntries(Object.keys(ev.p1.perAction).map((k) => [k, { p1: ev.p1.perAction[k], p2: ev.p2.perAction[k], frames: ev.frames[k] }])),
        perSourceAction: Object.fromEntries(Object.keys(ev.p1.perSourceAction).map((k) => [k, { p1: ev.p1.perSourceAction[k], p2: ev.p2.perSourceAction[k] }])),
        bestOfN: ev.bestOfN?.map((b) => ({ n: b.n, p1: b.p1.actionWise, p2: b.p2.actionWise })),
      };
      if (!data) writeJsonAtomic(path.join(dir, "eval.json"), ev);
      console.log(JSON.stringify(summary, null, 2));
    },
  },
  export: {
    summary: "write a run's lifter in TF.js layers format: --run <name|dir> --out <dir>",
    run: async (a) => {
      const dir = runDir(a);
      console.error(describeBackend(await initBackend({ quiet: true })));
      const run = loadRun(dir);
      const out = path.resolve(flag(a, "out", true)!);
      const files = await exportLifter(run.lifter, run.stats, out, { run: dir, model: run.config.model });
      console.log(JSON.stringify({ exported: files }, null, 2));
    },
  },
  backend: {
    summary: "start the compute backend and print which one runs and why others were skipped",
    run: async () => {
      const b = await initBackend({ quiet: true });
      console.log(describeBackend(b));
      console.log(JSON.stringify({ backend: b, versions: versions() }, null, 2));
    },
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help") {
    console.log("usage: npm run hpe -- <command> [options]\n\ncommands:");
    for (const [n, c] of Object.entries(commands)) console.log(`  ${n.padEnd(8)} ${c.summary}`);
    return;
  }
  const cmd = commands[name];
  if (!cmd) throw new Error(`unknown command "${name}"; commands: ${Object.keys(commands).join(", ")}`);
  await cmd.run(parseArgs(rest));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`hpe: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
