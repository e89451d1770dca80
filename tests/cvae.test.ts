/**
 * The conditional VAE lifter (lib/models/cvae.ts): sizes and shapes, the KL term against its
 * closed form and the loss against its definition (the best-of-many term recomputed by hand), the
 * split first layer of the hypothesis network against the plain concatenation, finite differences
 * against autodiff, z = 0 prediction, seeded prior samples, a decoder that uses z, training on a
 * batch with two answers per input, no tensor leak, checkpoint → reload, export, and a tiny run on
 * the shared data through trainRun, evaluation and the hypothesis report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { mulberry32, normal } from "../lib/core/rng";
import { experimentData, subsample } from "../lib/data/experiment";
import { rootCentred, normalize } from "../lib/data/preprocess";
import { evaluateLifter } from "../lib/eval/evaluate";
import { hypothesisReport } from "../lib/eval/hypotheses";
import { HYPOTHESES_PER_PASS, predictMm, sampleHypothesesMm } from "../lib/eval/infer";
import { type CvaeLifter, DEFAULT_CVAE_OPTIONS } from "../lib/models/cvae";
import { exportLifter, loadExportedLifter } from "../lib/models/export";
import { HYPOTHESIS_INPUTS, type LifterOptions } from "../lib/models/lifter";
import { createLifter } from "../lib/models/registry";
import { fitBatch } from "../lib/models/supervised";
import type { NormStats } from "../lib/data/preprocess";
import {
  DEFAULT_BASELINE_CONFIG,
  DEFAULT_CVAE_CONFIG,
  DEFAULT_VAE_CONFIG,
  parseConfig,
  type TrainConfig,
  validateConfig,
} from "../lib/train/config";
import { buildLifter, cvaeOptions, loadRun, trainRun } from "../lib/train/lifter-run";
import { loadCheckpoint, saveCheckpoint } from "../lib/train/run-folder";
import { maxAbsDiff, mocapDataDir, scratchDir } from "./helpers";

await initBackend({ quiet: true });
const data = mocapDataDir();

const IN = 6,
  OUT = 9,
  K = 4,
  H = 8,
  G = 5,
  S = 3;
const SMALL: LifterOptions = {
  inputDim: IN,
  outputDim: OUT,
  hidden: H,
  layers: 3,
  latentDim: K,
  residual: false,
  batchNorm: false,
  dropout: 0,
  maxNorm: 0,
  cvae: { ...DEFAULT_CVAE_OPTIONS, bestOfMany: S, hypothesisHidden: G, hypothesisInput: "features" },
};
const cvae = (extra: Partial<LifterOptions> = {}, seed = 5) =>
  createLifter("cvae", { ...SMALL, ...extra }, seed) as CvaeLifter;

function batch(n: number, dim: number, seed: number): tf.Tensor2D {
  const r = mulberry32(seed);
  return tf.tensor2d(
    Float32Array.from({ length: n * dim }, () => normal(r)),
    [n, dim],
  );
}
const diff = (a: tf.Tensor, b: tf.Tensor) => maxAbsDiff(a.dataSync(), b.dataSync());

/** Three steps on random batches: the weights leave their start (q the prior, G zero, all hypotheses m). */
function warmUp(m: CvaeLifter, out = OUT): void {
  for (let s = 0; s < 3; s++) {
    const x0 = batch(16, IN, s),
      y0 = batch(16, out, s + 9);
    tf.dispose([x0, y0, ...Object.values(fitBatch(m, { x: x0, y: y0 }, { beta: 0.1, lr: 0.05, seed: s }))]);
  }
}

