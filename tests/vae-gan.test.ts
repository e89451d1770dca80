/**
 * The VAE-GAN lifter: the restricted error flow (each part is updated by the gradient of its
 * own objective only, although the forbidden terms do depend on its parameters), one step
 * moving each part by Adam's first step on that gradient and nothing else, a finite-difference
 * check of the encoder's objective, no tensor leak, and training through trainRun on the
 * shared data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { mulberry32 } from "../lib/core/rng";
import { experimentData } from "../lib/data/experiment";
import { evaluateLifter } from "../lib/eval/evaluate";
import type { LifterOptions } from "../lib/models/lifter";
import { exportLifter, loadExportedLifter } from "../lib/models/export";
import { createLifter } from "../lib/models/registry";
import { VAE_GAN_PARTS, type VaeGanLifter, type VaeGanPart, type VaeGanTerm } from "../lib/models/vae-gan";
import {
  DEFAULT_AE_CONFIG,
  DEFAULT_VAE_CONFIG,
  DEFAULT_VAE_GAN_CONFIG,
  parseConfig,
  validateConfig,
  withProfile,
  type TrainConfig,
} from "../lib/train/config";
import { loadRun, trainRun } from "../lib/train/lifter-run";
import { mocapDataDir, scratchDir } from "./helpers";

const data = mocapDataDir();
const B = 6,
  IN = 32,
  OUT = 48;
const BETA = 0.5,
  GAMMA = 3,
  W = 0.7;

function tiny(decoderGan: "minimax" | "non-saturating" = "non-saturating", seed = 11): VaeGanLifter {
  const opts: LifterOptions = {
    inputDim: IN,
    outputDim: OUT,
    hidden: 16,
    layers: 3,
    latentDim: 4,
    residual: false,
    batchNorm: false,
    dropout: 0,
    maxNorm: 0,
    vaeGan: {
      gamma: GAMMA,
      poseMseWeight: W,
      discHidden: 16,
      discBlocks: 2,
      discFeatureLayer: 1,
      discLr: 1e-3,
      decoderGan,
    },
  };
  return createLifter("vae-gan", opts, seed) as VaeGanLifter;
}

function batch(seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const r = mulberry32(seed);
  const u = (n: number) => Float32Array.from({ length: n }, () => 2 * r() - 1);
  return { x: tf.tensor2d(u(B * IN), [B, IN]), y: tf.tensor2d(u(B * OUT), [B, OUT]) };
}

/** The restricted flow, written out from the thesis (not read from the model). */
const ALLOWED: Record<VaeGanPart, Partial<Record<VaeGanTerm, number>>> = {
  encoder: { kl: BETA / OUT, reconDl: 1, reconMse: W },
  decoder: { reconDl: GAMMA, reconMse: GAMMA * W, ganG: 1 },
  discriminator: { ganD: 1 },
};
const TERMS: VaeGanTerm[] = ["kl", "reconDl", "reconMse", "ganD", "ganG"];

/** Gradient of one term w.r.t. one part's variables, as plain arrays by variable name. */
function termGrad(
  m: VaeGanLifter,
  part: VaeGanPart,
  term: VaeGanTerm,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
): Record<string, Float32Array> {
  const vars = m.parts[part].trainable();
  const out: Record<string, Float32Array> = {};
  // A term that does not reach a variable has no gradient there: zero (and none reaching any
  // variable of the part is variableGrads' "Cannot find a connection" error).
  for (const v of vars) out[v.name] = new Float32Array(v.size);
  tf.tidy(() => {
    try {
      const { value, grads } = tf.variableGrads(
        () => m.terms(x, y, { seed: 5, beta: BETA, gamma: GAMMA })[term]!,
        vars,
      );
      value.dispose();
      for (const v of vars) if (grads[v.name]) out[v.name] = (grads[v.name].dataSync() as Float32Array).slice();
    } catch (e) {
      if (!/Cannot find a connection/.test((e as Error).message)) throw e;
    }
  });
  return out;
}

