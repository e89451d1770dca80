import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { exportLifter, loadExportedLifter } from "../lib/models/export";
import type { BaselineLifter } from "../lib/models/baseline";
import type { Lifter, LifterOptions, ModelKind } from "../lib/models/lifter";
import { fitBatch } from "../lib/models/supervised";
import { createLifter } from "../lib/models/registry";
import { VaeLifter } from "../lib/models/vae";
import { klDivergence, meanSquaredError } from "../lib/nn/losses";
import type { computeStats } from "../lib/data/preprocess";
import { mulberry32, normal } from "../lib/core/rng";
import { betaAt, learningRateAt } from "../lib/train/schedules";
import { scratchDir } from "./helpers";

await initBackend({ quiet: true });

const SMALL: LifterOptions = {
  inputDim: 6,
  outputDim: 9,
  hidden: 8,
  layers: 3,
  latentDim: 4,
  residual: false,
  batchNorm: false,
  dropout: 0,
  maxNorm: 0,
};
const small = (kind: ModelKind, extra: Partial<LifterOptions> = {}): Lifter =>
  createLifter(kind, { ...SMALL, ...extra }, 5);
const trainable = (m: Lifter) => Object.values(m.parts).flatMap((p) => p.trainable());
const THESIS: LifterOptions = {
  inputDim: 32,
  outputDim: 48,
  hidden: 512,
  layers: 5,
  latentDim: 100,
  residual: false,
  batchNorm: false,
  dropout: 0,
  maxNorm: 0,
};

function batch(n: number, dim: number, seed: number): tf.Tensor2D {
  const r = mulberry32(seed);
  return tf.tensor2d(
    Float32Array.from({ length: n * dim }, () => normal(r)),
    [n, dim],
  );
}

test("the thesis β-VAE has the thesis's size and shapes", () => {
  const vae = createLifter("beta-vae", THESIS, 1);
  // Encoder 32→512, 4×512→512, heads 512→100 ×2; decoder 100→512, 4×512→512, 512→48.
  const enc = 32 * 512 + 512 + 4 * (512 * 512 + 512) + 2 * (512 * 100 + 100);
  const dec = 100 * 512 + 512 + 4 * (512 * 512 + 512) + 512 * 48 + 48;
  assert.equal(vae.parameterCount(), enc + dec);
  assert.equal(vae.parameterCount(), 2_297_080);
  const x = batch(7, 32, 1);
  const y = vae.predict(x);
  assert.deepEqual(y.shape, [7, 48]);
  const hyps = vae.sample(x, 3, 9);
  assert.equal(hyps.length, 3);
  assert.deepEqual(hyps[0].shape, [7, 48]);
  assert.ok(tf.max(tf.abs(tf.sub(hyps[0], hyps[1]))).dataSync()[0] > 0, "samples differ");
  // Hypothesis k is the same whether drawn with the others or alone (evaluation streams them).
  const third = vae.sample(x, 1, 9, 2)[0];
  assert.equal(tf.max(tf.abs(tf.sub(third, hyps[2]))).dataSync()[0], 0);
  tf.dispose([x, y, ...hyps, third]);
  vae.dispose();
  const base = createLifter(
    "baseline",
    { ...THESIS, hidden: 1024, latentDim: 0, residual: true, batchNorm: true, dropout: 0.5, maxNorm: 1 },
    1,
  );
  assert.ok(
    base.parameterCount() > 4_200_000 && base.parameterCount() < 4_400_000,
    `Martinez ≈ 4.29M parameters, got ${base.parameterCount()}`,
  );
  base.dispose();
  assert.throws(() => small("baseline", { residual: true, layers: 4 }), /layers must be odd/);
});

test("the KL term matches its closed form on a fixture", () => {
  const mu = [
      [0.5, -1, 0],
      [2, 0.1, -0.3],
    ],
    logvar = [
      [0, Math.log(2), -1],
      [0.5, 0.2, Math.log(0.25)],
    ];
  const want = mu.map(
    (m, i) => -0.5 * m.reduce((s, mk, k) => s + 1 + logvar[i][k] - mk * mk - Math.exp(logvar[i][k]), 0),
  );
  // Row 0 by hand: ½[(0.25 + 1 − 1 − 0) + (1 + 2 − 1 − ln 2) + (0 + e⁻¹ − 1 + 1)] = ½(0.25 + 2 − ln 2 + e⁻¹)
  assert.ok(Math.abs(want[0] - 0.5 * (0.25 + 2 - Math.log(2) + Math.exp(-1))) < 1e-12);
  const got = klDivergence(tf.tensor2d(mu), tf.tensor2d(logvar)).arraySync();
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-5, `row ${i}: ${g} vs ${want[i]}`));
  // In the loss, KL is divided by the output size and weighted by β.
  const vae = small("beta-vae") as VaeLifter;
  const x = batch(5, 6, 2),
    y = batch(5, 9, 3);
  const l = vae.loss(x, y, 0.5, { training: true, stepSeed: 4 });
  assert.ok(
    Math.abs(l.total.dataSync()[0] - (l.terms.recon.dataSync()[0] + (0.5 * l.terms.kl.dataSync()[0]) / 9)) < 1e-5,
  );
  vae.dispose();
});