test("sizes and shapes: recognition on [x, y], trunk on x, hypotheses on [h, z], a variational lifter", () => {
  const m = cvae();
  assert.equal(m.kind, "cvae");
  assert.ok(m.variational);
  assert.equal(m.latentDim, K);
  // Recognition: (in + out) → G, G → G, heads G → K twice; trunk: in → H, H → H twice, H → out;
  // hypotheses: (H + K) → G, G → G, G → out.
  const enc = (IN + OUT) * G + G + (G * G + G) + 2 * (G * K + K);
  const trunk = IN * H + H + (H * H + H) * 2 + H * OUT + OUT;
  const hyp = (H + K) * G + G + (G * G + G) + G * OUT + OUT;
  assert.equal(m.parameterCount(), enc + trunk + hyp);
  const x = batch(7, IN, 1),
    y = batch(7, OUT, 2);
  const p = m.predict(x);
  assert.deepEqual(p.shape, [7, OUT]);
  const hs = m.sample(x, 3, 9);
  assert.equal(hs.length, 3);
  for (const h of hs) assert.deepEqual(h.shape, [7, OUT]);
  const [mu, logvar] = m.posterior(x, y);
  assert.deepEqual(
    [mu.shape, logvar.shape],
    [
      [7, K],
      [7, K],
    ],
  );
  assert.throws(() => m.predict(y), /cvae\.predict: expected x \[B, 6\], got \[7,9\]/);
  assert.throws(() => m.decode(x, batch(7, K + 1, 3)), /cvae\.decode: expected z \[7, 4\], got \[7,5\]/);
  assert.throws(() => m.encodeMean(), /posterior needs the 3D pose/);
  assert.throws(() => createLifter("cvae", { ...SMALL, residual: true, layers: 4 }, 1), /layers must be odd/);
  assert.throws(
    () => createLifter("cvae", { ...SMALL, cvae: { ...SMALL.cvae!, bestOfMany: 1.5 } }, 1),
    /cvae: bestOfMany must be a whole number ≥ 0, got 1.5/,
  );
  tf.dispose([x, y, p, ...hs, mu, logvar]);
  m.dispose();
});

test("the posterior starts at the prior: μ = 0, log σ² = 0, KL = 0", () => {
  const m = cvae({ residual: true, batchNorm: true });
  const x = batch(5, IN, 4),
    y = batch(5, OUT, 5);
  const [mu, logvar] = m.posterior(x, y);
  assert.deepEqual(Array.from(mu.dataSync()), new Array(5 * K).fill(0));
  assert.deepEqual(Array.from(logvar.dataSync()), new Array(5 * K).fill(0));
  const l = m.loss(x, y, 1, { training: true, stepSeed: 1 });
  assert.equal(l.terms.kl.dataSync()[0], 0);
  // G's output layer starts at zero too: every hypothesis starts as the trunk's prediction m.
  const [p, [h1]] = [m.predict(x), m.sample(x, 1, 3)];
  assert.equal(diff(p, h1), 0);
  tf.dispose([x, y, mu, logvar, l.total, ...Object.values(l.terms), p, h1]);
  m.dispose();
});