const norm = (g: Record<string, Float32Array>) =>
  Math.sqrt(Object.values(g).reduce((s, a) => s + a.reduce((t, v) => t + v * v, 0), 0));

test("restricted error flow: each part gets exactly its own objective's gradient; forbidden terms do reach it otherwise", async () => {
  await initBackend({ quiet: true });
  for (const mode of ["non-saturating", "minimax"] as const) {
    const m = tiny(mode);
    const { x, y } = batch(3);
    const start = tf.memory().numTensors;
    const r = m.partGradients(x, y, { seed: 5, beta: BETA, gamma: GAMMA });
    for (const part of VAE_GAN_PARTS) {
      // Only this part's variables have gradients: the other parts' are absent.
      const names = m.parts[part]
        .trainable()
        .map((v) => v.name)
        .sort();
      assert.deepEqual(Object.keys(r.grads[part]).sort(), names, `${part}: gradients for exactly its own variables`);
      const byTerm = Object.fromEntries(TERMS.map((t) => [t, termGrad(m, part, t, x, y)])) as Record<
        VaeGanTerm,
        Record<string, Float32Array>
      >;
      for (const name of names) {
        const got = r.grads[part][name].dataSync();
        const want = new Float64Array(got.length);
        for (const [t, w] of Object.entries(ALLOWED[part]))
          byTerm[t as VaeGanTerm][name].forEach((g, i) => (want[i] += (w as number) * g));
        const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
        got.forEach((g, i) =>
          assert.ok(Math.abs(g - want[i]) <= 1e-4 * scale, `${mode} ${part} ${name}[${i}]: ${g} vs ${want[i]}`),
        );
      }
      // The forbidden terms that depend on this part's parameters: their gradients are not zero,
      // so the equality above would fail if any of them leaked in.
      const forbidden = TERMS.filter((t) => !(t in ALLOWED[part]));
      const reaching = forbidden.filter((t) => norm(byTerm[t]) > 1e-6);
      const expected: Record<VaeGanPart, VaeGanTerm[]> = {
        encoder: ["ganD", "ganG"], // the GAN loss depends on the encoder through Dec(Enc(x))
        decoder: ["ganD"], // the discriminator's loss (in minimax, ganG = −ganD: allowed with the opposite sign)
        discriminator: ["reconDl", "ganG"], // D_l reconstruction and the decoder's GAN term depend on Dis
      };
      assert.deepEqual(reaching, expected[part], `${mode} ${part}: forbidden terms with a gradient on it`);
    }
    if (mode === "minimax")
      assert.ok(Math.abs(r.terms.ganG.dataSync()[0] + r.terms.ganD.dataSync()[0]) < 1e-6, "minimax: ganG = −ganD");
    // Eq. 2.13 as a loss: three BCE terms, at least 3·log 2·… > 0.
    assert.ok(r.terms.ganD.dataSync()[0] > 0);
    for (const part of VAE_GAN_PARTS) tf.dispose(Object.values(r.grads[part]));
    tf.dispose([...Object.values(r.terms), ...Object.values(r.objectives)]);
    assert.equal(tf.memory().numTensors, start, "partGradients leaves no tensors behind");
    tf.dispose([x, y]);
    m.dispose();
  }
});

