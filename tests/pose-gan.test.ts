/**
 * The pose GAN through the training loop on real mocap (smoke size): no tensor leaks, a run
 * stopped after its first epoch and reopened ends with the numbers of an uninterrupted one,
 * the critic's Wasserstein estimate is positive and the plausibility measures match direct
 * computations; and a WGAN-GP critic trained on real vs one-forearm-perturbed poses ranks
 * held-out real poses above perturbed ones.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { mulberry32 } from "../lib/core/rng";
import { denormalize3d } from "../lib/data/preprocess";
import {
  criticAuc,
  normalizePoses3d,
  perturbForearm,
  scorePoses,
  trainPerturbationCritic,
} from "../lib/eval/pose-plausibility";
import { PoseGan } from "../lib/models/pose-gan";
import { poseFid } from "../lib/pose/plausibility";
import { jointIndex } from "../lib/pose/skeleton";
import {
  defaultGanConfig,
  ganData,
  parseGanConfig,
  trainGan,
  type GanConfig,
  type TrainedGan,
} from "../lib/train/gan-run";
import { maxAbsDiff, mocapDataDir, scratchDir } from "./helpers";

const mocap = mocapDataDir();
await initBackend({ quiet: true });

const cfg: GanConfig = {
  ...defaultGanConfig("wgan-gp"),
  name: "tiny-wgan-gp",
  trainEveryNth: 40,
  valEveryNth: 40,
  criticHidden: 32,
  criticBlocks: 1,
  generatorHidden: 32,
  generatorLayers: 3,
  latentDim: 8,
  epochs: 2,
  batchSize: 64,
  checkpointEverySteps: 0,
  evalSamples: 100,
  gridSamples: 4,
};

const weights = (r: TrainedGan) =>
  [...r.gan.generator.variables(), ...r.gan.critic.variables()].map((v) => v.dataSync().slice());
const numbers = (r: TrainedGan) => r.history.map((h) => ({ epoch: h.epoch, step: h.step, terms: h.terms, val: h.val }));

test("a bad GanConfig is refused naming the field", () => {
  assert.throws(
    () => parseGanConfig({ ...cfg, loss: "lsgan" }, "cfg.json"),
    /cfg\.json: loss must be one of gan, wgan, wgan-gp/,
  );
  assert.throws(() => parseGanConfig({ ...cfg, generatorLayers: 4 }, "cfg.json"), /generatorLayers must be odd/);
  assert.throws(() => parseGanConfig({ ...cfg, nCritic: 0 }, "cfg.json"), /nCritic must be an integer ≥ 1/);
});

test("a WGAN-GP pose GAN trains through the loop: no leaks, identical after a reopened run, W > 0, plausibility", {
  skip: mocap.skip || false,
  timeout: 120_000,
}, async () => {
  const data = ganData(cfg, mocap.dir);
  // Normalizing mm poses inverts denormalize3d.
  const back = denormalize3d(normalizePoses3d(data.valMm.subarray(0, 51 * 20), data.stats), data.stats);
  assert.ok(maxAbsDiff(back, data.valMm.subarray(0, 51 * 20)) < 1e-3);

  const start = tf.memory().numTensors;
  const whole = await trainGan(cfg, data, { runsDir: scratchDir("pose-gan-whole"), verbose: false });
  const wholeNumbers = numbers(whole),
    wholeWeights = weights(whole),
    wholeGrid = whole.samplesByEpoch;
  assert.equal(whole.history.length, 2);

  // (c) The critic's Wasserstein estimate is positive (training mean and on held-out poses).
  const last = whole.history.at(-1)!;
  assert.ok(last.terms["critic.wasserstein"] > 0, `critic.wasserstein ${last.terms["critic.wasserstein"]}`);
  assert.ok(last.terms["critic.penalty"] >= 0);
  assert.ok(last.val.criticGap > 0, `held-out criticGap ${last.val.criticGap}`);
  for (const k of ["fid", "symmetry", "outsideAngles", "diversity", "criticReal", "criticFake"]) {
    assert.ok(Number.isFinite(last.val[k]), `val.${k} = ${last.val[k]}`);
  }
  assert.ok(last.val.outsideAngles >= 0 && last.val.outsideAngles <= 1);
  // The validation numbers agree with direct computations on the held-out poses and the fixed eval z.
  assert.ok(Math.abs(whole.reference.fid - poseFid(whole.fidReference, whole.heldOut)) < 1e-6 * whole.reference.fid);
  const realScores = scorePoses(whole.gan.critic, normalizePoses3d(whole.heldOut, data.stats));
  const meanReal = realScores.reduce((s, v) => s + v, 0) / realScores.length;
  assert.ok(Math.abs(meanReal - last.val.criticReal) < 1e-4 * Math.max(1, Math.abs(meanReal)));
  // Two epochs of a tiny generator are far from real poses: its FID is above the real-vs-real one.
  assert.ok(last.val.fid > whole.reference.fid, `fid ${last.val.fid} vs reference ${whole.reference.fid}`);
  assert.deepEqual([...wholeGrid.keys()], [1, 2]);
  assert.equal(wholeGrid.get(2)!.length, cfg.gridSamples * 51);
  whole.gan.dispose();
  assert.equal(tf.memory().numTensors, start, "tensors leaked by a whole run");

  // (b) Stop after epoch 1 (the checkpoint is written before onEpoch), reopen, finish.
  const dir = scratchDir("pose-gan-resumed");
  await assert.rejects(
    trainGan(cfg, data, {
      runsDir: dir,
      verbose: false,
      onEpoch: (log) => {
        if (log.epoch === 1) throw new Error("stop here");
      },
    }),
    /stop here/,
  );
  assert.equal(tf.memory().numTensors, start, "tensors leaked by a stopped run");
  const resumed = await trainGan(cfg, data, { runsDir: dir, verbose: false });
  assert.equal(resumed.epochsTrained, 1);
  assert.deepEqual(numbers(resumed), wholeNumbers);
  weights(resumed).forEach((w, i) => assert.equal(maxAbsDiff(w, wholeWeights[i]), 0, `variable ${i} differs`));
  for (const e of [1, 2]) assert.equal(maxAbsDiff(resumed.samplesByEpoch.get(e)!, wholeGrid.get(e)!), 0);
  resumed.gan.dispose();
  // Reopening a finished run trains nothing.
  const again = await trainGan(cfg, data, { runsDir: dir, verbose: false });
  assert.equal(again.loaded, true);
  again.gan.dispose();
  assert.equal(tf.memory().numTensors, start, "tensors leaked");
});

test("perturbForearm turns one forearm by the reported angle and keeps its length", {
  skip: mocap.skip || false,
}, () => {
  const data = ganData(cfg, mocap.dir);
  const poses = data.valMm.subarray(0, 51 * 50);
  const { poses: out, angles } = perturbForearm(poses, mulberry32(3));
  for (let i = 0; i < 50; i++) {
    const changed = (["LWrist", "RWrist"] as const).filter((w) => {
      const j = jointIndex(w),
        b = i * 51 + j * 3;
      return Math.hypot(out[b] - poses[b], out[b + 1] - poses[b + 1], out[b + 2] - poses[b + 2]) > 1e-3;
    });
    assert.equal(changed.length, 1, `pose ${i}: exactly one wrist moves`);
    const side = changed[0] === "LWrist" ? "L" : "R";
    const e = jointIndex(`${side}Elbow`),
      w = jointIndex(`${side}Wrist`);
    const vec = (a: ArrayLike<number>) => [0, 1, 2].map((d) => a[i * 51 + w * 3 + d] - a[i * 51 + e * 3 + d]);
    const u = vec(poses),
      v = vec(out),
      nu = Math.hypot(...u),
      nv = Math.hypot(...v);
    assert.ok(Math.abs(nu - nv) < 1e-2, "forearm length kept");
    const deg = (Math.acos(Math.min(1, (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (nu * nv))) * 180) / Math.PI;
    assert.ok(Math.abs(deg - angles[i]) < 0.1, `pose ${i}: turned ${deg}°, reported ${angles[i]}°`);
    assert.ok(angles[i] >= 60 && angles[i] <= 180);
  }
});

test("a WGAN-GP critic trained on real vs perturbed poses ranks held-out real poses above perturbed ones (AUC > 0.6)", {
  skip: mocap.skip || false,
  timeout: 90_000,
}, () => {
  const data = ganData(cfg, mocap.dir);
  const start = tf.memory().numTensors;
  const critic = trainPerturbationCritic(
    { arch: "mlp", inputDim: 48, hidden: 64, blocks: 1, leak: 0.2 },
    data.trainMm,
    data.stats,
    { steps: 200, batch: 64, lr: 5e-4, seed: 7 },
  );
  const r = criticAuc(critic, data.valMm, data.stats, 11);
  critic.dispose();
  console.log(`held-out AUC real vs one-forearm-perturbed: ${r.auc.toFixed(4)} (${r.real.length} poses)`);
  assert.ok(r.auc > 0.6, `AUC ${r.auc}`);
  assert.equal(tf.memory().numTensors, start, "tensors leaked");
});

test("a pose GAN with the KCS critic: both steps run, each moves only its own player, and nothing leaks", () => {
  const D = 48,
    stats = { mean3d: Array.from({ length: D }, (_, i) => (i % 3) * 10), std3d: Array<number>(D).fill(100) };
  const start = tf.memory().numTensors;
  const gan = new PoseGan({ ...cfg, critic: "kcs", criticHidden: 16, criticBlocks: 1, generatorHidden: 16 }, stats, 5);
  assert.deepEqual(Object.keys(gan.parts), ["generator", "critic"]);
  assert.deepEqual(
    gan.steps.map((s) => [s.name, s.repeat ?? 1]),
    [
      ["critic", cfg.nCritic],
      ["generator", 1],
    ],
  );
  const snap = (vs: tf.Variable[]) => vs.map((v) => v.dataSync().slice());
  const real = tf.randomNormal([8, D], 0, 1, "float32", 1) as tf.Tensor2D;
  const ctx = { epoch: 0, globalStep: 0, progress: 0, seed: 3, values: { lr: 1e-3 } };
  for (const [k, mover, still] of [
    [0, gan.critic, gan.generator],
    [1, gan.generator, gan.critic],
  ] as const) {
    const m0 = snap(mover.trainable()),
      s0 = snap(still.trainable());
    const terms = gan.steps[k].run({ real }, ctx);
    for (const [name, t] of Object.entries(terms)) assert.ok(Number.isFinite(t.dataSync()[0]), `${name} finite`);
    if (k === 0) assert.deepEqual(Object.keys(terms).sort(), ["loss", "penalty", "wasserstein"]);
    tf.dispose(Object.values(terms));
    assert.ok(
      snap(mover.trainable()).some((w, i) => maxAbsDiff(w, m0[i]) > 0),
      `step ${k} moves its player`,
    );
    snap(still.trainable()).forEach((w, i) =>
      assert.equal(maxAbsDiff(w, s0[i]), 0, `step ${k} leaves the other player`),
    );
  }
  real.dispose();
  gan.dispose();
  assert.equal(tf.memory().numTensors, start, "tensors leaked");
});
