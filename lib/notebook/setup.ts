/**
 * One shared setup call opens every notebook (and every CLI command):
 * names the outputs, picks the compute backend, reads the profile, seeds, embeds plotly.
 *
 *   const nb = await setup({ notebook: "01_data", seed: 42 });
 */
import { initBackend, type BackendInfo } from "../backend/backend";
import { setNotebookName } from "../core/context";
import { inNotebook, showMarkdown } from "../viz/display";
import { packageVersion } from "../core/paths";
import { initPlotly } from "../viz/plot";
import { profileName, type ProfileName } from "../core/profile";
import { mulberry32, type Random } from "../core/rng";
import { dataDir } from "../core/paths";
import { describeData } from "../data/fetch";

export interface SetupOptions {
  /** Notebook name; outputs go to out/{figures,tables}/<notebook>/. */
  notebook: string;
  /** Seed for everything random in this notebook. */
  seed?: number;
}

export interface NotebookContext {
  notebook: string;
  seed: number;
  profile: ProfileName;
  backend: BackendInfo;
  /** A seeded generator for this notebook. */
  random: Random;
}

/** Versions of the packages that matter for reproducing results. */
export function versions(): Record<string, string> {
  const names = [
    "@tensorflow/tfjs",
    "@tensorflow/tfjs-backend-wasm",
    "@tensorflow/tfjs-node-gpu",
    "plotly.js-dist-min",
    "danfojs-node",
    "umap-js",
    "tslab",
    "playwright-core",
  ];
  const out: Record<string, string> = { node: process.version };
  for (const n of names) out[n] = packageVersion(n) ?? "not installed";
  return out;
}

export async function setup(opts: SetupOptions): Promise<NotebookContext> {
  setNotebookName(opts.notebook);
  const seed = opts.seed ?? 42;
  const profile = profileName();
  const backend = await initBackend();
  console.log(`[hpe3d] notebook ${opts.notebook}: profile ${profile}, seed ${seed}`);
  // Which data this notebook runs on (the report's header quotes this line).
  const data = describeData(dataDir());
  console.log(data.line);
  if (inNotebook()) {
    initPlotly();
    showMarkdown(
      `*${opts.notebook}* · profile **${profile}** · seed ${seed} · backend **${backend.choice}** (tfjs ${backend.tfjsVersion}${backend.kernels.length ? ", " + backend.kernels.join(", ") : ""})\n\n${data.line.replace(/^\[hpe3d\] /, "")}`,
    );
  }
  return { notebook: opts.notebook, seed, profile, backend, random: mulberry32(seed) };
}