test("one step: a part with learning rate 0 stays bit-identical; the others move by Adam's first step on their own gradient", async () => {
  await initBackend({ quiet: true });
  const lr = 1e-3;
  for (const frozen of [["discriminator"], ["encoder", "decoder"]] as VaeGanPart[][]) {
    const m = tiny();
    const { x, y } = batch(4);
    const before = Object.fromEntries(
      VAE_GAN_PARTS.map((p) => [p, m.parts[p].trainable().map((v) => v.dataSync().slice())]),
    );
    // The gradients each part must get, from the hand-written table at the current parameters.
    const want = Object.fromEntries(
      VAE_GAN_PARTS.map((part) => {
        const vars = m.parts[part].trainable();
        const byTerm = Object.entries(ALLOWED[part]).map(
          ([t, w]) => [termGrad(m, part, t as VaeGanTerm, x, y), w as number] as const,
        );
        return [
          part,
          vars.map((v) => {
            const g = new Float64Array(v.size);
            for (const [gt, w] of byTerm) gt[v.name].forEach((a, i) => (g[i] += w * a));
            return g;
          }),
        ];
      }),
    ) as Record<VaeGanPart, Float64Array[]>;
    const discLr = frozen.includes("discriminator") ? 0 : lr,
      encLr = frozen.includes("encoder") ? 0 : lr;
    const terms = m.steps[0].run(
      { x, y },
      { epoch: 0, globalStep: 0, progress: 0, seed: 5, values: { lr: encLr, discLr, beta: BETA, gamma: GAMMA } },
    );
    tf.dispose(Object.values(terms));
    for (const part of VAE_GAN_PARTS) {
      const partLr = part === "discriminator" ? discLr : encLr;
      m.parts[part].trainable().forEach((v, k) => {
        const now = v.dataSync(),
          old = before[part][k];
        if (partLr === 0) {
          assert.deepEqual(now, old, `${part} ${v.name} must not change when only the other parts learn`);
          return;
        }
        // Adam's first step: m = (1−β1)g, v = (1−β2)g², Δ = −lr·√(1−β2)/(1−β1) · m/(√v + ε).
        const alpha = (partLr * Math.sqrt(1 - 0.999)) / (1 - 0.9);
        let moved = 0;
        const big = Math.max(...Array.from(want[part][k], Math.abs));
        want[part][k].forEach((g, i) => {
          const delta = -alpha * ((0.1 * g) / (Math.sqrt(0.001 * g * g) + 1e-7));
          // Entries at rounding level may differ in sign between two float32 sums: only bounded.
          if (Math.abs(g) < 1e-5 * big) return assert.ok(Math.abs(now[i] - old[i]) <= alpha * 1.01);
          assert.ok(
            Math.abs(now[i] - old[i] - delta) <= 2e-6 + 0.02 * Math.abs(delta),
            `${part} ${v.name}[${i}]: moved ${now[i] - old[i]}, Adam on its own gradient gives ${delta}`,
          );
          if (now[i] !== old[i]) moved++;
        });
        assert.ok(moved > 0, `${part} ${v.name} moved`);
      });
    }
    tf.dispose([x, y]);
    m.dispose();
  }
});

test("the encoder's objective matches central finite differences along a random direction of every part", async () => {
  await initBackend({ quiet: true });
  const m = tiny();
  const { x, y } = batch(7);
  const v = { seed: 9, beta: BETA, gamma: GAMMA };
  const f = () => tf.tidy(() => m.objective("encoder", m.terms(x, y, v), BETA, GAMMA).dataSync()[0]);
  const r = mulberry32(21);
  for (const part of ["encoder", "discriminator"] as VaeGanPart[]) {
    const vars = m.parts[part].trainable();
    const dirs = vars.map((w) => Float32Array.from({ length: w.size }, () => 2 * r() - 1));
    const len = Math.sqrt(dirs.reduce((s, d) => s + d.reduce((t, a) => t + a * a, 0), 0));
    const { value, grads } = tf.variableGrads(() => m.objective("encoder", m.terms(x, y, v), BETA, GAMMA), vars);
    const analytic = vars.reduce(
      (s, w, k) =>
        s +
        Array.from((grads[w.name]?.dataSync() ?? new Float32Array(w.size)) as Float32Array).reduce(
          (t: number, g: number, i: number) => t + (g * dirs[k][i]) / len,
          0,
        ),
      0,
    );
    tf.dispose([value, ...Object.values(grads)]);
    const orig = vars.map((w) => w.dataSync().slice());
    const at = (h: number) => {
      vars.forEach((w, k) =>
        w.assign(
          tf.tensor(
            orig[k].map((o, i) => o + (h * dirs[k][i]) / len),
            w.shape,
          ),
        ),
      );
      return f();
    };
    const h = 1e-2;
    const numeric = (at(h) - at(-h)) / (2 * h);
    at(0);
    // (For the discriminator this is the gradient of D_l reconstruction, which the encoder's update
    // never applies to it: the objective is still a function of every part.)
    assert.ok(
      Math.abs(analytic - numeric) <= 0.02 * Math.abs(numeric) + 1e-4,
      `${part}: analytic ${analytic} vs finite differences ${numeric}`,
    );
    assert.ok(Math.abs(numeric) > 1e-3, `${part}: the check is not vacuous (${numeric})`);
  }
  tf.dispose([x, y]);
  m.dispose();
});

