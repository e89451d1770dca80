/** The optional OpenBLAS kernels: exact products in every layout, and the same training as the pure path. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { loadBlasAddon } from "../lib/backend/kernels/blas";
import { mulberry32, normal } from "../lib/core/rng";

const addon = loadBlasAddon();
if (typeof addon === "string" && process.env.CI && process.env.HPE_BLAS !== "0")
  throw new Error(`CI: the BLAS addon should have been built by setup: ${addon}`);
const skip = typeof addon === "string" ? addon : false;

function ref(
  A: number[],
  B: number[],
  batch: number,
  m: number,
  k: number,
  n: number,
  bA: boolean,
  bB: boolean,
): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let q = 0; q < batch; q++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[(bA ? q : 0) * m * k + i * k + p] * B[(bB ? q : 0) * k * n + p * n + j];
        out[(q * m + i) * n + j] = s;
      }
  return out;
}

test("BLAS products match a JS reference: transposes, batches, broadcasting, fused bias and ReLU", {
  skip,
}, async () => {
  const info = await initBackend({ quiet: true });
  assert.ok(
    info.kernels.some((k) => k.startsWith("OpenBLAS")),
    `kernels in use: ${info.kernels.join(", ")}`,
  );
  const r = mulberry32(5);
  const rand = (n: number) => Array.from({ length: n }, () => normal(r));
  const m = 9,
    k = 17,
    n = 6;
  for (const [batchA, batchB] of [
    [1, 1],
    [3, 3],
    [3, 1],
    [1, 3],
  ]) {
    const A = rand(batchA * m * k),
      B = rand(batchB * k * n);
    const batch = Math.max(batchA, batchB);
    const want = ref(A, B, batch, m, k, n, batchA > 1, batchB > 1);
    const a = batchA > 1 ? tf.tensor3d(A, [batchA, m, k]) : tf.tensor2d(A, [m, k]);
    const b = batchB > 1 ? tf.tensor3d(B, [batchB, k, n]) : tf.tensor2d(B, [k, n]);
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const perm = (t: tf.Tensor) => (t.rank === 3 ? [0, 2, 1] : [1, 0]);
      const got = tf.tidy(() =>
        tf.matMul(tA ? tf.transpose(a, perm(a)) : a, tB ? tf.transpose(b, perm(b)) : b, tA, tB).dataSync(),
      );
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `batch ${batchA}×${batchB} tA=${tA} tB=${tB} [${i}]`);
    }
    tf.dispose([a, b]);
  }
  const A = rand(m * k),
    B = rand(k * n),
    bias = rand(n);
  const want = ref(A, B, 1, m, k, n, false, false);
  for (const biasShape of [[n], [1, n]]) {
    const got = tf.tidy(() =>
      tf.fused
        .matMul({
          a: tf.tensor2d(A, [m, k]),
          b: tf.tensor2d(B, [k, n]),
          bias: tf.tensor(bias, biasShape),
          activation: "relu",
        })
        .dataSync(),
    );
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(got[i] - Math.max(0, want[i] + bias[i % n])) < 1e-4, `fused bias ${biasShape}`);
  }
  assert.throws(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5])), /inner shapes \(3\) and \(4\)/);
});

test("training through the BLAS kernels follows the pure TF.js loss curve at equal seeds", {
  skip,
  timeout: 120_000,
}, () => {
  const run = (env: Record<string, string>) => {
    const r = spawnSync("node", ["--import", "tsx", "tests/support/loss-curve.ts"], {
      encoding: "utf8",
      env: { ...process.env, HPE_BACKEND: "wasm", ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { backend: string; losses: number[] };
  };
  const blas = run({}),
    pure = run({ HPE_BLAS: "0" });
  assert.match(blas.backend, /OpenBLAS/);
  assert.doesNotMatch(pure.backend, /OpenBLAS/);
  assert.ok(blas.losses[24] < blas.losses[0], "the loss falls");
  // The two paths sum in different orders (OpenBLAS blocking vs XNNPACK), and Adam's
  // per-parameter scaling amplifies tiny gradient differences: identical early, within 1% later.
  blas.losses.forEach((l, i) => {
    const tol = i < 8 ? 1e-4 : 1e-2;
    assert.ok(
      Math.abs(l - pure.losses[i]) <= tol * Math.abs(pure.losses[i]),
      `step ${i}: BLAS ${l} vs pure ${pure.losses[i]}`,
    );
  });
});