test("the KL term equals its closed form, and the loss is mode + recon + β·KL/D + best-of-many", () => {
  const m = cvae({ cvae: { ...SMALL.cvae!, modeWeight: 0.6, bestOfManyWeight: 2 } });
  const x = batch(5, IN, 4),
    y = batch(5, OUT, 5);
  // A few steps move the posterior off the prior and the hypotheses off m, where they start.
  for (let s = 0; s < 3; s++) tf.dispose(Object.values(fitBatch(m, { x, y }, { beta: 0.1, lr: 0.05, seed: s })));
  const [mu, logvar] = m.posterior(x, y);
  const M = mu.arraySync(),
    L = logvar.arraySync();
  // KL(N(μ, σ²) ‖ N(0, 1)) per sample = ½ Σ_k (σ²_k + μ_k² − 1 − log σ²_k), averaged over the batch.
  const klWant =
    M.reduce((s, row, i) => s + 0.5 * row.reduce((t, mk, k) => t + Math.exp(L[i][k]) + mk * mk - 1 - L[i][k], 0), 0) /
    5;
  const Y = Array.from(y.dataSync());
  const sqErrs = (p: tf.Tensor) => {
    const P = Array.from(p.dataSync());
    return Array.from(
      { length: 5 },
      (_, b) => P.slice(b * OUT, (b + 1) * OUT).reduce((t, v, d) => t + (v - Y[b * OUT + d]) ** 2, 0) / OUT,
    );
  };
  const mean = (a: number[]) => a.reduce((t, v) => t + v, 0) / a.length;
  // Inference mode: z = μ for recon, z = 0 for mode, and the S prior samples ε ~ N(0, I) under seed 0·7 + 5.
  const [yHat, y0] = [m.decode(x, mu), m.predict(x)];
  const reconWant = mean(sqErrs(yHat)),
    modeWant = mean(sqErrs(y0));
  const eps = tf.randomNormal([S * 5, K], 0, 1, "float32", 5) as tf.Tensor2D;
  const perSample = Array.from({ length: S }, (_, k) => {
    const zk = tf.slice(eps, [k * 5, 0], [5, K]) as tf.Tensor2D;
    const e = sqErrs(m.decode(x, zk));
    zk.dispose();
    return e;
  });
  // Relaxed best-of-many: per example 0.95 · the best sample's error + 0.05 · the mean over samples.
  const bomWant = mean(
    Array.from({ length: 5 }, (_, b) => {
      const e = perSample.map((r) => r[b]);
      return 0.95 * Math.min(...e) + 0.05 * mean(e);
    }),
  );
  const beta = 0.7;
  const l = m.loss(x, y, beta, { training: false });
  const got = (t: tf.Scalar | undefined) => t!.dataSync()[0];
  assert.ok(klWant > 0);
  assert.ok(Math.abs(got(l.terms.kl) - klWant) <= 1e-5 * Math.max(1, klWant), `KL ${got(l.terms.kl)} vs ${klWant}`);
  for (const [k, want] of [
    ["recon", reconWant],
    ["mode", modeWant],
    ["bom", bomWant],
  ] as const)
    assert.ok(Math.abs(got(l.terms[k]) - want) <= 1e-5 * Math.max(1, want), `${k} ${got(l.terms[k])} vs ${want}`);
  assert.ok(bomWant < Math.max(...perSample.flat()), "the best-of-many term is below the worst sample");
  const totalWant = 0.6 * modeWant + reconWant + (beta * klWant) / OUT + 2 * bomWant;
  assert.ok(Math.abs(got(l.total) - totalWant) < 1e-5, `total ${got(l.total)} vs ${totalWant}`);
  tf.dispose([x, y, mu, logvar, yHat, y0, eps, l.total, ...Object.values(l.terms)]);
  m.dispose();
});

for (const hypothesisInput of HYPOTHESIS_INPUTS)
  test(`the hypothesis network's split first layer equals G on the concatenation [c, z]; z = 0 gives m (G sees ${hypothesisInput})`, () => {
    const m = cvae({
      residual: true,
      layers: 3,
      batchNorm: true,
      dropout: 0.3,
      cvae: { ...SMALL.cvae!, hypothesisInput },
    });
    // G's first layer takes its context (the trunk's H features, or the 2D pose and the single prediction) and z.
    assert.deepEqual(m.hypotheses.hiddenLayers[0].W.shape, [(hypothesisInput === "pose" ? IN + OUT : H) + K, G]);
    warmUp(m);
    const x = batch(6, IN, 41),
      z = batch(6, K, 42);
    const got = m.decode(x, z);
    // dec(x, z) = m(x) + G([c(x), z]) − G([c(x), 0]), each network run plainly on its whole input.
    const want = tf.tidy(() => {
      const o = { training: false };
      const [mean] = m.trunk.apply(x, o);
      const c = hypothesisInput === "pose" ? tf.concat([x, mean], 1) : m.trunk.features(x, o);
      const g = (zz: tf.Tensor2D) => m.hypotheses.apply(tf.concat([c, zz], 1), o)[0];
      return tf.add(mean, tf.sub(g(z), g(tf.zerosLike(z))));
    });
    assert.ok(diff(got, want) < 1e-5, `split and concatenated forms differ by ${diff(got, want)}`);
    // z = 0 is the trunk's own prediction m, exactly.
    const [trunkOut] = tf.tidy(() => m.trunk.apply(x, { training: false }));
    const zero = m.decode(x, tf.zeros([6, K]));
    assert.equal(diff(m.predict(x), trunkOut), 0);
    assert.ok(diff(zero, trunkOut) < 1e-6, `dec(x, 0) is m, off by ${diff(zero, trunkOut)}`);
    tf.dispose([trunkOut, zero]);
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(got, m.predict(x)))).dataSync()[0]) > 1e-4, "z moves the pose");
    tf.dispose([x, z, got, want]);
    m.dispose();
  });

