/**
 * The training loop with a model it was not written for: a two-player toy GAN (critic ×2,
 * generator ×1, one Adam each) killed with SIGKILL and resumed ends bit-identical to an
 * uninterrupted run; divergence stops training with the step and term named; run files
 * are validated; nothing leaks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { createHash } from "node:crypto";
import { Mlp } from "../lib/nn/mlp";
import { Adam, minimize } from "../lib/nn/optim";
import type { Trainable } from "../lib/nn/trainable";
import { trainLoop, TrainingDivergedError } from "../lib/train/loop";
import { loadCheckpoint, readMetrics } from "../lib/train/run-folder";
import { ringData, toyGan } from "./support/toy-gan";
import { scratchDir } from "./helpers";

await initBackend({ quiet: true });
const root = scratchDir("loop");
const script = "tests/support/toy-gan.ts";
const EPOCHS = 30;
const numbers = (dir: string) => readMetrics(dir).map((h) => [h.epoch, h.step, h.terms, h.values]);
const binSha = (dir: string) => {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "checkpoint.json"), "utf8"));
  return createHash("sha256")
    .update(fs.readFileSync(path.join(dir, meta.bin)))
    .digest("hex");
};

test("a toy GAN killed with SIGKILL mid-epoch resumes and ends identical to an uninterrupted run", {
  timeout: 120_000,
}, async () => {
  const whole = path.join(root, "whole"),
    killed = path.join(root, "killed");
  const ref = spawnSync("node", ["--import", "tsx", script, whole, String(EPOCHS)], { encoding: "utf8" });
  assert.equal(ref.status, 0, ref.stderr);
  const history = JSON.parse(ref.stdout);
  assert.equal(history.length, EPOCHS);
  assert.deepEqual(Object.keys(history[0].terms).sort(), [
    "critic.fake",
    "critic.gradNorm",
    "critic.loss",
    "critic.real",
    "generator.gradNorm",
    "generator.loss",
  ]);
  const child = spawn("node", ["--import", "tsx", script, killed, String(EPOCHS)], { stdio: "ignore" });
  const ckpt = path.join(killed, "checkpoint.json");
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        const m = fs.existsSync(ckpt) && JSON.parse(fs.readFileSync(ckpt, "utf8"));
        if (m && m.stepInEpoch > 0) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      } catch {
        /* being replaced (atomic rename): try again */
      }
    }, 2);
    child.on("exit", () => {
      clearInterval(timer);
      reject(new Error("training finished before it could be killed"));
    });
  });
  await new Promise((r) => child.once("exit", r));
  const at = JSON.parse(fs.readFileSync(ckpt, "utf8"));
  assert.ok(at.epoch < EPOCHS && at.stepInEpoch > 0, `killed mid-epoch (epoch ${at.epoch}, step ${at.stepInEpoch})`);
  // Both players and both optimizers are in the checkpoint.
  assert.deepEqual(Object.keys(at.optimizers), ["generator", "critic"]);
  assert.ok(at.tensors.some((t: { name: string }) => t.name.startsWith("critic:opt/")));
  const resumed = spawnSync("node", ["--import", "tsx", script, killed, String(EPOCHS)], { encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(numbers(killed), numbers(whole));
  assert.equal(binSha(killed), binSha(whole), "final weights and optimizer states are bit-identical");
});

