/** Prints the loss curve of 25 thesis β-VAE steps on fixed data, for comparing kernel paths. */
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend } from "../../lib/backend/backend";
import { fitBatch } from "../../lib/models/supervised";
import { createLifter } from "../../lib/models/registry";
import { mulberry32, normal } from "../../lib/core/rng";

const b = await initBackend({ quiet: true });
const r = mulberry32(1);
const x = tf.tensor2d(
  Float32Array.from({ length: 256 * 32 }, () => normal(r)),
  [256, 32],
);
const y = tf.tensor2d(
  Float32Array.from({ length: 256 * 48 }, () => normal(r)),
  [256, 48],
);
const m = createLifter(
  "beta-vae",
  {
    inputDim: 32,
    outputDim: 48,
    hidden: 512,
    layers: 5,
    latentDim: 100,
    residual: false,
    batchNorm: false,
    dropout: 0,
    maxNorm: 0,
  },
  7,
);
const losses: number[] = [];
for (let s = 0; s < 25; s++) {
  const t = fitBatch(m, { x, y }, { beta: 1e-3, lr: 1e-3, seed: s });
  losses.push(t.loss.dataSync()[0]);
  tf.dispose(Object.values(t));
}
console.log(JSON.stringify({ backend: describeBackend(b), losses }));
