/**
 * The full loader fuzz campaign: seeded mutations of the shared BVH files and of .npy/.npz
 * files written on the fly, each loaded with the loader a user would call. Prints a summary
 * table (cases, ok, typed errors, untyped errors, non-finite outputs, max ms, max RSS) and
 * exits 1 if any case ended in an untyped error, a non-finite output, or over the bounds.
 *
 *   node --import tsx scripts/fuzz.ts --cases 5000 [--seed 1] [--max-ms 2000] [--max-rss-mb 1536] [--keep]
 *
 * BVH sources: HPE_DATA_DIR's cmu-mocap/ and bandai-namco-motion/ (or data/). `--keep` keeps
 * the files of failing cases under out/fuzz/ for a bug report.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../lib/data/dataset";
import { listBvhFiles } from "../lib/data/mocap";
import { formatSummary, runCampaign } from "../tests/support/fuzz";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`fuzz: --${name} expects a non-negative integer, got ${JSON.stringify(process.argv[i + 1] ?? null)}`);
    process.exit(2);
  }
  return v;
}

const cases = arg("cases", 5000),
  seed = arg("seed", 1),
  maxMs = arg("max-ms", 2000),
  maxRssMb = arg("max-rss-mb", 1536);
const keep = process.argv.includes("--keep");
const root = dataDir();
const bvhFiles = ["cmu-mocap", "bandai-namco-motion"]
  .map((d) => path.join(root, d))
  .filter((d) => fs.existsSync(d))
  .flatMap((d) => listBvhFiles(d));
if (!bvhFiles.length) console.error(`fuzz: no BVH files under ${root} (set HPE_DATA_DIR); running npy/npz cases only`);
const dir = path.resolve("out", "fuzz");
fs.rmSync(dir, { recursive: true, force: true });
console.log(`fuzz: ${cases} cases, seed ${seed}, ${bvhFiles.length} BVH sources, files in ${dir}`);
const slow: string[] = [];
const t0 = Date.now();
const summary = runCampaign({
  seed,
  cases,
  dir,
  bvhFiles,
  keepFailures: keep,
  onCase: (r) => {
    if (r.cpuMs > maxMs)
      slow.push(
        `case ${r.index} (${r.target} ${r.mutation}): ${r.cpuMs.toFixed(0)} ms CPU, ${r.ms.toFixed(0)} ms wall`,
      );
    if ((r.index + 1) % 500 === 0)
      console.log(`  ${r.index + 1}/${cases} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  },
});
console.log(formatSummary(summary));
console.log(`total: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
for (const f of summary.failures.slice(0, 20))
  console.log(`FAIL ${f.outcome} case ${f.index} ${f.target} ${f.mutation}: ${f.message ?? "(non-finite output)"}`);
for (const s of slow.slice(0, 20)) console.log(`SLOW ${s}`);
const overRss = summary.maxRssBytes > maxRssMb * 2 ** 20;
if (overRss) console.log(`OVER MEMORY: max RSS ${(summary.maxRssBytes / 2 ** 20).toFixed(0)} MiB > ${maxRssMb} MiB`);
process.exit(summary.untyped || summary.nonfinite || slow.length || overRss ? 1 : 0);