test("an unknown hypothesisInput is refused", () => {
  assert.throws(
    () => cvae({ cvae: { ...SMALL.cvae!, hypothesisInput: "image" as "pose" } }),
    /cvae: hypothesisInput must be one of features, pose, got image/,
  );
});

for (const hypothesisInput of HYPOTHESIS_INPUTS)
  test(`finite differences agree with autodiff on the training loss (sampled z, batch norm, dropout; G sees ${hypothesisInput})`, () => {
    const m = cvae({ residual: true, batchNorm: true, dropout: 0.2, cvae: { ...SMALL.cvae!, hypothesisInput } });
    const x = batch(6, IN, 11),
      y = batch(6, OUT, 12);
    // A few steps first: at initialization every hypothesis is m, so the best-of-many term's samples tie,
    // and at a tie the minimum has a kink where finite differences see neither one-sided derivative.
    for (let s = 0; s < 3; s++) tf.dispose(Object.values(fitBatch(m, { x, y }, { beta: 0.1, lr: 0.05, seed: s })));
    // A fixed step seed: the same ε and dropout masks at every evaluation.
    const f = () => m.loss(x, y, 0.3, { training: true, stepSeed: 77 }).total;
    const vars = Object.values(m.parts).flatMap((p) => p.trainable());
    const { grads } = tf.variableGrads(f, vars);
    // With G on [x, m], m reaches G without gradient (G's terms leave the single prediction to its own
    // term): the finite differences hold G's context at its value here, autodiff above did not need to.
    const own = m as unknown as { contextOf(x: tf.Tensor2D, h: tf.Tensor2D, mm: tf.Tensor2D): tf.Tensor2D };
    let frozen: tf.Tensor2D | undefined;
    if (hypothesisInput === "pose") {
      const contextOf = own.contextOf.bind(m);
      own.contextOf = (...a) => {
        const c = contextOf(...a);
        frozen ??= tf.keep(tf.clone(c));
        return c;
      };
      tf.tidy(() => f());
      own.contextOf = () => frozen!;
    }
    const r = mulberry32(3);
    let checked = 0;
    for (const v of vars) {
      const vals = v.dataSync().slice();
      const i = Math.floor(r() * vals.length);
      const h = 1e-3;
      const at = (delta: number) => {
        const w = vals.slice();
        w[i] += delta;
        v.assign(tf.tensor(w, v.shape));
        return tf.tidy(() => f().dataSync()[0]);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(vals, v.shape));
      const ad = grads[v.name].dataSync()[i];
      assert.ok(
        Math.abs(fd - ad) <= 2e-3 + 2e-2 * Math.abs(ad),
        `${v.name}[${i}]: finite difference ${fd} vs autodiff ${ad}`,
      );
      checked++;
    }
    assert.ok(checked >= 20, `checked ${checked}`);
    tf.dispose([x, y, ...Object.values(grads), ...(frozen ? [frozen] : [])]);
    m.dispose();
  });

test("predict is dec(x, 0) and deterministic; the decoder uses z; samples are seeded", () => {
  const m = cvae({ batchNorm: true, dropout: 0.5 });
  const x = batch(4, IN, 21);
  warmUp(m); // hypotheses start equal to m (G's output layer is zero)
  const [p1, p2] = [m.predict(x), m.predict(x)];
  assert.equal(diff(p1, p2), 0, "two predictions are identical (no dropout at inference)");
  const zero = tf.zeros([4, K]) as tf.Tensor2D,
    z = batch(4, K, 22);
  const [d0, dz] = [m.decode(x, zero), m.decode(x, z)];
  assert.ok(diff(p1, d0) < 1e-6, "predict = decode(x, 0) (G([h, 0]) − G([h, 0]) by two routes)");
  assert.ok(diff(d0, dz) > 1e-3, "a different z gives a different pose");
  const a = m.sample(x, 3, 7),
    b = m.sample(x, 3, 7),
    c = m.sample(x, 3, 8);
  a.forEach((h, k) => assert.equal(diff(h, b[k]), 0, `hypothesis ${k}: the same seed gives the same pose`));
  a.forEach((h, k) => assert.ok(diff(h, c[k]) > 1e-4, `hypothesis ${k}: another seed gives another pose`));
  assert.ok(diff(a[0], a[1]) > 1e-4, "hypotheses differ from each other");
  // Hypothesis k is the same drawn alone (first = k) as with the others (evaluation streams them).
  const third = m.sample(x, 1, 7, 2)[0];
  assert.equal(diff(third, a[2]), 0);
  // Hypothesis k is dec(x, ε) with ε ~ N(0, I) under seed·1009 + first + k.
  const eps = tf.randomNormal([4, K], 0, 1, "float32", 7 * 1009 + 1) as tf.Tensor2D;
  const byHand = m.decode(x, eps);
  assert.equal(diff(byHand, a[1]), 0);
  tf.dispose([x, p1, p2, zero, z, d0, dz, ...a, ...b, ...c, third, eps, byHand]);
  m.dispose();
});