test("steps leave no tensors behind", async () => {
  await initBackend({ quiet: true });
  const m = tiny();
  const step = (s: number) => {
    const { x, y } = batch(s);
    tf.dispose(
      Object.values(
        m.steps[0].run({ x, y }, { epoch: 0, globalStep: s, progress: 0, seed: s, values: { lr: 1e-3, beta: BETA } }),
      ),
    );
    tf.dispose([x, y]);
  };
  step(1);
  const start = tf.memory().numTensors;
  for (let s = 2; s < 6; s++) step(s);
  assert.equal(tf.memory().numTensors, start);
  m.dispose();
});

test("export: the VAE-GAN's inference graph (encoder μ → decoder) predicts exactly like the lifter; sampling is seeded", async () => {
  await initBackend({ quiet: true });
  const m = tiny();
  const { x, y } = batch(2);
  tf.dispose(
    Object.values(
      m.steps[0].run({ x, y }, { epoch: 0, globalStep: 0, progress: 0, seed: 3, values: { lr: 1e-2, beta: BETA } }),
    ),
  );
  const stats = {
    mode: "thesis" as const,
    joints2d: Array.from({ length: 16 }, (_, i) => i),
    joints3d: Array.from({ length: 16 }, (_, i) => i + 1),
    mean2d: new Float32Array(IN),
    std2d: new Float32Array(IN).fill(1),
    mean3d: new Float32Array(OUT),
    std3d: new Float32Array(OUT).fill(1),
  };
  const dir = scratchDir("export-vae-gan");
  await exportLifter(m, stats as Parameters<typeof exportLifter>[1], dir);
  const loaded = await loadExportedLifter(dir);
  const a = m.predict(x),
    b = loaded.predict(x) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-5, "exported model differs");
  const [h1, h2] = m.sample(x, 2, 7),
    [g2] = m.sample(x, 1, 7, 1);
  assert.deepEqual(h2.dataSync(), g2.dataSync(), "hypothesis 2 is the same however hypotheses are batched");
  assert.ok(tf.max(tf.abs(tf.sub(h1, h2))).dataSync()[0] > 1e-4, "hypotheses differ");
  tf.dispose([x, y, a, b, h1, h2, g2]);
  loaded.dispose();
  m.dispose();
});

