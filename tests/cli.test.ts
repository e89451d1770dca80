/**
 * The command line (scripts/hpe.ts), run as a user runs it: usage errors exit 2 with one line naming the
 * mistake and the valid choices, failures exit 1, every command has --help, `train --dry-run` shows the
 * checked config and `runs` reads run folders of both metrics formats. Nothing trains: the processes
 * start in parallel (a few at a time) when the file loads, and each test awaits its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONFIG_SCHEMA, DEFAULT_BASELINE_CONFIG, DEFAULT_VAE_CONFIG } from "../lib/train/config";
import { parseEpochLine } from "../lib/train/metrics-log";

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hpe-cli-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const runs = path.join(tmp, "runs");
const KEYS = Object.keys(CONFIG_SCHEMA.fields).join(", ");

// ---------- run folders for `runs` (written here: the CLI only reads them) ----------

function writeRun(name: string, config: object, metrics: object[] | string, evalJson?: object): void {
  const dir = path.join(runs, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  fs.writeFileSync(
    path.join(dir, "metrics.jsonl"),
    typeof metrics === "string" ? metrics : metrics.map((m) => JSON.stringify(m)).join("\n") + "\n",
  );
  if (evalJson) fs.writeFileSync(path.join(dir, "eval.json"), JSON.stringify(evalJson));
}
const flat = (epoch: number, loss: number, valMpjpe: number) => ({
  epoch,
  step: epoch * 36,
  loss,
  recon: loss * 0.9,
  kl: 12.5,
  beta: 0.001,
  lr: 0.00099,
  valMpjpe,
  samplesPerSec: 900,
  seconds: 10,
  etaSeconds: 0,
});
writeRun("vae-a", { ...DEFAULT_VAE_CONFIG, name: "vae-a", epochs: 2 }, [flat(1, 0.5, 150.25), flat(2, 0.25, 120.5)], {
  model: "vae-a",
  samples: 6466,
  p1: { actionWise: 118.75 },
  p2: { actionWise: 80.5 },
  bestOfN: [
    { n: 1, p1: { actionWise: 118.75 } },
    { n: 5, p1: { actionWise: 99.5 } },
  ],
});
writeRun("vae-b", { ...DEFAULT_VAE_CONFIG, name: "vae-b", epochs: 2, beta: 0.01 }, [
  {
    epoch: 1,
    step: 36,
    seconds: 9,
    samplesPerSec: 1000,
    etaSeconds: 9,
    terms: { loss: 0.75, recon: 0.5, kl: 25 },
    values: { beta: 0.01, lr: 0.001 },
    val: { p1: 160.5 },
  },
]);
writeRun("broken", DEFAULT_VAE_CONFIG, []);
fs.writeFileSync(path.join(runs, "broken", "config.json"), JSON.stringify(DEFAULT_VAE_CONFIG).slice(0, 50));
fs.mkdirSync(path.join(runs, "not-a-run"));
const badRuns = path.join(tmp, "bad-runs");
fs.mkdirSync(badRuns);
fs.cpSync(path.join(runs, "vae-a"), path.join(badRuns, "bad-metrics"), { recursive: true });
fs.writeFileSync(
  path.join(badRuns, "bad-metrics", "config.json"),
  JSON.stringify({ ...DEFAULT_VAE_CONFIG, name: "bad-metrics", epochs: 2 }),
);
fs.appendFileSync(path.join(badRuns, "bad-metrics", "metrics.jsonl"), '{"epoch": 3, "step"');
const badConfig = path.join(tmp, "bad.json");
fs.writeFileSync(badConfig, JSON.stringify({ model: "baseline", beta: -1 }));
const truncatedConfig = path.join(tmp, "truncated.json");
fs.writeFileSync(truncatedConfig, '{"model": "baseline", "lr":');
const goodConfig = path.join(tmp, "good.json");
fs.writeFileSync(goodConfig, JSON.stringify({ model: "baseline", lr: 0.005, sources: ["cmu"] }));

// ---------- a small process pool ----------

const env = { ...process.env, HPE_RUNS_DIR: runs, HPE_PROFILE: "full" };
const queue: (() => void)[] = [];
let active = 0;
const POOL = Math.max(2, Math.min(6, os.availableParallelism()));

function hpe(args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const start = () => {
      active++;
      const p = spawn(process.execPath, ["--import", "tsx", "scripts/hpe.ts", ...args], {
        env: { ...env, ...extraEnv },
      });
      let stdout = "",
        stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("close", (status) => {
        active--;
        queue.shift()?.();
        resolve({ status, stdout, stderr });
      });
    };
    if (active < POOL) start();
    else queue.push(start);
  });
}

// [arguments, the exact one-line message after "hpe: "] → exit status 2
const USAGE: [string[], string][] = [
  [["bogus"], 'unknown command "bogus"; commands are train, eval, export, runs, lift-images, backend, help'],
  [["help", "bogus"], "help bogus: expected one command (train, eval, export, runs, lift-images, backend)"],
  [
    ["train", "--model", "x"],
    'unknown flag --model for "train" (choose the model with --config beta-vae|ae|baseline|vae-gan|cvae); flags are --config, --profile, --name, --set, --split, --dry-run, --help',
  ],
  [
    ["train", "--out", "x"],
    'unknown flag --out for "train" (a run is written to <runs folder>/<name>: choose it with --name, move the folder with HPE_RUNS_DIR); flags are --config, --profile, --name, --set, --split, --dry-run, --help',
  ],
  [
    ["train", "--epochs", "3"],
    'unknown flag --epochs for "train" (set config fields with --set epochs=<value>); flags are --config, --profile, --name, --set, --split, --dry-run, --help',
  ],
  [["train", "--set", "beta=abc"], '--set beta=abc: beta must be a number ≥ 0, got "abc"'],
  [["train", "--set", "epochs=-1"], "--set epochs=-1: epochs must be an integer ≥ 1 and ≤ 100000, got -1"],
  [["train", "--set", "epochs=0"], "--set epochs=0: epochs must be an integer ≥ 1 and ≤ 100000, got 0"],
  [["train", "--set", "batchSize=0"], "--set batchSize=0: batchSize must be an integer ≥ 1 and ≤ 65536, got 0"],
  [["train", "--set", "batchSize=1.5"], "--set batchSize=1.5: batchSize must be an integer ≥ 1 and ≤ 65536, got 1.5"],
  [
    ["train", "--set", "inputMode=foo"],
    '--set inputMode=foo: inputMode must be one of thesis, martinez, videopose3d, got "foo"',
  ],
  [["train", "--set", "hidden=0"], "--set hidden=0: hidden must be an integer ≥ 1 and ≤ 8192, got 0"],
  [["train", "--set", "lr=1e6"], "--set lr=1e6: lr must be a number > 0 and ≤ 1, got 1000000"],
  [["train", "--set", "model=x"], '--set model=x: model must be one of beta-vae, ae, baseline, vae-gan, cvae, got "x"'],
  [["train", "--set", "foo=1"], `--set foo=1: unknown key "foo"; keys are ${KEYS}`],
  [["train", "--set", "beta"], `--set beta: expected key=value; keys are ${KEYS}`],
  [["train", "--set"], "--set needs a value: <key=value>"],
  [
    ["train", "--config", "nope"],
    "--config nope: not a preset (beta-vae, ae, baseline, vae-gan, cvae) nor a .json file",
  ],
  [
    ["train", "--config", "nope.json"],
    "--config nope.json: no such file (and not a preset: beta-vae, ae, baseline, vae-gan, cvae)",
  ],
  [["train", "--config", badConfig], `--config ${badConfig}: beta must be a number ≥ 0, got -1`],
  [["train", "--config", "ae", "--config", "baseline"], "--config is given twice; it takes one value"],
  [["train", "--profile", "medium"], "--profile medium: expected smoke or full"],
  [
    ["train", "--name", "../x"],
    "--name ../x: expected letters, digits, '.', '_' and '-', starting with a letter or digit (at most 100)",
  ],
  [["train", "--dry-run=1"], '--dry-run takes no value, got "1"'],
  [
    ["train", "beta-vae"],
    'unexpected argument "beta-vae" for "train"; flags are --config, --profile, --name, --set, --split, --dry-run, --help',
  ],
  [
    ["eval", "--run", "x", "--best-of", "abc"],
    "--best-of abc: expected distinct whole numbers ≥ 1 separated by commas, like 1,5,20",
  ],
  [
    ["eval", "--run", "x", "--best-of", "0,5"],
    "--best-of 0,5: expected distinct whole numbers ≥ 1 separated by commas, like 1,5,20",
  ],
  [["eval", "--run", "x", "--best-of-every", "0"], "--best-of-every 0: expected a whole number ≥ 1, like 10"],
  [["eval", "--run", "x", "--split", "train"], "--split train: expected test or val"],
  [["train", "--split", "TEST"], "--split TEST: expected test or val"],
  [["eval", "--run", "x", "--data"], "--data needs a value: <folder>"],
  [["eval", "--run", "x", "--data", "--best-of", "1"], "--data needs a value: <folder>"],
  [["eval"], '--run is required for "eval": <name|dir> (a run name in the runs folder, or a run folder)'],
  [
    ["export", "--run", "x"],
    '--out is required for "export": <dir> (folder to write model.json, weights and normalization.json into)',
  ],
  [["runs", "--json=yes"], '--json takes no value, got "yes"'],
  [["runs", "--all"], 'unknown flag --all for "runs"; flags are --dir, --json, --help'],
  [["backend", "--cpu"], 'unknown flag --cpu for "backend"; flags are --help'],
];
const usage = USAGE.map(([args, message]) => ({ args, message, result: hpe(args) }));

// Bad settings are usage errors too; failures exit 1.
const settingCases: { env: Record<string, string>; args: string[]; message: string }[] = [
  { env: { HPE_BLAS_THREADS: "x" }, args: ["runs"], message: 'HPE_BLAS_THREADS="x": expected a positive integer' },
  {
    env: { HPE_PROFILE: "medium" },
    args: ["train", "--dry-run"],
    message: 'HPE_PROFILE="medium": expected one of smoke, full',
  },
];
const settings = settingCases.map((c) => ({ ...c, result: hpe(c.args, c.env) }));
const FAIL: [string[], RegExp][] = [
  [
    ["eval", "--run", "no-such-run"],
    new RegExp(`^--run no-such-run: no run folder at ${path.join(runs, "no-such-run")} \\(list runs with`),
  ],
  [["export", "--run", "no-such-run", "--out", path.join(tmp, "x")], /^--run no-such-run: no run folder at /],
  [["runs", "--dir", path.join(tmp, "nowhere")], /^--dir .*nowhere: no such folder$/],
];
const failures = FAIL.map(([args, re]) => ({ args, re, result: hpe(args) }));

const COMMANDS = ["train", "eval", "export", "runs", "lift-images", "backend"];
const helps = COMMANDS.map((c) => ({ c, result: hpe([c, "--help"]), viaHelp: hpe(["help", c]) }));
const shortHelp = hpe(["runs", "-h"]);
const overview = hpe([]);
const dryRun = hpe([
  "train",
  "--config",
  "baseline",
  "--set",
  "lr=0.01",
  "--set",
  "sources=cmu",
  "--profile",
  "smoke",
  "--dry-run",
]);
const dryRunFile = hpe([
  "train",
  "--config",
  goodConfig,
  "--name",
  "mine",
  "--set",
  "betaSchedule=constant",
  "--dry-run",
]);
const helpWins = hpe(["train", "--model", "x", "--help"]);
const truncated = hpe(["train", "--config", truncatedConfig]);
const runsJson = hpe(["runs", "--json"]);
const runsText = hpe(["runs"]);
const runsBad = hpe(["runs", "--dir", badRuns, "--json"]);

// ---------- tests ----------

test("usage errors exit 2 with one line naming the mistake and the valid choices", async () => {
  for (const u of usage) {
    const r = await u.result;
    assert.equal(r.status, 2, `${u.args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, `hpe: ${u.message}\n`, u.args.join(" "));
    assert.equal(r.stdout, "", u.args.join(" "));
  }
});

test("a truncated --config file is a usage error naming the file", async () => {
  const r = await truncated;
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    new RegExp(`^hpe: --config ${truncatedConfig.replace(/[.]/g, "\\.")}: not valid JSON \\(.*\\)\\n$`),
  );
});

test("bad HPE_ settings exit 2 and say what the variable takes", async () => {
  for (const c of settings) {
    const r = await c.result;
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `hpe: ${c.message}\n`);
  }
});

test("failures (a missing run, a missing folder) exit 1 with one line", async () => {
  for (const f of failures) {
    const r = await f.result;
    assert.equal(r.status, 1, `${f.args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr.slice("hpe: ".length).trimEnd(), f.re);
  }
});

test("every command has --help (and help <command>), exit 0", async () => {
  for (const h of helps) {
    const r = await h.result,
      v = await h.viaHelp;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^usage: npm run hpe -- ${h.c} \\[flags\\]\\n`));
    assert.match(r.stdout, /--help +show this help/);
    assert.equal(v.stdout, r.stdout);
  }
  const train = (await helps[0].result).stdout;
  for (const key of Object.keys(CONFIG_SCHEMA.fields))
    assert.match(train, new RegExp(`^  ${key} +`, "m"), `train --help lists ${key}`);
  for (const p of ["beta-vae", "ae", "baseline"]) assert.match(train, new RegExp(`^  ${p} +`, "m"));
  assert.equal((await shortHelp).stdout, (await helps[3].result).stdout, "-h is --help");
  const o = await overview;
  assert.equal(o.status, 0);
  for (const c of [...COMMANDS, "help"]) assert.match(o.stdout, new RegExp(`^  ${c} +`, "m"));
  const hw = await helpWins;
  assert.equal(hw.status, 2, "an unknown flag is reported even next to --help");
});

test("train --dry-run prints the checked config: preset or file, then --set, profile and --name", async () => {
  const r = await dryRun;
  assert.equal(r.status, 0, r.stderr);
  // smoke profile: 2 epochs on every 10th frame, name with the profile (lib/train/config.ts PROFILE_OVERRIDES).
  const want = {
    ...DEFAULT_BASELINE_CONFIG,
    lr: 0.01,
    sources: ["cmu"],
    epochs: 2,
    trainEveryNth: 10,
    testEveryNth: 10,
    name: "baseline-smoke",
  };
  assert.deepEqual(JSON.parse(r.stdout), want);
  const f = await dryRunFile;
  assert.equal(f.status, 0, f.stderr);
  assert.deepEqual(JSON.parse(f.stdout), { ...DEFAULT_BASELINE_CONFIG, lr: 0.005, sources: ["cmu"], name: "mine" });
});

test("runs --json: differing hyper-parameters, epochs, last epoch of either metrics format, eval", async () => {
  const r = await runsJson;
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.dir, runs);
  assert.deepEqual(
    out.runs.map((x: { name: string }) => x.name),
    ["vae-a", "vae-b"],
  );
  const [a, b] = out.runs;
  assert.deepEqual(a.differs, { beta: 0.001 });
  assert.deepEqual(b.differs, { beta: 0.01 });
  assert.deepEqual(a.epochs, { done: 2, total: 2 });
  assert.deepEqual(a.last, {
    epoch: 2,
    step: 72,
    seconds: 10,
    samplesPerSec: 900,
    etaSeconds: 0,
    terms: { loss: 0.25, recon: 0.225, kl: 12.5 },
    values: { beta: 0.001, lr: 0.00099 },
    val: { p1: 120.5 },
  });
  assert.deepEqual(a.eval, { samples: 6466, p1: 118.75, p2: 80.5, bestOf: { 1: 118.75, 5: 99.5 } });
  assert.deepEqual(b.epochs, { done: 1, total: 2 });
  assert.deepEqual(b.last, {
    epoch: 1,
    step: 36,
    seconds: 9,
    samplesPerSec: 1000,
    etaSeconds: 9,
    terms: { loss: 0.75, recon: 0.5, kl: 25 },
    values: { beta: 0.01, lr: 0.001 },
    val: { p1: 160.5 },
  });
  assert.equal(b.eval, undefined);
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0].dir, path.join(runs, "broken"));
  assert.match(out.errors[0].message, /broken\/config\.json: not valid JSON/);
  assert.match(r.stderr, /^hpe runs: skipped .*broken: .*config\.json: not valid JSON/);
});

test("runs prints a table with a column per differing field", async () => {
  const r = await runsText;
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines[0], runs);
  assert.deepEqual(lines[1].split(/ {2,}/), ["run", "model", "epochs", "beta", "loss", "val P1", "test P1", "test P2"]);
  assert.deepEqual(lines[3].split(/ {2,}/), ["vae-a", "beta-vae", "2/2", "0.001", "0.2500", "120.5", "118.8", "80.5"]);
  assert.deepEqual(lines[4].split(/ {2,}/), ["vae-b", "beta-vae", "1/2", "0.01", "0.7500", "160.5"]);
});

test("runs names the file and line of a broken metrics.jsonl", async () => {
  const r = await runsBad;
  assert.equal(r.status, 0);
  const out = JSON.parse(r.stdout);
  assert.equal(out.runs.length, 0);
  assert.match(out.errors[0].message, /bad-metrics\/metrics\.jsonl line 3: not valid JSON/);
});

test("parseEpochLine reads the flat and the named-terms forms alike", () => {
  const old = parseEpochLine(JSON.stringify(flat(3, 0.5, 140)), "m line 1");
  const now = parseEpochLine(
    JSON.stringify({
      epoch: 3,
      step: 108,
      seconds: 10,
      samplesPerSec: 900,
      etaSeconds: 0,
      terms: { loss: 0.5, recon: 0.45, kl: 12.5 },
      values: { beta: 0.001, lr: 0.00099 },
      val: { p1: 140 },
    }),
    "m line 1",
  );
  assert.deepEqual(old, now);
  assert.throws(() => parseEpochLine('{"epoch": -3, "step": 1}', "m line 4"), {
    message: 'm line 4: field "epoch" must be an integer ≥ 1, got -3',
  });
  assert.throws(
    () => parseEpochLine('{"epoch": 1, "step": 1, "terms": {"loss": "x"}, "values": {}, "val": {}}', "m line 2"),
    { message: 'm line 2: field "terms".loss must be a number, got "x"' },
  );
});
