/**
 * Trains the three lifter presets in the smoke profile at their fixed seeds and prints
 * every number that must not change when the code is reorganized: the per-epoch loss
 * terms and validation P1, and the test-split P1/P2. Used by tests/pinned.test.ts; the
 * reference lives in tests/fixtures/pinned-smoke-metrics.json (recorded before lib/ moved).
 *   node --import tsx tests/support/pinned-metrics.ts <runsDir>
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { initBackend } from "../../lib/backend/backend";
import { DEFAULT_AE_CONFIG, DEFAULT_BASELINE_CONFIG, DEFAULT_VAE_CONFIG, withProfile } from "../../lib/train/config";
import { evaluateLifter } from "../../lib/eval/evaluate";
import { experimentData } from "../../lib/data/experiment";
import { trainRun } from "../../lib/train/lifter-run";

const runsDir = process.argv[2];
if (!runsDir) throw new Error("usage: pinned-metrics.ts <runsDir>");
const backend = await initBackend({ quiet: true });
const out: Record<string, unknown> = {};
for (const preset of [DEFAULT_VAE_CONFIG, DEFAULT_AE_CONFIG, DEFAULT_BASELINE_CONFIG]) {
  const cfg = withProfile(preset, "smoke");
  const d = experimentData(cfg);
  const r = await trainRun(
    cfg,
    { train: d.trainN, val: { x: d.valN, set: d.val }, stats: d.stats },
    { runsDir, verbose: false },
  );
  const ev = evaluateLifter(r.lifter, r.stats, d.test, { seed: cfg.seed, name: cfg.name });
  out[preset.name] = {
    epochs: r.history.map((h) => ({
      epoch: h.epoch,
      step: h.step,
      loss: h.terms.loss,
      recon: h.terms.recon ?? h.terms.loss,
      kl: h.terms.kl ?? 0,
      valMpjpe: h.val.p1,
    })),
    test: {
      samples: ev.samples,
      p1: ev.p1.actionWise,
      p2: ev.p2.actionWise,
      p1FrameWise: ev.p1.frameWise,
      p2FrameWise: ev.p2.frameWise,
    },
  };
  r.lifter.dispose();
}
const machine = {
  cpu: os.cpus()[0]?.model ?? "?",
  ...cpuGeneration(),
  cores: os.cpus().length,
  kernels: backend.kernels,
  backend: backend.choice,
};
console.log(JSON.stringify({ machine, metrics: out }, null, 1));

/**
 * The CPU generation: "AMD EPYC" alone names several (Zen 3 to Zen 5), whose OpenBLAS kernels sum in
 * other orders (AVX-512 or not). Linux's /proc/cpuinfo family and model; "?" elsewhere.
 */
function cpuGeneration(): { cpuFamily: string; cpuModel: string; avx512: boolean } {
  let info = "";
  try {
    info = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return { cpuFamily: "?", cpuModel: "?", avx512: false };
  }
  const field = (name: string) => info.match(new RegExp(`^${name}\\s*: (.*)$`, "m"))?.[1].trim() ?? "?";
  return { cpuFamily: field("cpu family"), cpuModel: field("model"), avx512: /\bavx512f\b/.test(field("flags")) };
}