test("configs: vae-gan fields are optional, refused on other models, and leave the other presets' config.json as before", () => {
  const vae = JSON.parse(JSON.stringify(withProfile(DEFAULT_VAE_CONFIG, "smoke")));
  for (const k of ["gamma", "poseMseWeight", "discHidden", "discBlocks", "discFeatureLayer", "discLr", "decoderGan"]) {
    assert.ok(!(k in vae), `the β-VAE config has no ${k}`);
    assert.ok(k in DEFAULT_VAE_GAN_CONFIG, `the vae-gan preset sets ${k}`);
  }
  assert.throws(() => validateConfig({ ...DEFAULT_AE_CONFIG, gamma: 2 }), {
    message: "config: gamma is a vae-gan field, not for model ae",
  });
  assert.throws(() => parseConfig({ ...DEFAULT_VAE_CONFIG, gamma: 2, discLr: 0.1 }, "my.json"), {
    message: "my.json: gamma, discLr are vae-gan fields, not for model beta-vae",
  });
  assert.throws(() => validateConfig({ ...DEFAULT_VAE_GAN_CONFIG, discFeatureLayer: 3 }), {
    message: "config: discFeatureLayer must be ≤ discBlocks (1), got 3",
  });
  assert.throws(() => validateConfig({ ...DEFAULT_VAE_GAN_CONFIG, gamma: -1 }), {
    message: "config: gamma must be a number ≥ 0 and ≤ 1000000, got -1",
  });
  const saved = JSON.parse(JSON.stringify(DEFAULT_VAE_GAN_CONFIG));
  assert.deepEqual(parseConfig(saved, "x.json"), DEFAULT_VAE_GAN_CONFIG);
  const old = JSON.parse(JSON.stringify(DEFAULT_VAE_CONFIG));
  assert.deepEqual(
    parseConfig(old, "old.json"),
    DEFAULT_VAE_CONFIG,
    "a β-VAE config.json saved before vae-gan still parses unchanged",
  );
});

test("vae-gan trains through trainRun on the shared data: loss and validation error fall; the run reloads", {
  skip: data.skip,
  timeout: 400_000,
}, async () => {
  await initBackend({ quiet: true });
  const runs = scratchDir("vae-gan-runs");
  const cfg: TrainConfig = {
    ...DEFAULT_VAE_GAN_CONFIG,
    name: "tiny-vae-gan",
    hidden: 64,
    layers: 3,
    latentDim: 16,
    epochs: 3,
    batchSize: 128,
    trainEveryNth: 20,
    testEveryNth: 80,
    discHidden: 64,
    discBlocks: 1,
    discFeatureLayer: 1,
  };
  const d = experimentData({ ...cfg, dataDir: data.dir });
  const r = await trainRun(
    cfg,
    { train: d.trainN, val: { x: d.valN, set: d.val }, stats: d.stats },
    { runsDir: runs, verbose: false },
  );
  const h = r.history;
  assert.equal(h.length, 3);
  for (const k of ["kl", "reconDl", "reconMse", "ganD", "ganG", "encoderLoss", "decoderLoss", "gradNorm"])
    assert.ok(Number.isFinite(h[2].terms[k]), k);
  assert.ok(
    h[2].terms.encoderLoss < h[0].terms.encoderLoss,
    `encoder loss ${h[0].terms.encoderLoss} → ${h[2].terms.encoderLoss}`,
  );
  assert.ok(
    h[2].terms.reconMse < h[0].terms.reconMse * 0.97,
    `pose MSE ${h[0].terms.reconMse} → ${h[2].terms.reconMse}`,
  );
  assert.ok(h[2].val.p1 < h[0].val.p1, `validation P1 ${h[0].val.p1} → ${h[2].val.p1}`);
  const ev = evaluateLifter(r.lifter, r.stats, d.test, { bestOf: [1, 5], seed: 1 });
  assert.ok(ev.bestOfN![1].p1.frameWise <= ev.bestOfN![0].p1.frameWise, "best of 5 is no worse than best of 1");
  // Every part and optimizer was checkpointed: the reloaded lifter predicts the same.
  const again = loadRun(path.join(runs, cfg.name));
  const x = tf.tensor2d(d.valN.x.subarray(0, 8 * d.valN.dimIn), [8, d.valN.dimIn]);
  const [p, q] = [r.lifter.predict(x), again.lifter.predict(x)];
  assert.deepEqual(p.dataSync(), q.dataSync());
  tf.dispose([x, p, q]);
  r.lifter.dispose();
  again.lifter.dispose();
});
