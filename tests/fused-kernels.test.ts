/**
 * The fused training kernels (lib/backend/kernels/fused.ts, native/fused.c) against the
 * op-by-op TF.js paths, against values derived here by hand, and (batch norm's gradient)
 * against central finite differences of the fused forward pass.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { loadBlasAddon } from "../lib/backend/kernels/blas";
import { batchNormTrain, dropoutMask, maxNormColumns, sumSquares } from "../lib/backend/kernels/fused";
import { randomUniform } from "../lib/backend/kernels/random";
import { mulberry32, normal } from "../lib/core/rng";
import { assertClose } from "./helpers";

const backend = await initBackend({ quiet: true });
const addon = loadBlasAddon();
const skipNative = backend.choice !== "wasm" ? "not on wasm" : typeof addon === "string" ? addon : false;
const randn = (n: number, seed: number, scale = 1, shift = 0) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => shift + scale * normal(r));
};

const close = assertClose;

/** y, mean, variance and the gradients of Σ w·y for x, γ, β, with the fused or op-by-op path. */
function bnRun(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, w: tf.Tensor2D, opByOp: boolean) {
  return tf.tidy(() => {
    let stats: Float32Array[] = [];
    const f = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const r = batchNormTrain(xs as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, { opByOp });
      stats = [
        r.y.dataSync() as Float32Array,
        r.mean.dataSync() as Float32Array,
        r.variance.dataSync() as Float32Array,
      ];
      return tf.sum(tf.mul(r.y, w));
    };
    const grads = tf.grads(f)([x, gamma, beta]);
    return { y: stats[0], mean: stats[1], variance: stats[2], grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

test("batchNormTrain: the fused pass equals the op-by-op one (values, statistics, gradients) at sizes on both sides of the thread split", {
  skip: skipNative,
}, () => {
  for (const [rows, C] of [
    [7, 5],
    [256, 300],
    [64, 1024],
  ]) {
    const n0 = tf.memory().numTensors;
    // Columns with a large offset and small spread: the variance is cancellation-prone.
    const x = tf.tensor2d(randn(rows * C, 1, 0.5, 3), [rows, C]),
      gamma = tf.tensor1d(randn(C, 2, 0.3, 1)),
      beta = tf.tensor1d(randn(C, 3)),
      w = tf.tensor2d(randn(rows * C, 4), [rows, C]);
    const a = bnRun(x, gamma, beta, w, false),
      b = bnRun(x, gamma, beta, w, true);
    close(a.mean, b.mean, 1e-5, `mean ${rows}×${C}`);
    close(a.variance, b.variance, 1e-4, `variance ${rows}×${C}`);
    close(a.y, b.y, 1e-4, `y ${rows}×${C}`);
    ["dx", "dγ", "dβ"].forEach((name, k) => close(a.grads[k], b.grads[k], 2e-3, `${name} ${rows}×${C}`));
    tf.dispose([x, gamma, beta, w]);
    assert.equal(tf.memory().numTensors, n0, "no tensors leak");
  }
});

test("batchNormTrain: the fused gradient matches central finite differences of the loss", { skip: skipNative }, () => {
  const rows = 6,
    C = 3;
  const xv = randn(rows * C, 11),
    gv = randn(C, 12, 0.5, 1),
    bv = randn(C, 13),
    wv = randn(rows * C, 14);
  // The loss Σ w·y in double precision, from the definition (biased batch variance).
  const loss = (xs: Float64Array, g: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let r = 0; r < rows; r++) m += xs[r * C + c] / rows;
      let v = 0;
      for (let r = 0; r < rows; r++) v += (xs[r * C + c] - m) ** 2 / rows;
      for (let r = 0; r < rows; r++) s += wv[r * C + c] * ((g[c] * (xs[r * C + c] - m)) / Math.sqrt(v + 1e-3) + b[c]);
    }
    return s;
  };
  const fused = tf.tidy(() =>
    bnRun(tf.tensor2d(xv, [rows, C]), tf.tensor1d(gv), tf.tensor1d(bv), tf.tensor2d(wv, [rows, C]), false),
  );
  const h = 1e-5;
  const fd = (which: 0 | 1 | 2, i: number) => {
    const args = [Float64Array.from(xv), Float64Array.from(gv), Float64Array.from(bv)];
    args[which][i] += h;
    const up = loss(args[0], args[1], args[2]);
    args[which][i] -= 2 * h;
    return (up - loss(args[0], args[1], args[2])) / (2 * h);
  };
  [xv, gv, bv].forEach((v, k) => {
    const numeric = Array.from(v, (_, i) => fd(k as 0 | 1 | 2, i));
    close(fused.grads[k], numeric, 1e-3, ["dx", "dγ", "dβ"][k]);
  });
  // dβ is Σ_r w, and Σ_r dx = 0 for every column (the batch mean removes any shift): exact identities.
  for (let c = 0; c < C; c++) {
    let sw = 0,
      sdx = 0;
    for (let r = 0; r < rows; r++) {
      sw += wv[r * C + c];
      sdx += fused.grads[0][r * C + c];
    }
    assert.ok(Math.abs(fused.grads[2][c] - sw) < 1e-5, `dβ[${c}] = Σ w`);
    assert.ok(Math.abs(sdx) < 1e-4, `Σ dx[:, ${c}] = 0, got ${sdx}`);
  }
});

test("dropoutMask: the units kept are those of the seeded uniforms ≥ rate, scaled by 1/(1 − rate), fused or not", {
  skip: skipNative,
}, () => {
  const n0 = tf.memory().numTensors;
  for (const [rate, seed] of [
    [0.5, 7],
    [0.3, 131],
    [0.1, 4242],
    [0, 5],
  ]) {
    const shape = [64, 300];
    const u = tf.tidy(() => randomUniform(shape, 0, 1, seed).dataSync());
    const m = dropoutMask(shape, rate, seed),
      p = dropoutMask(shape, rate, seed, { opByOp: true });
    const mv = m.dataSync(),
      pv = p.dataSync();
    const keep = Math.fround(1 / Math.fround(1 - rate));
    let kept = 0;
    for (let i = 0; i < u.length; i++) {
      const expected = u[i] >= Math.fround(rate) ? keep : 0;
      assert.equal(mv[i], expected, `fused mask[${i}] (rate ${rate})`);
      assert.ok(Math.abs(pv[i] - expected) <= 1e-7 * keep, `op-by-op mask[${i}]`);
      kept += mv[i] > 0 ? 1 : 0;
    }
    // The share kept is 1 − rate within 4 binomial standard deviations.
    const sd = Math.sqrt((rate * (1 - rate)) / u.length);
    assert.ok(Math.abs(kept / u.length - (1 - rate)) <= 4 * sd + 1e-9, `kept ${kept / u.length} at rate ${rate}`);
    tf.dispose([m, p]);
  }
  assert.throws(() => dropoutMask([2, 2], 1, 1), /rate must be in \[0, 1\)/);
  assert.equal(tf.memory().numTensors, n0, "no tensors leak");
});

test("maxNormColumns clips only the columns whose L2 norm exceeds the limit (hand-computed), fused or not", {
  skip: skipNative,
}, () => {
  // Columns: (3, 4) has norm 5 → (0.6, 0.8) at limit 1; (0.3, 0.4) has norm 0.5 → unchanged; (0, 0) stays 0.
  const w = tf.tensor2d([3, 0.3, 0, 4, 0.4, 0], [2, 3]);
  for (const opByOp of [false, true]) {
    const out = maxNormColumns(w, 1, { opByOp });
    close(out.dataSync(), [0.6, 0.3, 0, 0.8, 0.4, 0], 1e-6, `max-norm (opByOp ${opByOp})`);
    out.dispose();
  }
  const big = tf.tensor2d(randn(512 * 384, 21, 0.1), [512, 384]);
  const a = maxNormColumns(big, 1),
    b = maxNormColumns(big, 1, { opByOp: true });
  close(a.dataSync(), b.dataSync(), 1e-6, "max-norm 512×384");
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(a), 0)).dataSync());
  for (const v of norms) assert.ok(v <= 1 + 1e-5, `column norm ${v} ≤ 1`);
  tf.dispose([w, big, a, b]);
});

test("sumSquares equals Σ x² computed here in double, fused or not", { skip: skipNative }, () => {
  for (const n of [1, 5, 4099, 300_000]) {
    const v = randn(n, n, 2);
    let expected = 0;
    for (const x of v) expected += x * x;
    const t = tf.tensor1d(v);
    for (const opByOp of [false, true]) {
      const s = sumSquares(t, { opByOp });
      // The fused sum runs in double; TF.js's op by op sums float32 partial sums.
      const tol = opByOp ? 1e-3 : 1e-6;
      assert.ok(Math.abs(s.dataSync()[0] - expected) <= tol * expected, `n ${n}: ${s.dataSync()[0]} vs ${expected}`);
      assert.deepEqual(s.shape, []);
      s.dispose();
    }
    t.dispose();
  }
});
