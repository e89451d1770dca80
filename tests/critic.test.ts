import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { Critic, criticStep } from "../lib/models/critic";
import { Adam } from "../lib/nn/optim";
import { mulberry32, normal } from "../lib/core/rng";

await initBackend({ quiet: true });
const randn = (n: number, seed: number) => { const r = mulberry32(seed); return Float32Array.from({ length: n }, () => normal(r)); };

test("the gradient penalty's gradient (second order, through leaky ReLU) matches finite differences", () => {
  const c = new Critic({ inputDim: 5, hidden: 7, layers: 2, leak: 0.2 }, 3);
  const xHat = tf.tensor2d(randn(4 * 5, 1), [4, 5]);
  // The penalty itself: ∇ₓ D by autodiff vs central differences in x.
  const gx = tf.grad((x: tf.Tensor) => tf.sum(c.apply(x as tf.Tensor2D)))(xHat).arraySync() as number[][];
  const xs = xHat.arraySync() as number[][];
  const D = (x: number[][]) => tf.tidy(() => tf.sum(c.apply(tf.tensor2d(x))).dataSync()[0]);
  for (const [i, j] of [[0, 0], [2, 3], [3, 4]]) {
    const h = 1e-3, up = xs.map((r) => r.slice()), dn = xs.map((r) => r.slice());
    up[i][j] += h; dn[i][j] -= h;
    assert.ok(Math.abs((D(up) - D(dn)) / (2 * h) - gx[i][j]) < 2e-3, `∂D/∂x[${i}][${j}]`);
  }
  // d(penalty)/dθ by autodiff (a gradient of a gradient) vs central differences in θ.
  const P = () => c.gradientPenalty(xHat, 10);
  const { grads } = tf.variableGrads(P, c.trainable());
  const r = mulberry32(9);
  for (const v of c.trainable()) {
    const vals = v.dataSync().slice();
    const k = Math.floor(r() * vals.length), h = 1e-3;
    const at = (d: number) => { const w = vals.slice(); w[k] += d; v.assign(tf.tensor(w, v.shape)); return P().dataSync()[0]; };
    const fd = (at(h) - at(-h)) / (2 * h);
    v.assign(tf.tensor(vals, v.shape));
    // Biases that only shift D have no effect on ∇ₓD: TF.js returns no gradient for them.
    const ad = grads[v.name] ? grads[v.name].dataSync()[k] : 0;
    assert.ok(Math.abs(fd - ad) <= 5e-3 + 2e-2 * Math.abs(ad), `${v.name}[${k}]: finite difference ${fd} vs autodiff ${ad}`);
  }
  c.dispose();
});

test("critic steps leak no tensors and separate real from fake", () => {
  const c = new Critic({ inputDim: 48, hidden: 64, layers: 3, leak: 0.2 }, 1);
  const adam = new Adam(c.trainable());
  const real = tf.add(tf.tensor2d(randn(64 * 48, 2), [64, 48]), 1) as tf.Tensor2D, fake = tf.tensor2d(randn(64 * 48, 3), [64, 48]);
  const counts: number[] = [], w: number[] = [];
  for (let s = 0; s < 40; s++) {
    const r = criticStep(c, adam, real, fake, { lambda: 10, lr: 1e-3, seed: s });
    w.push(r.wasserstein.dataSync()[0]);
    tf.dispose([r.loss, r.penalty, r.wasserstein]);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[39], counts[2]);
  assert.ok(w[39] > w[0] + 0.5, `the Wasserstein estimate grows as the critic learns: ${w[0]} → ${w[39]}`);
  adam.dispose();
  c.dispose();
});
