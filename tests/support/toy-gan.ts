/**
 * A toy two-player model for testing the training loop: a generator z (2-D noise) → a 2-D
 * point and a critic 2-D point → score, trained as a non-saturating GAN on points of a
 * ring, with 2 critic steps per generator step, one Adam each.
 *   node --import tsx tests/support/toy-gan.ts <runDir> [epochs]
 * trains (or resumes) in <runDir> and prints the final history as JSON.
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/backend";
import { mulberry32 } from "../../lib/core/rng";
import { Mlp } from "../../lib/nn/mlp";
import { Adam, minimize } from "../../lib/nn/optim";
import type { BatchSource, Trainable } from "../../lib/nn/trainable";
import { trainLoop } from "../../lib/train/loop";

type ToyBatch = { real: tf.Tensor2D; z: tf.Tensor2D };
const spec = { hidden: 32, layers: 3, residual: false, batchNorm: false, dropout: 0 };

export function toyGan(seed: number): Trainable<ToyBatch> & { dispose(): void } {
  const generator = new Mlp({ ...spec, inputDim: 2, heads: [2] }, "generator", seed);
  const critic = new Mlp({ ...spec, inputDim: 2, heads: [1] }, "critic", seed + 1);
  const gOpt = new Adam(generator.trainable()),
    cOpt = new Adam(critic.trainable());
  const score = (x: tf.Tensor2D) => critic.apply(x, { training: true })[0];
  return {
    parts: { generator, critic },
    optimizers: { generator: gOpt, critic: cOpt },
    steps: [
      {
        name: "critic",
        repeat: 2,
        run: ({ real, z }, ctx) =>
          minimize(cOpt, ctx.values.lr, () => {
            const fake = generator.apply(z, { training: true })[0];
            // −log σ(D(real)) − log(1 − σ(D(fake))) = softplus(−D(real)) + softplus(D(fake))
            const lossReal = tf.mean(tf.softplus(tf.neg(score(real)))) as tf.Scalar;
            const lossFake = tf.mean(tf.softplus(score(fake))) as tf.Scalar;
            return { loss: tf.add(lossReal, lossFake) as tf.Scalar, terms: { real: lossReal, fake: lossFake } };
          }),
      },
      {
        name: "generator",
        run: ({ z }, ctx) =>
          minimize(gOpt, ctx.values.lr, () => ({
            loss: tf.mean(tf.softplus(tf.neg(score(generator.apply(z, { training: true })[0])))) as tf.Scalar,
          })),
      },
    ],
    dispose() {
      tf.dispose([...generator.variables(), ...critic.variables()]);
      gOpt.dispose();
      cOpt.dispose();
    },
  };
}

/** Points on a ring of radius 2 (seeded), and seeded noise per batch. */
export function ringData(n: number, seed: number): BatchSource<ToyBatch> {
  const r = mulberry32(seed);
  const pts = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = 2 * Math.PI * r();
    pts[2 * i] = 2 * Math.cos(a);
    pts[2 * i + 1] = 2 * Math.sin(a);
  }
  return {
    size: n,
    batch(idx, batchSeed) {
      const real = new Float32Array(idx.length * 2);
      idx.forEach((i, k) => real.set(pts.subarray(2 * i, 2 * i + 2), 2 * k));
      return {
        real: tf.tensor2d(real, [idx.length, 2]),
        z: tf.randomNormal([idx.length, 2], 0, 1, "float32", batchSeed) as tf.Tensor2D,
      };
    },
  };
}

if (process.argv[1]?.endsWith("toy-gan.ts")) {
  const dir = process.argv[2];
  const epochs = Number(process.argv[3] ?? 30);
  await initBackend({ quiet: true });
  fs.mkdirSync(dir, { recursive: true });
  const model = toyGan(3);
  const r = await trainLoop(
    model,
    { name: "toy-gan", seed: 11, epochs, batchSize: 32, checkpointEverySteps: 5 },
    {
      dir,
      data: ringData(512, 5),
      schedule: (step) => ({ lr: 2e-3 * 0.99 ** (step / 16) }),
      verbose: false,
    },
  );
  console.log(
    JSON.stringify(r.history.map((h) => ({ epoch: h.epoch, step: h.step, terms: h.terms, values: h.values }))),
  );
}
