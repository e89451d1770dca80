/** conv2d gradients on the active backend match the pure-JS cpu backend and finite differences. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { mulberry32, normal } from "../lib/rng";

await initBackend({ quiet: true });
const randn = (n: number, seed: number) => { const r = mulberry32(seed); return Float32Array.from({ length: n }, () => normal(r)); };

test("the conv2d filter gradient matches finite differences (strides 1 and 2, same and valid padding)", () => {
  for (const [stride, pad] of [[1, "same"], [2, "same"], [2, "valid"], [3, "valid"]] as const) {
    const x = tf.tensor4d(randn(2 * 9 * 8 * 3, 1), [2, 9, 8, 3]);
    const w = randn(3 * 3 * 3 * 4, 2);
    const target = tf.tidy(() => tf.conv2d(x, tf.tensor4d(randn(3 * 3 * 3 * 4, 9), [3, 3, 3, 4]), stride, pad));
    const loss = (wt: tf.Tensor) => tf.sum(tf.square(tf.sub(tf.conv2d(x, wt as tf.Tensor4D, stride, pad), target)));
    const g = tf.grad(loss)(tf.tensor4d(w, [3, 3, 3, 4])).dataSync();
    const r = mulberry32(stride);
    for (let t = 0; t < 6; t++) {
      const i = Math.floor(r() * w.length), h = 1e-2;
      const at = (d: number) => { const v = w.slice(); v[i] += d; return tf.tidy(() => loss(tf.tensor4d(v, [3, 3, 3, 4])).dataSync()[0]); };
      const fd = (at(h) - at(-h)) / (2 * h);
      assert.ok(Math.abs(fd - g[i]) <= 1e-2 + 1e-2 * Math.abs(g[i]), `stride ${stride} ${pad} w[${i}]: finite difference ${fd} vs autodiff ${g[i]}`);
    }
    tf.dispose([x, target]);
  }
});

test("conv2d gradients agree with the cpu backend", { timeout: 120_000 }, () => {
  const script = `
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/backend";
await initBackend({ quiet: true });
const r = (n, s) => { let a = s; return Float32Array.from({ length: n }, () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5); };
const x = tf.tensor4d(r(2 * 16 * 16 * 3, 1), [2, 16, 16, 3]), w = tf.tensor4d(r(4 * 4 * 3 * 8, 2), [4, 4, 3, 8]);
const g = tf.grads((a, b) => tf.sum(tf.square(tf.conv2d(a, b, 2, "same"))))([x, w]);
console.log(JSON.stringify({ backend: tf.getBackend(), dx: Array.from(g[0].dataSync()), dw: Array.from(g[1].dataSync()) }));`;
  const run = (backend: string) => {
    const p = spawnSync("node", ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, HPE_BACKEND: backend } });
    assert.equal(p.status, 0, p.stderr);
    return JSON.parse(p.stdout.trim().split("\n").at(-1)!) as { backend: string; dx: number[]; dw: number[] };
  };
  const fast = run(process.env.HPE_BACKEND ?? "wasm"), cpu = run("cpu");
  assert.equal(cpu.backend, "cpu");
  for (const k of ["dx", "dw"] as const) {
    const scale = Math.max(...cpu[k].map(Math.abs));
    fast[k].forEach((v, i) => assert.ok(Math.abs(v - cpu[k][i]) <= 1e-4 * scale, `${k}[${i}]: ${fast.backend} ${v} vs cpu ${cpu[k][i]}`));
  }
});
