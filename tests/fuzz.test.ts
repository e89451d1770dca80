/**
 * Fuzz: seeded mutations of real BVH files (the shared data) and of .npy/.npz files written
 * here, through the loaders a user calls. Every case must end in success with finite output
 * or in an InputError naming the file, within 2 s of CPU and with the process under 1.5 GB.
 * The full campaign (thousands of cases): node --import tsx scripts/fuzz.ts --cases 5000.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { listBvhFiles } from "../lib/data/mocap";
import { makeCase, runCampaign, type CaseResult } from "./support/fuzz";
import { mocapDataDir, scratchDir } from "./helpers";

const CASES = 300;
const SEED = 20261129;
const MAX_CPU_MS = 2000;
const MAX_WALL_MS = 10_000;
const MAX_RSS_BYTES = 1.5 * 2 ** 30;

const data = mocapDataDir();
/** BVH sources: the shared files under 600 KB (the CI budget; the script uses all of them). */
const bvhFiles = data.skip
  ? []
  : ["cmu-mocap", "bandai-namco-motion"]
      .map((d) => path.join(data.dir, d))
      .filter((d) => fs.existsSync(d))
      .flatMap((d) => listBvhFiles(d))
      .filter((f) => fs.statSync(f).size < 600_000);

test("cases are reproducible: the same seed and index write the same bytes", () => {
  const a = scratchDir("fuzz-a"),
    b = scratchDir("fuzz-b");
  for (let i = 0; i < 20; i++) {
    const x = makeCase(SEED, i, a, bvhFiles),
      y = makeCase(SEED, i, b, bvhFiles);
    assert.equal(x.mutation, y.mutation);
    assert.ok(fs.readFileSync(x.file).equals(fs.readFileSync(y.file)), `case ${i} differs`);
  }
});

test(`${CASES} mutated files end in finite output or an InputError naming the file, within time and memory bounds`, {
  timeout: 120_000,
}, () => {
  if (!data.skip)
    assert.ok(bvhFiles.length >= 100, `expected the shared BVH files under 600 KB, found ${bvhFiles.length}`);
  const bad: string[] = [];
  const check = (r: CaseResult) => {
    const what = `case ${r.index} (${r.target} ${r.mutation})`;
    if (r.outcome === "untyped") bad.push(`${what}: untyped error ${r.message}`);
    if (r.outcome === "nonfinite") bad.push(`${what}: loaded with non-finite output`);
    if (r.cpuMs > MAX_CPU_MS || r.ms > MAX_WALL_MS)
      bad.push(`${what}: ${r.cpuMs.toFixed(0)} ms CPU, ${r.ms.toFixed(0)} ms wall`);
    if (r.maxRssBytes > MAX_RSS_BYTES) bad.push(`${what}: RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
  };
  const s = runCampaign({ seed: SEED, cases: CASES, dir: scratchDir("fuzz"), bvhFiles, onCase: check });
  assert.deepEqual(bad, []);
  assert.equal(s.ok + s.typed, CASES);
  // The mutations reach both endings for every target (else the campaign tests less than it claims).
  const targets = bvhFiles.length ? ["bvh", "npy", "npz3d", "npz2d"] : ["npy", "npz3d", "npz2d"];
  for (const t of targets) {
    const c = s.byTarget[t];
    assert.ok(c && c.ok > 0 && c.typed > 0, `${t}: ${JSON.stringify(c)}`);
  }
});
