/**
 * `npm run bench`: the benchmark suite. Each entry runs in its own process (peak RSS is
 * its own), repeats its unit and reports the best and median rate.
 * The machine's limit is measured in the same run: `sgemm-limit` (the GFLOP/s of the
 * matrix product in use at training's shapes) runs before and after the other entries and
 * the higher value is the limit; each training entry also times the dense products between
 * its own repeats (robust to the load of a shared machine) and the higher of the two is its
 * limit. Every training entry prints its GFLOP/s (FLOPs from its layer shapes) and its
 * share of that limit. The β-VAE step is also measured under every
 * approach tried and compared with the numpy/OpenBLAS reference (HPE_REF_BENCH, default
 * ../shared/bench/limit_vae.py beside the project: the same β-VAE step written in numpy), run
 * right before and right after it (the ratio uses their mean).
 * Prints a table and writes out/bench/bench-<time>.json and out/bench/latest.json.
 *
 *   npm run bench [-- --backend wasm|cpu|node|node-gpu] [--quick] [--entries vae-step,bvh] [--no-compare]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeJsonAtomic } from "../lib/core/io";
import { outDir } from "../lib/core/paths";
import { setting } from "../lib/core/settings";

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const backend = opt("backend");
const entries = (
  opt("entries") ??
  "vae-step,baseline-step,critic-gp-step,crossmodal-cnn-step,crossmodal-decoder-step,conv-epoch-memory,render,metrics,umap,bvh,export,dataset-1.5m,vae-epoch-memory"
).split(",");
const TRAINING = new Set(["vae-step", "baseline-step", "crossmodal-cnn-step", "crossmodal-decoder-step"]);

interface Row {
  entry: string;
  approach: string;
  unit: string;
  best: number;
  median: number;
  gflops?: number;
  gflopsMedian?: number;
  limitGflops?: number;
  share?: number;
  shareMedian?: number;
  peakRssMb?: number;
  backend?: string;
  notes?: string;
  ratio?: number;
  error?: string;
}

function runEntry(entry: string, env: Record<string, string>, approach: string): Row {
  const r = spawnSync("node", ["--import", "tsx", "bench/entries.ts", entry, ...(quick ? ["--quick"] : [])], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 1_800_000,
  });
  const line = r.stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .at(-1);
  if (r.status !== 0 || !line)
    return {
      entry,
      approach,
      unit: "",
      best: NaN,
      median: NaN,
      error: (r.stderr || r.stdout).trim().split("\n").at(-1),
    };
  return { approach, ...JSON.parse(line) };
}

function reference(threads: number): { samplesPerSec: number; gflops: number } | string {
  const script = setting("HPE_REF_BENCH") ?? path.resolve("..", "shared", "bench", "limit_vae.py");
  if (!fs.existsSync(script)) return `reference ${script} not found (set HPE_REF_BENCH)`;
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, [script], {
      encoding: "utf8",
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    });
    const m = /([\d.]+) samples\/s.*?([\d.]+) GFLOP\/s/.exec(r.stdout);
    if (r.status === 0 && m) return { samplesPerSec: Number(m[1]), gflops: Number(m[2]) };
  }
  return "the numpy reference did not run (needs python3 with numpy: apt-get install python3-numpy)";
}

const rows: Row[] = [];
const base: Record<string, string> = backend ? { HPE_BACKEND: backend } : {};
console.log(
  `[bench] ${quick ? "quick" : "full"} run; entries ${entries.join(", ")}${backend ? `; backend ${backend}` : ""}`,
);
const ref2 = reference(2),
  ref1 = reference(1);
const trainingRun = entries.some((e) => TRAINING.has(e));
const limits: Row[] = [];
const measureLimit = (when: string) => {
  const r = runEntry("sgemm-limit", base, `${backend ?? "default (best available)"}, ${when}`);
  limits.push(r);
  rows.push(r);
  console.log(
    `[bench] sgemm limit (${when}): ${r.error ? `FAILED: ${r.error}` : `${r.best.toFixed(0)} GFLOP/s (median ${r.median.toFixed(0)}); ${r.notes}`}`,
  );
};
if (trainingRun) measureLimit("before");
for (const e of entries) {
  const vae = e.startsWith("vae-step");
  const adjacent = vae ? [reference(2)] : [];
  const r = runEntry(e, base, backend ?? "default (best available)");
  if (vae) {
    adjacent.push(reference(2));
    const ok = adjacent.filter((x): x is { samplesPerSec: number; gflops: number } => typeof x !== "string");
    if (ok.length) {
      const mean = ok.reduce((s, x) => s + x.samplesPerSec, 0) / ok.length;
      r.ratio = r.best / mean;
      r.notes = `${r.notes ?? ""}; numpy (2 threads) right before/after: ${ok.map((x) => Math.round(x.samplesPerSec)).join("/")} samples/s`;
    }
  }
  rows.push(r);
  console.log(
    `[bench] ${e}: ${r.error ? `FAILED: ${r.error}` : `${Math.round(r.best)} ${r.unit} (median ${Math.round(r.median)})${r.gflops ? `, ${r.gflops.toFixed(1)} GFLOP/s` : ""}${r.ratio ? `, ${r.ratio.toFixed(2)}× numpy` : ""}`}`,
  );
}
if (trainingRun) measureLimit("after");
// The limit of a training row: the best of the separate sgemm-limit runs and of the dense
// products timed between the row's own repeats (same process and moments of load).
const limit = Math.max(0, ...limits.filter((l) => !l.error).map((l) => l.best));
const shareOf = (r: Row) => {
  const l = Math.max(limit, r.limitGflops ?? 0);
  if (!r.gflops || l <= 0 || r.entry === "sgemm-limit") return;
  r.share = r.gflops / l;
  if (r.gflopsMedian) r.shareMedian = r.gflopsMedian / l;
};
rows.forEach(shareOf);
if (!argv.includes("--no-compare") && entries.includes("vae-step")) {
  const approaches: [string, Record<string, string>][] = [
    ["tfjs-cpu", { HPE_BACKEND: "cpu", BENCH_STEPS: "1", BENCH_REPEATS: "3" }],
    [
      "wasm as shipped",
      { HPE_BACKEND: "wasm", HPE_BLAS: "0", HPE_WASM_FIX: "0", BENCH_STEPS: quick ? "2" : "5", BENCH_REPEATS: "3" },
    ],
    ["wasm + transposed-matmul fix (pure TF.js)", { HPE_BACKEND: "wasm", HPE_BLAS: "0" }],
    ["wasm + OpenBLAS kernels, 1 thread", { HPE_BACKEND: "wasm", HPE_BLAS_THREADS: "1" }],
    ["wasm + OpenBLAS kernels, 2 threads", { HPE_BACKEND: "wasm", HPE_BLAS_THREADS: "2" }],
  ];
  for (const [name, env] of approaches) {
    const r = runEntry("vae-step", env, name);
    // Same thread count on both sides: 1-thread kernels against 1-thread numpy, else 2 against 2.
    const ref = env.HPE_BLAS_THREADS === "1" ? ref1 : ref2;
    if (typeof ref !== "string") r.ratio = r.best / ref.samplesPerSec;
    shareOf(r);
    rows.push(r);
    console.log(
      `[bench] vae-step, ${name}: ${r.error ? `FAILED: ${r.error}` : `${Math.round(r.best)} samples/s, ${r.gflops?.toFixed(1)} GFLOP/s${r.ratio ? `, ${r.ratio.toFixed(2)}× numpy` : ""}`}`,
    );
  }
}

const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s.padEnd(n));
console.log(
  `\nsgemm limit (the matrix product in use at training's shapes, best of before/after): ${limit ? `${limit.toFixed(0)} GFLOP/s` : "not measured"}; each training row also times the dense sets between its repeats (column "limit") and divides by the higher`,
);
console.log(
  "\n" +
    [
      pad("entry", 24),
      pad("approach", 44),
      pad("best", 10),
      pad("median", 10),
      pad("unit", 26),
      pad("GFLOP/s", 8),
      pad("limit", 6),
      pad("× sgemm", 12),
      pad("× numpy", 8),
      pad("peak RSS", 9),
    ].join(" "),
);
for (const r of rows) {
  const share = r.share ? `${r.share.toFixed(2)}${r.shareMedian ? ` (${r.shareMedian.toFixed(2)})` : ""}` : "";
  console.log(
    [
      pad(r.entry, 24),
      pad(r.approach, 44),
      pad(r.error ? "error" : Math.round(r.best).toString(), 10),
      pad(r.error ? "" : Math.round(r.median).toString(), 10),
      pad(r.unit, 26),
      pad(r.gflops ? r.gflops.toFixed(1) : "", 8),
      pad(r.limitGflops ? r.limitGflops.toFixed(0) : "", 6),
      pad(share, 12),
      pad(r.ratio ? r.ratio.toFixed(2) : "", 8),
      pad(r.peakRssMb ? `${r.peakRssMb} MB` : "", 9),
    ].join(" "),
  );
}
console.log(
  "× sgemm: GFLOP/s (matrix-product and convolution FLOPs from the layer shapes) over the sgemm limit; best (median).",
);
const refText = (r: typeof ref2, t: number) =>
  typeof r === "string"
    ? `numpy reference (${t} thread${t > 1 ? "s" : ""}): ${r}`
    : `numpy reference (${t} thread${t > 1 ? "s" : ""}): ${Math.round(r.samplesPerSec)} samples/s, ${r.gflops} GFLOP/s`;
console.log(`\n${refText(ref2, 2)}\n${refText(ref1, 1)}`);
const report = {
  date: new Date().toISOString(),
  quick,
  backend: backend ?? "default",
  sgemmLimitGflops: limit || undefined,
  reference: { twoThreads: ref2, oneThread: ref1 },
  rows,
};
const dir = outDir("bench");
writeJsonAtomic(path.join(dir, `bench-${report.date.replace(/[:.]/g, "-")}.json`), report);
writeJsonAtomic(path.join(dir, "latest.json"), report);
console.log(`[bench] wrote ${path.relative(process.cwd(), path.join(dir, "latest.json"))}`);
if (rows.some((r) => r.error)) process.exitCode = 1;
