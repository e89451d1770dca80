import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { mulberry32, normal } from "../lib/core/rng";

function cli(env: Record<string, string>) {
  return spawnSync("node", ["--import", "tsx", "scripts/hpe.ts", "backend"], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

test("an unknown HPE_BACKEND is a clear error (a usage error: exit 2)", () => {
  const r = cli({ HPE_BACKEND: "tpu" });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'hpe: HPE_BACKEND="tpu": expected one of node-gpu, node, wasm, cpu\n');
});

test("a forced backend that cannot start says why", () => {
  const r = cli({ HPE_BACKEND: "node-gpu" });
  if (r.status === 0) return assert.match(r.stdout, /backend: node-gpu/); // a machine with CUDA + libtensorflow
  assert.match(r.stderr, /HPE_BACKEND=node-gpu was requested but cannot start: .*tfjs-node-gpu/);
});

test("HPE_BACKEND=cpu is honoured and printed", () => {
  const r = cli({ HPE_BACKEND: "cpu" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[hpe3d\] backend: cpu \(tf backend "cpu", tfjs 4\.22\.0/);
});

test("the default picks the best backend that starts, and transposed products stay exact", async () => {
  delete process.env.HPE_BACKEND;
  const info = await initBackend({ quiet: true });
  assert.ok(["node-gpu", "node", "wasm"].includes(info.choice), `expected a fast backend, got ${info.choice}`);
  // Compare every transpose combination with a plain JS triple loop.
  const rand = mulberry32(3);
  const m = 7,
    k = 13,
    n = 5;
  const A = Array.from({ length: m * k }, () => normal(rand));
  const B = Array.from({ length: k * n }, () => normal(rand));
  const ref = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) ref[i * n + j] += A[i * k + p] * B[p * n + j];
  const a = tf.tensor2d(A, [m, k]),
    b = tf.tensor2d(B, [k, n]);
  const before = tf.memory().numTensors;
  for (const [tA, tB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const out = tf.tidy(() => tf.matMul(tA ? a.transpose() : a, tB ? b.transpose() : b, tA, tB));
    const got = out.dataSync();
    out.dispose();
    for (let i = 0; i < m * n; i++)
      assert.ok(Math.abs(got[i] - ref[i]) < 1e-4, `transposeA=${tA} transposeB=${tB}: [${i}] ${got[i]} vs ${ref[i]}`);
    // Fused path (dense layer with bias + relu), transposed.
    const fused = tf.tidy(() =>
      tf.fused.matMul({
        a: tA ? a.transpose() : a,
        b: tB ? b.transpose() : b,
        transposeA: tA,
        transposeB: tB,
        bias: tf.ones([n]),
        activation: "relu",
      }),
    );
    const fv = fused.dataSync();
    fused.dispose();
    for (let i = 0; i < m * n; i++)
      assert.ok(Math.abs(fv[i] - Math.max(0, ref[i] + 1)) < 1e-4, `fused transposeA=${tA} transposeB=${tB}`);
  }
  assert.equal(tf.memory().numTensors, before, "the matmul kernels leak tensors");
  tf.dispose([a, b]);
});