test("training stops at the first non-finite term, naming the step and the term, and keeps the last checkpoint", async () => {
  const dir = path.join(root, "diverge");
  fs.mkdirSync(dir, { recursive: true });
  const net = new Mlp(
    { inputDim: 2, hidden: 4, layers: 1, residual: false, batchNorm: false, dropout: 0, heads: [1] },
    "net",
    1,
  );
  const opt = new Adam(net.trainable());
  const model: Trainable<{ real: tf.Tensor2D; z: tf.Tensor2D }> = {
    parts: { net },
    optimizers: { adam: opt },
    steps: [
      {
        name: "fit",
        // A finite loss until global step 37, then log(0 − 1) = NaN.
        run: ({ real }, ctx) =>
          minimize(opt, 1e-3, () => {
            const out = tf.mean(net.apply(real, { training: true })[0]) as tf.Scalar;
            const bomb = tf.log(tf.scalar(ctx.globalStep >= 37 ? -1 : 1)) as tf.Scalar;
            return { loss: tf.add(tf.square(out), bomb) as tf.Scalar, terms: { bomb } };
          }),
      },
    ],
  };
  const before = tf.memory().numTensors;
  await assert.rejects(
    trainLoop(
      model,
      { name: "diverge", seed: 1, epochs: 5, batchSize: 16, checkpointEverySteps: 0 },
      { dir, data: ringData(256, 1), verbose: false },
    ),
    (e: Error) =>
      e instanceof TrainingDivergedError &&
      /global step 37 \(epoch 3, step "fit"\): .*bomb.* became NaN or infinite/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before, "no tensor is left behind by the failed epoch");
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "checkpoint.json"), "utf8"));
  assert.equal(meta.epoch, 2, "the last good checkpoint (end of epoch 2) is kept");
  tf.dispose([...net.variables()]);
  opt.dispose();
});

test("run files are validated: a truncated, a repositioned and a non-finite checkpoint are refused with the path", async () => {
  const dir = path.join(root, "whole");
  const model = toyGan(3);
  const file = path.join(dir, "checkpoint.json");
  const good = fs.readFileSync(file, "utf8");
  try {
    fs.writeFileSync(file, good.slice(0, 100));
    assert.throws(
      () => loadCheckpoint(dir, model),
      new RegExp(`${file.replace(/[/.]/g, "\\$&")}: the checkpoint is not valid JSON`),
    );
    fs.writeFileSync(file, good.replace(/"epoch": \d+/, '"epoch": -3'));
    assert.throws(() => loadCheckpoint(dir, model), /checkpoint.json: field "epoch" must be an integer ≥ 0, got -3/);
    // A NaN weight with a matching checksum is still refused.
    const meta = JSON.parse(good);
    const bin = fs.readFileSync(path.join(dir, meta.bin));
    const bad = Buffer.from(bin);
    bad.writeFloatLE(NaN, 8);
    const badName = "checkpoint-999999.bin";
    fs.writeFileSync(path.join(dir, badName), bad);
    fs.writeFileSync(
      file,
      JSON.stringify({ ...meta, bin: badName, sha256: createHash("sha256").update(bad).digest("hex") }),
    );
    assert.throws(
      () => loadCheckpoint(dir, model),
      /checkpoint-999999\.bin: tensor generator\/0 holds a non-finite value \(NaN\)/,
    );
    fs.rmSync(path.join(dir, badName));
    // A metrics line with a wrong field names the line.
    const mfile = path.join(dir, "metrics.jsonl");
    const lines = fs.readFileSync(mfile, "utf8");
    fs.writeFileSync(mfile, lines.replace(/"step":\d+/, '"step":"x"'));
    assert.throws(() => readMetrics(dir), /metrics\.jsonl line 1: field "step" must be an integer ≥ 0, got "x"/);
    fs.writeFileSync(mfile, lines);
  } finally {
    fs.writeFileSync(file, good);
    model.dispose();
  }
});

test("a finished run reopens without training, orphaned temp files are removed, and nothing leaks", async () => {
  const dir = path.join(root, "whole");
  fs.writeFileSync(path.join(dir, "checkpoint-5.bin.123.456.tmp"), "half a write");
  const before = tf.memory().numTensors;
  for (let k = 0; k < 3; k++) {
    const model = toyGan(3);
    const r = await trainLoop(
      model,
      { name: "toy-gan", seed: 11, epochs: EPOCHS, batchSize: 32, checkpointEverySteps: 5 },
      {
        dir,
        data: ringData(512, 5),
        verbose: false,
      },
    );
    assert.equal(r.loaded, true);
    assert.equal(r.history.length, EPOCHS);
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before, "loading a run three times leaves no tensor behind");
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")).length, 0);
});
