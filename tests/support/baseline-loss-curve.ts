/**
 * Prints the loss curve of 25 Martinez-baseline steps (batch norm, dropout 0.5, residual
 * blocks, max-norm) on fixed data, for comparing kernel paths. HIDDEN sets the width.
 */
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend } from "../../lib/backend/backend";
import { BaselineLifter } from "../../lib/models/baseline";
import { fitBatch } from "../../lib/models/supervised";
import { mulberry32, normal } from "../../lib/core/rng";

const b = await initBackend({ quiet: true });
const hidden = Number(process.env.HIDDEN ?? 256);
const r = mulberry32(3);
const x = tf.tensor2d(
  Float32Array.from({ length: 128 * 32 }, () => normal(r)),
  [128, 32],
);
const y = tf.tensor2d(
  Float32Array.from({ length: 128 * 48 }, () => normal(r)),
  [128, 48],
);
const m = new BaselineLifter(
  {
    inputDim: 32,
    outputDim: 48,
    hidden,
    layers: 5,
    latentDim: 0,
    residual: true,
    batchNorm: true,
    dropout: 0.5,
    maxNorm: 1,
  },
  11,
);
const losses: number[] = [];
const tensors0 = tf.memory().numTensors;
for (let s = 0; s < 25; s++) {
  const t = fitBatch(m, { x, y }, { beta: 0, lr: 1e-3, seed: s });
  losses.push(t.loss.dataSync()[0]);
  tf.dispose(Object.values(t));
}
const moving = Array.from(m.net.variables().at(-1)?.dataSync().slice(0, 8) ?? []);
console.log(JSON.stringify({ backend: describeBackend(b), losses, moving, leaked: tf.memory().numTensors - tensors0 }));
