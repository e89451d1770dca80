/**
 * Gradient-norm clipping in `minimize` (lib/nn/optim.ts): on a two-variable model whose
 * gradient is known by hand, clipping scales the update by clipNorm / ‖∇‖, a norm under the
 * limit and clipping off leave it exactly as it was, and the reported norm is the one before
 * clipping. Plain gradient descent is the optimizer, so the update is −lr · (clipped gradient).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { minimize, type Optimizer } from "../lib/nn/optim";
import { supervisedStep } from "../lib/models/supervised";

await initBackend({ quiet: true });

/** p ← p − lr·g: the update is the gradient itself, scaled. */
class Sgd implements Optimizer {
  iterations = 0;
  constructor(readonly params: tf.Variable[]) {}
  apply(grads: tf.Tensor[], lr: number): void {
    this.iterations++;
    tf.tidy(() => grads.forEach((g, i) => this.params[i].assign(tf.sub(this.params[i], tf.mul(g, lr)))));
  }
  stateVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {}
}

/**
 * loss(w1, w2) = 3·w1[0] + 0·w1[1] + 4·w2[0]: ∇w1 = [3, 0], ∇w2 = [4], global norm √(9 + 16) = 5,
 * whatever the weights. Returns the weights after one step at lr 0.1 and the reported norm.
 */
function oneStep(clipNorm?: number): { w1: number[]; w2: number[]; gradNorm: number } {
  const [w1, w2] = tf.tidy(() => [
    tf.variable(tf.tensor1d([1, 2]), true, `optim-test-w1-${clipNorm}`),
    tf.variable(tf.tensor1d([5]), true, `optim-test-w2-${clipNorm}`),
  ]);
  const c1 = tf.tensor1d([3, 0]),
    c2 = tf.tensor1d([4]);
  const r = minimize(
    new Sgd([w1, w2]),
    0.1,
    () => ({ loss: tf.add(tf.sum(tf.mul(w1, c1)), tf.sum(tf.mul(w2, c2))) as tf.Scalar }),
    clipNorm,
  );
  const out = { w1: Array.from(w1.dataSync()), w2: Array.from(w2.dataSync()), gradNorm: r.gradNorm.dataSync()[0] };
  tf.dispose([w1, w2, c1, c2, ...Object.values(r)]);
  return out;
}

const close = (a: number[], b: number[], what: string) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6, `${what}[${i}]: ${v} vs ${b[i]}`));

test("clipping scales the update by clipNorm / ‖∇‖; off, or under the limit, leaves it unchanged", () => {
  const before = tf.memory().numTensors;
  const off = oneStep();
  // Unclipped: w − 0.1·∇ = [1 − 0.3, 2 − 0], [5 − 0.4].
  close(off.w1, [0.7, 2], "off w1");
  close(off.w2, [4.6], "off w2");
  assert.ok(Math.abs(off.gradNorm - 5) < 1e-6, `gradNorm ${off.gradNorm}`);
  // Clipped at 1: ∇ · 1/5 = [0.6, 0], [0.8]; w − 0.1·that = [0.94, 2], [4.92].
  const clipped = oneStep(1);
  close(clipped.w1, [0.94, 2], "clip 1 w1");
  close(clipped.w2, [4.92], "clip 1 w2");
  assert.ok(Math.abs(clipped.gradNorm - 5) < 1e-6, "the reported norm is the one before clipping");
  // Clipped at 2.5: half the gradient.
  const half = oneStep(2.5);
  close(half.w1, [0.85, 2], "clip 2.5 w1");
  close(half.w2, [4.8], "clip 2.5 w2");
  // Under the limit (5 ≤ 10) and at it (5 ≤ 5): bit for bit the unclipped step.
  for (const c of [10, 5, 0]) {
    const same = oneStep(c);
    assert.deepEqual([same.w1, same.w2], [off.w1, off.w2], `clipNorm ${c}`);
  }
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
});

test("a bad clipNorm is refused by name", () => {
  const w = tf.tidy(() => tf.variable(tf.scalar(1)));
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(
      () => minimize(new Sgd([w]), 0.1, () => ({ loss: tf.mul(w, 2) as tf.Scalar }), bad),
      /minimize: clipNorm must be a finite number ≥ 0 \(0 = off\), got/,
    );
  w.dispose();
});

test("supervisedStep passes clipNorm through to the update", () => {
  const w = tf.tidy(() => tf.variable(tf.tensor1d([0, 0]), true, "optim-test-sup"));
  const c = tf.tensor1d([6, 8]); // ∇ = [6, 8], norm 10
  const r = supervisedStep(new Sgd([w]), [], { lr: 1, maxNorm: 0, clipNorm: 2 }, () => ({
    loss: tf.sum(tf.mul(w, c)) as tf.Scalar,
  }));
  // Clipped to norm 2: [1.2, 1.6]; w = 0 − 1·that.
  close(Array.from(w.dataSync()), [-1.2, -1.6], "w");
  tf.dispose([w, c, ...Object.values(r)]);
});