for (const hypothesisInput of HYPOTHESIS_INPUTS)
  test(`training on two answers per input lowers the loss, uses z, and leaks no tensors (G sees ${hypothesisInput})`, () => {
    const m = cvae({
      hidden: 32,
      batchNorm: true,
      dropout: 0.1,
      maxNorm: 1,
      clipNorm: 1,
      cvae: { ...SMALL.cvae!, bestOfMany: 4, hypothesisHidden: 32, hypothesisInput },
    });
    const STEPS = 250;
    // Each input appears twice, once with target y and once with −y: the 2D → 3D ambiguity in
    // miniature. Only z can tell the two apart.
    const x0 = batch(16, IN, 31),
      A = batch(IN, OUT, 32);
    const y0 = tf.matMul(x0, A);
    const x = tf.concat([x0, x0]) as tf.Tensor2D,
      y = tf.concat([y0, tf.neg(y0)]) as tf.Tensor2D;
    tf.dispose([x0, A, y0]);
    const counts: number[] = [],
      recon: number[] = [],
      bom: number[] = [],
      mode: number[] = [],
      norms: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const r = fitBatch(m, { x, y }, { beta: 0.05, lr: 3e-3, seed: s });
      recon.push(r.recon.dataSync()[0]);
      bom.push(r.bom.dataSync()[0]);
      mode.push(r.mode.dataSync()[0]);
      norms.push(r.gradNorm.dataSync()[0]);
      tf.dispose(Object.values(r));
      counts.push(tf.memory().numTensors);
    }
    assert.equal(counts.at(-1), counts[2], `tensor count grew from ${counts[2]} to ${counts.at(-1)}`);
    // z = 0 can at best predict the mean of y and −y (0), an MSE of mean(y²); with z it goes below.
    const meanSq = tf.tidy(() => tf.mean(tf.square(y)).dataSync()[0]);
    assert.ok(recon[STEPS - 1] < 0.5 * recon[0], `recon ${recon[0]} → ${recon[STEPS - 1]}`);
    assert.ok(recon[STEPS - 1] < 0.5 * meanSq, `recon ${recon[STEPS - 1]} should beat the z-blind ${meanSq}`);
    // The prior's samples, not only the posterior's, find both answers: the best of S beats the z-blind.
    assert.ok(bom[STEPS - 1] < 0.6 * meanSq, `best-of-many ${bom[STEPS - 1]} should beat the z-blind ${meanSq}`);
    // z = 0 (m) is trained to the MSE-optimal answer, the mean of y and −y (0): its error nears mean(y²) from above.
    assert.ok(
      mode[STEPS - 1] > 0.9 * meanSq && mode[STEPS - 1] < 1.2 * meanSq,
      `mode ${mode[STEPS - 1]} vs mean(y²) ${meanSq}`,
    );
    assert.ok(norms.every(Number.isFinite));
    // The posterior means of the two answers to one input lie apart, and decoding them gives the two answers.
    const [mu] = m.posterior(x, y);
    const mus = mu.arraySync();
    const sep =
      mus.slice(0, 16).reduce((s, row, i) => s + Math.hypot(...row.map((v, k) => v - mus[i + 16][k])), 0) / 16;
    assert.ok(sep > 0.5, `posterior means of y and −y are ${sep} apart`);
    // sample() allocates nothing that outlives its outputs.
    const before = tf.memory().numTensors;
    const hs = m.sample(x, 5, 3);
    tf.dispose(hs);
    const p = m.predict(x);
    p.dispose();
    assert.equal(tf.memory().numTensors, before, "sample() and predict() leave no tensor behind");
    tf.dispose([x, y, mu]);
    m.dispose();
  });

