/**
 * Prints the loss curve of 25 Martinez-baseline steps (batch norm, dropout 0.5, residual
 * blocks, max-norm) on fixed data, for comparing kernel paths. HIDDEN sets the width.
 */
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend } from "../../lib/backend/backend";
import { Lifter } from "../../lib/models/lifter";
import { Adam } from "../../lib/nn/optim";
import { mulberry32, normal } from "../../lib/core/rng";
import { trainStep } from "../../lib/train/train";

const b = await initBackend({ quiet: true });
const hidden = Number(process.env.HIDDEN ?? 256);
const r = mulberry32(3);
const x = tf.tensor2d(Float32Array.from({ length: 128 * 32 }, () => normal(r)), [128, 32]);
const y = tf.tensor2d(Float32Array.from({ length: 128 * 48 }, () => normal(r)), [128, 48]);
const m = new Lifter({ kind: "baseline", inputDim: 32, outputDim: 48, hidden, layers: 5, latentDim: 0, residual: true, batchNorm: true, dropout: 0.5 }, 11);
const adam = new Adam(m.trainable());
const losses: number[] = [];
const tensors0 = tf.memory().numTensors;
for (let s = 0; s < 25; s++) {
  const t = trainStep(m, adam, x, y, { beta: 0, lr: 1e-3, stepSeed: s, maxNorm: 1 });
  losses.push(t.total.dataSync()[0]);
  tf.dispose([t.total, t.recon, t.kl]);
}
const moving = Array.from(m.variables().at(-1)!.dataSync().slice(0, 8));
console.log(JSON.stringify({ backend: describeBackend(b), losses, moving, leaked: tf.memory().numTensors - tensors0 }));
