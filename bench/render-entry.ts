/**
 * Bench entry proposal: the image modality's throughput (lib/data/render.ts), one core.
 *   node --import tsx bench/render-entry.ts [--quick]
 * To wire into bench/entries.ts: `render: () => renderBench(quick)` in ENTRIES. Renders batches of 64
 * real poses (CMU mocap through virtual H36M cameras, training split) at 64 px, the size the crossmodal
 * VAE trains on, and notes the 128 px rate. Reports images/s at the best (min) and median repeat.
 */
import { captureMocap, loadMocap } from "../lib/data/dataset";
import { renderBatch } from "../lib/data/render";
import { mulberry32, sampleIndices } from "../lib/core/rng";

export interface RenderBenchResult {
  entry: string;
  unit: string;
  best: number;
  median: number;
  repeats: number;
  notes?: string;
}

/**
 * Images/s by wall clock (best and median repeat) and by this process's CPU time over all repeats
 * (the steadier number on a shared machine).
 */
function rates(
  size: number,
  set: ReturnType<typeof captureMocap>,
  batch: number,
  per: number,
  repeats: number,
): { best: number; median: number; perCpuS: number } {
  const r = mulberry32(size);
  const batches = Array.from({ length: per * repeats + 3 }, () => sampleIndices(set.n, batch, r));
  for (let s = 0; s < 3; s++) renderBatch(set, batches[s], { size }, s); // warm-up (JIT)
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let q = 0; q < repeats; q++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) renderBatch(set, batches[3 + q * per + s], { size }, 1000 + q * per + s);
    ms.push((performance.now() - t0) / (per * batch));
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  const perCpuS = (repeats * per * batch) / ((cpu.user + cpu.system) / 1e6);
  return { best: 1000 / ms[0], median: 1000 / ms[Math.floor(ms.length / 2)], perCpuS };
}

export async function renderBench(quick = false): Promise<RenderBenchResult> {
  const set = captureMocap(loadMocap({ sources: ["cmu"] }), "train", { everyNth: 4 });
  const batch = 64,
    per = quick ? 5 : 20,
    repeats = quick ? 3 : 5;
  const r64 = rates(64, set, batch, per, repeats),
    r128 = rates(128, set, batch, per, repeats);
  return {
    entry: "render-64px",
    unit: "images/s (one core)",
    best: r64.best,
    median: r64.median,
    repeats,
    notes:
      `batches of ${batch} from ${set.n.toLocaleString("en")} CMU training poses, signed [-1, 1] RGB; ` +
      `${r64.perCpuS.toFixed(0)} images per CPU second; ` +
      `128 px: ${r128.best.toFixed(0)} images/s best, ${r128.median.toFixed(0)} median, ${r128.perCpuS.toFixed(0)} per CPU second`,
  };
}

if (process.argv[1]?.endsWith("render-entry.ts")) {
  renderBench(process.argv.includes("--quick")).then(
    (r) => console.log(JSON.stringify({ ...r, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })),
    (e) => {
      console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