test("checkpoint → reload into a fresh lifter gives identical predictions and samples; export predicts like it", async () => {
  const m = cvae({ residual: true, batchNorm: true, dropout: 0.5, maxNorm: 1 });
  // Move weights and batch-norm statistics away from their initial values.
  for (let s = 0; s < 5; s++) {
    const x0 = batch(16, IN, s),
      y0 = batch(16, OUT, s + 9);
    tf.dispose([x0, y0, ...Object.values(fitBatch(m, { x: x0, y: y0 }, { beta: 0.1, lr: 1e-2, seed: s }))]);
  }
  const dir = scratchDir("cvae-checkpoint");
  saveCheckpoint(dir, m, {
    epoch: 1,
    stepInEpoch: 0,
    globalStep: 5,
    partial: { sums: {}, counts: {} },
    history: [],
    compute: "test",
  });
  const other = cvae({ residual: true, batchNorm: true, dropout: 0.5, maxNorm: 1 }, 99);
  const x = batch(10, IN, 3);
  const [a0, b0] = [m.predict(x), other.predict(x)];
  assert.ok(diff(a0, b0) > 1e-4, "another seed starts elsewhere");
  const meta = loadCheckpoint(dir, other);
  assert.equal(meta?.globalStep, 5);
  assert.equal(other.optimizers.adam.iterations, 5);
  const b1 = other.predict(x);
  assert.equal(diff(a0, b1), 0, "reloaded prediction differs");
  const [ha] = m.sample(x, 1, 4, 3),
    [hb] = other.sample(x, 1, 4, 3);
  assert.equal(diff(ha, hb), 0, "reloaded hypothesis differs");
  // The checkpoint names the design; one saved by another design (or before designs were recorded),
  // with the same tensor shapes, is refused rather than loaded into different math.
  const metaFile = path.join(dir, "checkpoint.json");
  const saved = JSON.parse(fs.readFileSync(metaFile, "utf8"));
  assert.equal(saved.design, m.design);
  fs.writeFileSync(metaFile, JSON.stringify({ ...saved, design: "2: dec(x, z) = m + G([h, z])" }));
  assert.throws(
    () => loadCheckpoint(dir, other),
    /checkpoint\.json: was saved by design "2: dec\(x, z\) = m \+ G\(\[h, z\]\)" of this model, and this code is design "3: .*retrain/,
  );
  const { design: _, ...older } = saved;
  fs.writeFileSync(metaFile, JSON.stringify(older));
  assert.throws(() => loadCheckpoint(dir, other), /was saved by an earlier design of this model/);
  const stats = {
    mode: "thesis" as const,
    joints2d: [1, 2, 3],
    joints3d: [1, 2, 3],
    mean2d: new Float32Array(IN),
    std2d: new Float32Array(IN).fill(1),
    mean3d: new Float32Array(OUT),
    std3d: new Float32Array(OUT).fill(1),
  };
  const out = scratchDir("cvae-export");
  await exportLifter(m, stats as Parameters<typeof exportLifter>[1], out);
  const loaded = await loadExportedLifter(out);
  const e = loaded.predict(x) as tf.Tensor;
  assert.ok(diff(a0, e) < 1e-5, `exported model differs by ${diff(a0, e)}`);
  tf.dispose([x, a0, b0, b1, ha, hb, e]);
  loaded.dispose();
  m.dispose();
  other.dispose();
});

