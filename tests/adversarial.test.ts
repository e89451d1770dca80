import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import {
  bceWithLogits,
  clipWeights,
  discriminatorLoss,
  gradientPenalty,
  gradientPenaltyAt,
  interpolate,
  nonSaturatingGeneratorLoss,
  stableSoftplus,
  wassersteinEstimate,
  wassersteinGeneratorLoss,
} from "../lib/nn/adversarial";

await initBackend({ quiet: true });
const val = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

test("BCE on logits is the closed form and stays finite for huge logits", () => {
  const start = tf.memory().numTensors;
  const l = tf.tensor1d([-3, -0.5, 0, 2, 6]);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const xs = [-3, -0.5, 0, 2, 6];
  const real = xs.reduce((s, x) => s - Math.log(sig(x)), 0) / 5,
    fake = xs.reduce((s, x) => s - Math.log(1 - sig(x)), 0) / 5;
  assert.ok(Math.abs(val(bceWithLogits(l, 1)) - real) < 1e-5);
  assert.ok(Math.abs(val(bceWithLogits(l, 0)) - fake) < 1e-5);
  assert.ok(Math.abs(val(nonSaturatingGeneratorLoss(l)) - real) < 1e-5);
  const zero = tf.zeros([4]) as tf.Tensor1D;
  assert.ok(Math.abs(val(discriminatorLoss(zero, zero)) - 2 * Math.log(2)) < 1e-6);
  const big = tf.tensor1d([-200, 200]);
  assert.deepEqual(Array.from(tf.tidy(() => stableSoftplus(big).dataSync())), [0, 200]);
  assert.ok(Math.abs(val(bceWithLogits(big, 1)) - 100) < 1e-4, "−log σ(−200) = 200, −log σ(200) = 0");
  tf.dispose([l, zero, big]);
  assert.equal(tf.memory().numTensors, start);
});

test("Wasserstein terms, and the gradient penalty of a linear critic is λ(‖w‖ − 1)² exactly", () => {
  const start = tf.memory().numTensors;
  const r = tf.tensor1d([1, 2, 3]),
    f = tf.tensor1d([0, 0, 3]);
  assert.ok(Math.abs(val(wassersteinEstimate(r, f)) - 1) < 1e-6);
  assert.ok(Math.abs(val(wassersteinGeneratorLoss(f)) + 1) < 1e-6);
  const w = tf.tensor2d([[3], [4]]); // ‖w‖ = 5
  const score = (x: tf.Tensor2D) => tf.reshape(tf.matMul(x, w), [-1]) as tf.Tensor1D;
  const real = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
    fake = tf.tensor2d([
      [0, 0],
      [1, 1],
      [-1, 2],
    ]);
  assert.ok(Math.abs(val(gradientPenalty(score, real, fake, { lambda: 10, seed: 1 })) - 160) < 1e-3);
  assert.ok(Math.abs(val(gradientPenaltyAt(score, real, 2)) - 32) < 1e-4);
  // Interpolates lie on the segments, with one ε per sample, reproducibly.
  const a = interpolate(real, fake, 7),
    b = interpolate(real, fake, 7);
  assert.deepEqual(a.arraySync(), b.arraySync());
  const x = a.arraySync(),
    R = real.arraySync(),
    F = fake.arraySync();
  x.forEach((row, i) => {
    const eps = (row[0] - F[i][0]) / (R[i][0] - F[i][0]);
    assert.ok(eps >= 0 && eps <= 1);
    assert.ok(Math.abs(row[1] - (eps * R[i][1] + (1 - eps) * F[i][1])) < 1e-5, `sample ${i} uses one ε`);
  });
  const wrong = tf.zeros([3, 3]) as tf.Tensor2D;
  assert.throws(() => interpolate(real, wrong, 1), /same shape/);
  tf.dispose([r, f, w, real, fake, a, b, wrong]);
  assert.equal(tf.memory().numTensors, start);
});

test("clipWeights bounds every entry and leaves the small ones", () => {
  const v = tf.variable(tf.tensor1d([-1, -0.005, 0.003, 0.5]));
  clipWeights([v], 0.01);
  assert.deepEqual(Array.from(v.dataSync()), Array.from(Float32Array.of(-0.01, -0.005, 0.003, 0.01)));
  assert.throws(() => clipWeights([v], 0), /must be > 0/);
  v.dispose();
});
