import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import {
  buildCritic,
  criticStep,
  generatorStep,
  KcsCritic,
  makeCriticStep,
  makeGeneratorStep,
  MlpCritic,
  type CriticSpec,
  type PoseCritic,
  type StepContext,
} from "../lib/models/critic";
import { gradientPenaltyAt } from "../lib/nn/adversarial";
import { Adam } from "../lib/nn/optim";
import { mulberry32, normal } from "../lib/core/rng";
import { kcsMatrix } from "../lib/pose/kcs";
import { NON_ROOT, NUM_JOINTS } from "../lib/pose/skeleton";

await initBackend({ quiet: true });
const randn = (n: number, seed: number, scale = 1) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * normal(r));
};

/**
 * ∇ₓD by autodiff vs central differences in x, then d(penalty)/dθ (a gradient of a gradient)
 * vs central differences of the penalty's value in θ, for a few entries of every variable.
 */
function checkPenaltyGradients(c: PoseCritic, xHat: tf.Tensor2D, seed: number): void {
  const score = (x: tf.Tensor2D) => c.score(x);
  const gx = tf
    .grad((x: tf.Tensor) => tf.sum(score(x as tf.Tensor2D)))(xHat)
    .arraySync() as number[][];
  const xs = xHat.arraySync() as number[][];
  const D = (x: number[][]) => tf.tidy(() => tf.sum(score(tf.tensor2d(x))).dataSync()[0]);
  const r = mulberry32(seed);
  for (let t = 0; t < 4; t++) {
    const i = Math.floor(r() * xs.length),
      j = Math.floor(r() * xs[0].length);
    const h = 1e-2,
      up = xs.map((row) => row.slice()),
      dn = xs.map((row) => row.slice());
    up[i][j] += h;
    dn[i][j] -= h;
    const fd = (D(up) - D(dn)) / (2 * h);
    assert.ok(
      Math.abs(fd - gx[i][j]) <= 2e-3 + 1e-2 * Math.abs(gx[i][j]),
      `${c.name} ∂D/∂x[${i}][${j}]: fd ${fd} vs ${gx[i][j]}`,
    );
  }
  const P = () => gradientPenaltyAt(score, xHat, 10);
  const { value, grads } = tf.variableGrads(P, c.trainable());
  let compared = 0;
  for (const v of c.trainable()) {
    const vals = v.dataSync().slice();
    for (let t = 0; t < (v.rank === 2 ? 3 : 1); t++) {
      const k = Math.floor(r() * vals.length),
        h = 1e-3;
      const at = (d: number) => {
        const w = vals.slice();
        w[k] += d;
        tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
        return tf.tidy(() => P().dataSync()[0]);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
      // The score's last bias only shifts D, so ∇ₓD does not depend on it: TF.js returns no gradient.
      const ad = grads[v.name] ? grads[v.name].dataSync()[k] : 0;
      assert.ok(
        Math.abs(fd - ad) <= 5e-3 + 2e-2 * Math.abs(ad),
        `${v.name}[${k}]: finite difference ${fd} vs autodiff ${ad}`,
      );
      if (Math.abs(ad) > 1e-3) compared++;
    }
  }
  assert.ok(compared >= 5, `only ${compared} non-trivial penalty gradients were compared`);
  tf.dispose([value, ...Object.values(grads)]);
}

test("the gradient penalty's gradient matches finite differences: MLP critic (residual pair, leaky ReLU)", () => {
  const c = new MlpCritic({ inputDim: 5, hidden: 7, blocks: 1, leak: 0.2 }, 3);
  const xHat = tf.tensor2d(randn(4 * 5, 1), [4, 5]);
  checkPenaltyGradients(c, xHat, 9);
  tf.dispose(xHat);
  c.dispose();
});

test("the gradient penalty's gradient matches finite differences: KCS critic (Ψ = BᵀB path)", () => {
  const c = new KcsCritic({ inputDim: 51, dims: 3, hidden: 6, blocks: 1, leak: 0.2, scale: 0.5 }, 4);
  const xHat = tf.tensor2d(randn(3 * 51, 2), [3, 51]);
  checkPenaltyGradients(c, xHat, 10);
  tf.dispose(xHat);
  c.dispose();
});

test("the KCS critic's Ψ equals BᵀB of the pure KCS, for 17 joints and for z-scored root-less inputs", () => {
  const pose = randn(NUM_JOINTS * 3, 5, 300); // mm
  const full = new KcsCritic({ inputDim: 51, dims: 3, hidden: 4, blocks: 0, leak: 0.2, scale: 1e-3 }, 1);
  const psi = tf.tidy(() => full.kcsFeatures(tf.tensor2d(pose, [1, 51])).dataSync());
  const expect = kcsMatrix(
    Array.from(pose, (v) => v * 1e-3),
    3,
  );
  expect.forEach((e, k) => assert.ok(Math.abs(psi[k] - e) < 1e-5 + 1e-4 * Math.abs(e), `Ψ[${k}]: ${psi[k]} vs ${e}`));
  // Root-centred, root removed, z-scored: the critic undoes the z-score and puts the root at 0.
  const centred = pose.map((v, i) => v - pose[i % 3]);
  const mean = randn(48, 6, 50),
    std = Float32Array.from(randn(48, 7), (v) => 100 + 30 * Math.abs(v));
  const x = Float32Array.from(
    NON_ROOT.flatMap((j) => [0, 1, 2].map((d) => j * 3 + d)),
    (src, i) => (centred[src] - mean[i]) / std[i],
  );
  const sub = new KcsCritic(
    { inputDim: 48, dims: 3, hidden: 4, blocks: 0, leak: 0.2, scale: 1e-3, denorm: { mean, std } },
    1,
  );
  const psi2 = tf.tidy(() => sub.kcsFeatures(tf.tensor2d(x, [1, 48])).dataSync());
  expect.forEach((e, k) =>
    assert.ok(Math.abs(psi2[k] - e) < 1e-4 + 1e-3 * Math.abs(e), `root-less Ψ[${k}]: ${psi2[k]} vs ${e}`),
  );
  full.dispose();
  sub.dispose();
});

test("critics score [B], expose hidden features, and reject wrong shapes and layers", () => {
  const before = tf.memory().numTensors;
  const m = buildCritic({ arch: "mlp", inputDim: 34, hidden: 16, blocks: 2, leak: 0.2 }, 1);
  const k = buildCritic(
    { arch: "kcs", inputDim: 32, dims: 2, missingRoot: "midHips", hidden: 8, blocks: 1, leak: 0.2 },
    1,
  );
  assert.equal(
    tf.memory().numTensors,
    before + m.variables().length + k.variables().length + 2,
    "variables + the KCS bone map",
  );
  const start = tf.memory().numTensors;
  tf.tidy(() => {
    const x2 = tf.tensor2d(randn(5 * 34, 1), [5, 34]),
      x2r = tf.tensor2d(randn(5 * 32, 1), [5, 32]);
    assert.deepEqual(m.score(x2).shape, [5]);
    assert.deepEqual(m.featureLayers, ["stem", "block1", "block2"]);
    assert.deepEqual(m.features(x2).shape, [5, 16]);
    assert.deepEqual(m.features(x2, "stem").shape, [5, 16]);
    assert.deepEqual(k.score(x2r).shape, [5]);
    for (const l of k.featureLayers) assert.deepEqual(k.features(x2r, l).shape, [5, 8]);
    assert.throws(() => m.score(x2r), /expected poses of shape \[B, 34\], got \[5, 32\]/);
    assert.throws(() => m.features(x2, "block9"), /unknown layer "block9"/);
  });
  assert.equal(tf.memory().numTensors, start);
  assert.throws(
    () => new KcsCritic({ inputDim: 50, dims: 3, hidden: 4, blocks: 0, leak: 0.2 }, 1),
    /inputDim 50 does not match/,
  );
  m.dispose();
  k.dispose();
  assert.equal(tf.memory().numTensors, before, "dispose frees every tensor a critic made");
});

const lossKinds = ["gan", "wgan", "wgan-gp"] as const;

for (const arch of ["mlp", "kcs"] as const) {
  test(`${arch}: critic steps of every loss leak no tensors and separate real from fake`, () => {
    for (const loss of lossKinds) {
      const spec: CriticSpec =
        arch === "mlp"
          ? { arch, inputDim: 51, hidden: 32, blocks: 1, leak: 0.2 }
          : { arch, inputDim: 51, dims: 3, hidden: 32, blocks: 1, leak: 0.2, scale: 0.3 };
      const c = buildCritic(spec, 1);
      const adam = new Adam(c.trainable());
      const real = tf.add(tf.tensor2d(randn(64 * 51, 2), [64, 51]), 1) as tf.Tensor2D,
        fake = tf.tensor2d(randn(64 * 51, 3), [64, 51]);
      const counts: number[] = [],
        first: number[] = [],
        last: number[] = [];
      const key = loss === "gan" ? "loss" : "wasserstein";
      const lr = loss === "wgan" ? 5e-3 : 1e-3;
      for (let s = 0; s < 30; s++) {
        const r = criticStep(c, adam, real, fake, { loss, lr, seed: s });
        const names = {
          gan: ["fakeLogit", "loss", "realLogit"],
          wgan: ["loss", "wasserstein"],
          "wgan-gp": ["loss", "penalty", "wasserstein"],
        };
        assert.deepEqual(Object.keys(r).sort(), names[loss]);
        // From step 1 on: WGAN's first estimate is computed before the first clipping.
        if (s >= 1) (s === 1 ? first : last).splice(0, 1, r[key].dataSync()[0]);
        tf.dispose(r);
        counts.push(tf.memory().numTensors);
      }
      assert.equal(counts[29], counts[2], `${arch}/${loss}: tensors ${counts[2]} → ${counts[29]}`);
      if (loss === "gan") assert.ok(last[0] < first[0] - 0.3, `${arch}/gan: BCE falls ${first[0]} → ${last[0]}`);
      else
        assert.ok(
          last[0] > first[0] + (loss === "wgan" ? 0.01 : 0.5),
          `${arch}/${loss}: Wasserstein estimate grows ${first[0]} → ${last[0]}`,
        );
      tf.dispose([real, fake]);
      adam.dispose();
      c.dispose();
    }
  });
}

test("WGAN weight clipping keeps every critic weight in [−c, c] after each update", () => {
  const c = new MlpCritic({ inputDim: 10, hidden: 16, blocks: 1, leak: 0.2 }, 2);
  const before = Math.max(...c.trainable().map((v) => Math.max(...Array.from(v.dataSync(), Math.abs))));
  assert.ok(before > 0.05, "initial weights exceed the bound, so clipping has work to do");
  const adam = new Adam(c.trainable());
  const real = tf.tensor2d(randn(32 * 10, 4), [32, 10]),
    fake = tf.tensor2d(randn(32 * 10, 5, 2), [32, 10]);
  for (let s = 0; s < 5; s++) {
    tf.dispose(criticStep(c, adam, real, fake, { loss: "wgan", clip: 0.05, lr: 1e-2, seed: s }));
    const max = Math.max(...c.trainable().map((v) => Math.max(...Array.from(v.dataSync(), Math.abs))));
    assert.ok(max <= 0.05 + 1e-7, `step ${s}: max |w| = ${max}`);
    assert.ok(max > 0.049, `step ${s}: some weights sit on the bound (max |w| = ${max})`);
  }
  tf.dispose([real, fake]);
  adam.dispose();
  c.dispose();
});

test("generator steps move only the generator and raise its critic score; the wrapped steps fit the training core", () => {
  const D = 12,
    Z = 4,
    B = 32;
  const critic = new MlpCritic({ inputDim: D, hidden: 16, blocks: 1, leak: 0.2 }, 3);
  const W = tf.variable(tf.tensor2d(randn(Z * D, 6, 0.3), [Z, D]), true, "toy_generator/W");
  const gen = (seed: number) => tf.matMul(tf.randomNormal([B, Z], 0, 1, "float32", seed), W) as tf.Tensor2D;
  const gOpt = new Adam([W]),
    cOpt = new Adam(critic.trainable());
  const real = tf.add(tf.tensor2d(randn(B * D, 7), [B, D]), 2) as tf.Tensor2D;
  const criticBefore = critic.trainable().map((v) => v.dataSync().slice());
  const score = () => tf.tidy(() => tf.mean(critic.score(gen(99))).dataSync()[0]);
  const s0 = score();
  for (let s = 0; s < 5; s++) tf.dispose(generatorStep(critic, gOpt, () => gen(s), { loss: "wgan-gp", lr: 1e-2 }));
  critic
    .trainable()
    .forEach((v, i) =>
      assert.deepEqual(v.dataSync(), criticBefore[i], `${v.name} must not change in a generator step`),
    );
  assert.ok(score() > s0, `the critic's score of generated samples rises: ${s0} → ${score()}`);

  const cStep = makeCriticStep<tf.Tensor2D>({
    critic,
    optimizer: cOpt,
    loss: "wgan-gp",
    real: (b) => b,
    fake: (_b, ctx) => gen(ctx.seed),
    lr: 1e-3,
    nCritic: 3,
  });
  const gStep = makeGeneratorStep<tf.Tensor2D>({
    critic,
    optimizer: gOpt,
    loss: "wgan-gp",
    generate: (_b, ctx) => gen(ctx.seed),
    lr: 1e-3,
  });
  assert.equal(cStep.repeat, 3);
  const counts: number[] = [];
  for (let s = 0; s < 6; s++) {
    const ctx: StepContext = { epoch: 0, globalStep: s, seed: 1000 + s, values: { lr: 5e-4 } };
    for (let k = 0; k < (cStep.repeat ?? 1); k++) tf.dispose(cStep.run(real, { ...ctx, seed: ctx.seed * 7 + k }));
    const g = gStep.run(real, ctx);
    assert.deepEqual(Object.keys(g), ["loss"]);
    tf.dispose(g);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[5], counts[1]);
  tf.dispose([real, W]);
  gOpt.dispose();
  cOpt.dispose();
  critic.dispose();
});