test("the cvae preset trains through trainRun on the shared data; evaluation, hypotheses and reload work", {
  skip: data.skip,
  timeout: 400_000,
}, async () => {
  const runs = scratchDir("cvae-runs");
  const cfg: TrainConfig = {
    ...DEFAULT_CVAE_CONFIG,
    name: "tiny-cvae",
    hidden: 64,
    layers: 3,
    latentDim: 8,
    epochs: 3,
    batchSize: 128,
    trainEveryNth: 20,
    testEveryNth: 80,
  };
  const d = experimentData({ ...cfg, dataDir: data.dir });
  const r = await trainRun(
    cfg,
    { train: d.trainN, val: { x: d.valN, set: d.val }, stats: d.stats },
    { runsDir: runs, verbose: false },
  );
  const h = r.history;
  assert.equal(h.length, 3);
  for (const k of ["recon", "kl", "loss", "gradNorm"]) assert.ok(Number.isFinite(h[2].terms[k]), k);
  assert.ok(h[2].terms.recon < h[0].terms.recon, `recon ${h[0].terms.recon} → ${h[2].terms.recon}`);
  assert.ok(h[2].val.p1 < h[0].val.p1, `validation P1 ${h[0].val.p1} → ${h[2].val.p1}`);
  // β warms up linearly over the first 10% of training, then stays.
  assert.equal(h[2].values.beta, cfg.beta);
  const ev = evaluateLifter(r.lifter, r.stats, d.test, { bestOf: [1, 5], seed: 1 });
  const best = (ev.bestOfN ?? []).map((b) => b.p1.frameWise);
  assert.equal(best.length, 2, "a variational lifter gets best-of-N");
  assert.ok(best[1] <= best[0], "best of 5 is no worse than best of 1");
  // The hypothesis report on the same hypotheses: its best-of-5 is evaluateLifter's (frame-wise).
  const x = normalize(d.test, r.stats);
  const hyps = sampleHypothesesMm(r.lifter, x, r.stats, 5, 1);
  const gt = rootCentred(d.test);
  const rep = hypothesisReport(hyps, gt, { prediction: predictMm(r.lifter, x, r.stats), bestOf: [1, 5] });
  assert.ok(Math.abs(rep.bestOfN[1].p1 - best[1]) < 1e-6, "one best-of-N, two routes");
  assert.ok(rep.meanSpreadMm > 0 && Number.isFinite(rep.correlation));
  assert.ok(rep.calibration.withinSpread >= 0 && rep.calibration.withinSpread <= 1);
  // Best-of-N on every 3rd test frame (hpe eval --best-of-every 3): the single prediction is still scored on
  // every frame, and the hypothesis report on that subsample's hypotheses gives the same best-of-5.
  const ev3 = evaluateLifter(r.lifter, r.stats, d.test, { bestOf: [1, 5], bestOfEveryNth: 3, seed: 1 });
  const sub = subsample(d.test, 3);
  assert.equal(ev3.bestOfEveryNth, 3);
  assert.equal(ev3.bestOfSamples, sub.n);
  assert.ok(sub.n < d.test.n);
  assert.equal(ev3.p1.frameWise, ev.p1.frameWise, "the single prediction on every frame");
  const xs = normalize(sub, r.stats);
  const rep3 = hypothesisReport(sampleHypothesesMm(r.lifter, xs, r.stats, 5, 1), rootCentred(sub), { bestOf: [1, 5] });
  assert.ok(Math.abs(rep3.bestOfN[1].p1 - ev3.bestOfN![1].p1.frameWise) < 1e-6, "subsampled best-of-5, two routes");
  assert.throws(
    () => evaluateLifter(r.lifter, r.stats, d.test, { bestOf: [1], bestOfEveryNth: 0 }),
    /bestOfEveryNth must be a whole number ≥ 1, got 0/,
  );
  // Every part and optimizer was checkpointed: the reloaded lifter predicts and samples the same.
  const again = loadRun(path.join(runs, cfg.name));
  const xb = tf.tensor2d(d.valN.x.subarray(0, 8 * d.valN.dimIn), [8, d.valN.dimIn]);
  const [p, q] = [r.lifter.predict(xb), again.lifter.predict(xb)];
  assert.equal(diff(p, q), 0);
  const [hp] = r.lifter.sample(xb, 1, 3),
    [hq] = again.lifter.sample(xb, 1, 3);
  assert.equal(diff(hp, hq), 0);
  tf.dispose([xb, p, q, hp, hq]);
  r.lifter.dispose();
  again.lifter.dispose();
});