test("finite differences agree with autodiff on a small β-VAE and a small baseline", () => {
  for (const kind of ["beta-vae", "baseline"] as const) {
    const m = small(kind, kind === "baseline" ? { residual: true, batchNorm: true } : {});
    const x = batch(6, 6, 11),
      y = batch(6, 9, 12);
    // Fixed seed: deterministic sampling and dropout.
    const f = () =>
      m instanceof VaeLifter
        ? m.loss(x, y, 0.3, { training: true, stepSeed: 77 }).total
        : meanSquaredError((m as BaselineLifter).net.apply(x, { training: true, stepSeed: 77 })[0], y);
    const vars = trainable(m);
    const { grads } = tf.variableGrads(f, vars);
    const r = mulberry32(kind.length);
    let checked = 0;
    for (const v of vars) {
      const vals = v.dataSync().slice();
      for (let t = 0; t < 2; t++) {
        const i = Math.floor(r() * vals.length);
        const h = 1e-3;
        const at = (delta: number) => {
          const w = vals.slice();
          w[i] += delta;
          v.assign(tf.tensor(w, v.shape));
          return f().dataSync()[0];
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(vals, v.shape));
        const ad = grads[v.name].dataSync()[i];
        assert.ok(
          Math.abs(fd - ad) <= 2e-3 + 2e-2 * Math.abs(ad),
          `${kind} ${v.name}[${i}]: finite difference ${fd} vs autodiff ${ad}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 12);
    m.dispose();
  }
});

test("a training step leaks no tensors and lowers the loss on a fixed batch", () => {
  for (const kind of ["beta-vae", "ae", "baseline"] as const) {
    const m = small(kind, kind === "baseline" ? { residual: true, batchNorm: true, dropout: 0.2, maxNorm: 1 } : {});
    // A learnable target: a fixed linear map of the input.
    const x = batch(32, 6, 1),
      A = batch(6, 9, 2),
      y = tf.matMul(x, A) as tf.Tensor2D;
    A.dispose();
    const counts: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < 60; s++) {
      const r = fitBatch(m, { x, y }, { beta: 0.001, lr: 1e-2, seed: s });
      losses.push((r.recon ?? r.loss).dataSync()[0]);
      tf.dispose(Object.values(r));
      counts.push(tf.memory().numTensors);
    }
    assert.equal(counts[59], counts[2], `${kind}: tensor count grew from ${counts[2]} to ${counts[59]}`);
    assert.ok(losses[59] < losses[0] * 0.6, `${kind}: loss ${losses[0]} → ${losses[59]}`);
    if (kind === "baseline") {
      const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square((m as BaselineLifter).net.kernels()[1]), 0)).dataSync());
      assert.ok(Math.max(...norms) <= 1 + 1e-5, "max-norm holds after the step");
    }
    m.dispose();
    tf.dispose([x, y]);
  }
});

test("β schedules and learning-rate decay give the hand-computed values", () => {
  assert.equal(betaAt(0.01, { kind: "constant" }, 0.3), 0.01);
  assert.ok(Math.abs(betaAt(0.01, { kind: "linear", warmup: 0.5 }, 0.25) - 0.005) < 1e-15);
  assert.equal(betaAt(0.01, { kind: "linear", warmup: 0.5 }, 0.9), 0.01);
  // 4 cycles of length 0.25, rising over the first half of each: t = 0.3 is 0.2 into cycle 2 → 0.4 of the rise.
  assert.ok(Math.abs(betaAt(1, { kind: "cyclical", cycles: 4, ratio: 0.5 }, 0.3) - 0.4) < 1e-12);
  assert.equal(betaAt(1, { kind: "cyclical", cycles: 4, ratio: 0.5 }, 0.45), 1);
  assert.equal(betaAt(1, { kind: "cyclical", cycles: 4, ratio: 0.5 }, 0.5), 0);
  assert.ok(Math.abs(learningRateAt(1e-3, 0.96, 100, 250) - 1e-3 * 0.96 ** 2.5) < 1e-15);
});

test("export writes a TF.js layers model that predicts exactly like the lifter", async () => {
  for (const kind of ["beta-vae", "baseline"] as const) {
    const m = small(kind, kind === "baseline" ? { residual: true, batchNorm: true, dropout: 0.5 } : {});
    // Move batch-norm statistics away from their initial values, so the export must carry them.
    for (let s = 0; s < 5; s++) {
      const x0 = batch(16, 6, s),
        y0 = batch(16, 9, s + 9);
      tf.dispose([x0, y0, ...Object.values(fitBatch(m, { x: x0, y: y0 }, { beta: 0, lr: 1e-2, seed: s }))]);
    }
    const stats = {
      mode: "thesis" as const,
      joints2d: [1, 2, 3],
      joints3d: [1, 2, 3],
      mean2d: new Float32Array(6),
      std2d: new Float32Array(6).fill(1),
      mean3d: new Float32Array(9),
      std3d: new Float32Array(9).fill(1),
    };
    const dir = scratchDir(`export-${kind}`);
    await exportLifter(m, stats as ReturnType<typeof computeStats>, dir);
    const loaded = await loadExportedLifter(dir);
    const x = batch(10, 6, 3);
    const a = m.predict(x),
      b = loaded.predict(x) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-5, `${kind}: exported model differs`);
    tf.dispose([x, a, b]);
    loaded.dispose();
    m.dispose();
  }
});
