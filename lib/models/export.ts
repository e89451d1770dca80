/**
 * Export a trained lifter in TF.js layers format (model.json + weights.bin), with the
 * normalization statistics beside it, and load it back for inference. Files are written
 * atomically. The exported graph maps normalized 2D inputs to normalized 3D outputs; the
 * statistics in `normalization.json` convert to and from pixels and mm.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic, writeJsonAtomic } from "../core/io";
import type { Lifter } from "./lifter";
import { statsToJson, type NormStats } from "../data/preprocess";

export async function exportLifter(
  lifter: Lifter,
  stats: NormStats,
  dir: string,
  meta: Record<string, unknown> = {},
): Promise<string[]> {
  const model = lifter.toLayersModel();
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      writeFileAtomic(path.join(dir, "weights.bin"), weights);
      writeJsonAtomic(path.join(dir, "model.json"), {
        modelTopology: artifacts.modelTopology,
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: "hpe3d",
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      });
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.byteLength },
      };
    }),
  );
  model.dispose();
  writeJsonAtomic(path.join(dir, "normalization.json"), { ...statsToJson(stats), ...meta });
  return ["model.json", "weights.bin", "normalization.json"].map((f) => path.join(dir, f));
}

/** Load an exported lifter (from a folder written by exportLifter). */
export async function loadExportedLifter(dir: string): Promise<tf.LayersModel> {
  const json = path.join(dir, "model.json");
  if (!fs.existsSync(json))
    throw new Error(`${dir}: no model.json (expected a folder written by \`npm run hpe -- export\`)`);
  const m = JSON.parse(fs.readFileSync(json, "utf8"));
  const spec = m.weightsManifest?.[0];
  if (!spec) throw new Error(`${json}: no weightsManifest`);
  const bin = fs.readFileSync(path.join(dir, spec.paths[0]));
  return await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: m.modelTopology,
      weightSpecs: spec.weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
}