test("configs: cvae fields are optional, refused on other models, checked, and reach the lifter", () => {
  assert.throws(() => validateConfig({ ...DEFAULT_BASELINE_CONFIG, bestOfMany: 4 }), {
    message: "config: bestOfMany is a cvae field, not for model baseline",
  });
  assert.throws(() => parseConfig({ ...DEFAULT_VAE_CONFIG, modeWeight: 1, hypothesisHidden: 8 }, "my.json"), {
    message: "my.json: modeWeight, hypothesisHidden are cvae fields, not for model beta-vae",
  });
  assert.throws(
    () => validateConfig({ ...DEFAULT_CVAE_CONFIG, bestOfMany: 65 }),
    /bestOfMany must be an integer ≥ 0 and ≤ 64, got 65/,
  );
  assert.throws(() => validateConfig({ ...DEFAULT_CVAE_CONFIG, modeWeight: -1 }), /modeWeight must be a number ≥ 0/);
  const stats = { joints2d: new Array(16).fill(0), joints3d: new Array(16).fill(0) } as unknown as NormStats;
  const m = buildLifter(
    { ...DEFAULT_CVAE_CONFIG, hidden: 16, bestOfMany: 2, hypothesisHidden: 7 },
    stats,
  ) as CvaeLifter;
  assert.deepEqual(m.cvae, {
    modeWeight: 1,
    bestOfMany: 2,
    bestOfManyWeight: 1,
    hypothesisHidden: 7,
    hypothesisInput: "pose",
  });
  assert.equal(m.hypotheses.spec.hidden, 7);
  // G sees the 2D pose (16 joints × 2, Martinez convention), the single prediction (16 × 3) and z (16).
  assert.deepEqual(m.hypotheses.hiddenLayers[0].W.shape, [16 * 2 + 16 * 3 + 16, 7]);
  m.dispose();
  assert.throws(
    () => validateConfig({ ...DEFAULT_CVAE_CONFIG, hypothesisInput: "image" as "pose" }),
    /hypothesisInput must be one of features, pose, got "image"/,
  );
  // A cvae config.json without the fields (saved before they existed) takes the model's defaults, but
  // G on the trunk's features: every run made before hypothesisInput existed had that.
  const { modeWeight, bestOfMany, bestOfManyWeight, hypothesisHidden, hypothesisInput, ...older } = DEFAULT_CVAE_CONFIG;
  assert.deepEqual(cvaeOptions(parseConfig(JSON.parse(JSON.stringify(older)), "old.json")), {
    ...DEFAULT_CVAE_OPTIONS,
    hypothesisInput: "features",
  });
  assert.deepEqual(
    cvaeOptions(parseConfig(JSON.parse(JSON.stringify({ ...older, hypothesisHidden: 256 })), "v3.json"))
      .hypothesisHidden,
    256,
  );
  assert.deepEqual(
    { modeWeight, bestOfMany, bestOfManyWeight, hypothesisHidden, hypothesisInput },
    DEFAULT_CVAE_OPTIONS,
  );
});

test("sampleHypothesesMm draws many hypotheses in passes of a few, each the same as drawn alone", () => {
  // 17 joints × 3 = 51 outputs, so denormalize3d maps them one to one (identity statistics).
  const J3 = 51;
  const m = cvae({ outputDim: J3 });
  warmUp(m, J3);
  const n = 10;
  const xs = batch(n, IN, 51);
  const norm = {
    n,
    x: xs.dataSync() as Float32Array,
    y: new Float32Array(n * J3),
    mask: new Uint8Array(n),
    dimIn: IN,
    dimOut: J3,
  };
  const stats = {
    mode: "thesis",
    joints3d: Array.from({ length: 17 }, (_, j) => j),
    mean3d: new Float32Array(J3),
    std3d: new Float32Array(J3).fill(1),
  } as unknown as NormStats;
  const count = HYPOTHESES_PER_PASS * 2 + 3;
  const before = tf.memory().numTensors;
  const all = sampleHypothesesMm(m, norm as never, stats, count, 7);
  assert.equal(all.length, count);
  for (const k of [0, HYPOTHESES_PER_PASS - 1, HYPOTHESES_PER_PASS, count - 1]) {
    const [alone] = sampleHypothesesMm(m, norm as never, stats, 1, 7, k);
    assert.equal(maxAbsDiff(all[k], alone), 0, `hypothesis ${k} differs drawn alone`);
  }
  assert.ok(maxAbsDiff(all[0], all[count - 1]) > 1e-4, "hypotheses differ");
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  xs.dispose();
  m.dispose();
});
