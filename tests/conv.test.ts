/**
 * conv2d, its gradients and conv2dTranspose on the active backend match the pure-JS cpu
 * backend and finite differences, with the native im2col + OpenBLAS kernels (when the addon
 * is built) and without them (HPE_BLAS=0: the pure TF.js kernels).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { loadBlasAddon } from "../lib/backend/kernels/blas";
import { mulberry32, normal } from "../lib/core/rng";

await initBackend({ quiet: true });
const randn = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => normal(r));
};

test("the conv2d filter gradient matches finite differences (strides 1 and 2, same and valid padding)", () => {
  for (const [stride, pad] of [
    [1, "same"],
    [2, "same"],
    [2, "valid"],
    [3, "valid"],
  ] as const) {
    const x = tf.tensor4d(randn(2 * 9 * 8 * 3, 1), [2, 9, 8, 3]);
    const w = randn(3 * 3 * 3 * 4, 2);
    const target = tf.tidy(() => tf.conv2d(x, tf.tensor4d(randn(3 * 3 * 3 * 4, 9), [3, 3, 3, 4]), stride, pad));
    const loss = (wt: tf.Tensor) => tf.sum(tf.square(tf.sub(tf.conv2d(x, wt as tf.Tensor4D, stride, pad), target)));
    const g = tf
      .grad(loss)(tf.tensor4d(w, [3, 3, 3, 4]))
      .dataSync();
    const r = mulberry32(stride);
    for (let t = 0; t < 6; t++) {
      const i = Math.floor(r() * w.length),
        h = 1e-2;
      const at = (d: number) => {
        const v = w.slice();
        v[i] += d;
        return tf.tidy(() => loss(tf.tensor4d(v, [3, 3, 3, 4])).dataSync()[0]);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      assert.ok(
        Math.abs(fd - g[i]) <= 1e-2 + 1e-2 * Math.abs(g[i]),
        `stride ${stride} ${pad} w[${i}]: finite difference ${fd} vs autodiff ${g[i]}`,
      );
    }
    tf.dispose([x, target]);
  }
});

test("conv2d gradients and conv2dTranspose agree with the cpu backend", { timeout: 180_000 }, () => {
  // Several geometries: stride 1–3, same/valid padding, odd sizes, filters larger than the stride.
  const script = `
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/backend/backend";
await initBackend({ quiet: true });
const r = (n, s) => { let a = s; return Float32Array.from({ length: n }, () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5); };
const out = [];
for (const [h, w, k, s, pad] of [[16, 16, 4, 2, "same"], [9, 11, 3, 2, "valid"], [10, 7, 5, 3, "same"], [8, 8, 3, 1, "same"], [13, 13, 2, 2, "valid"]]) {
  const x = tf.tensor4d(r(2 * h * w * 3, h), [2, h, w, 3]), f = tf.tensor4d(r(k * k * 3 * 5, k), [k, k, 3, 5]);
  const g = tf.grads((a, b) => tf.sum(tf.square(tf.conv2d(a, b, s, pad))))([x, f]);
  const y = tf.conv2d(x, f, s, pad);
  const t = tf.conv2dTranspose(y, f, [2, h, w, 3], s, pad);
  out.push(Array.from(g[0].dataSync()), Array.from(g[1].dataSync()), Array.from(t.dataSync()), Array.from(y.dataSync()));
}
const { describeBackend } = await import("./lib/backend/backend");
console.log(JSON.stringify({ backend: tf.getBackend(), kernels: describeBackend(await initBackend({ quiet: true })), out }));`;
  const run = (backend: string, env: Record<string, string> = {}) => {
    const p = spawnSync("node", ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, HPE_BACKEND: backend, ...env },
    });
    assert.equal(p.status, 0, p.stderr);
    return JSON.parse(p.stdout.trim().split("\n").at(-1)!) as { backend: string; kernels: string; out: number[][] };
  };
  const cpu = run("cpu");
  assert.equal(cpu.backend, "cpu");
  const paths = [run(process.env.HPE_BACKEND ?? "wasm"), run(process.env.HPE_BACKEND ?? "wasm", { HPE_BLAS: "0" })];
  assert.doesNotMatch(paths[1].kernels, /native conv2d/);
  if (typeof loadBlasAddon() !== "string") assert.match(paths[0].kernels, /native conv2d/);
  for (const fast of paths) {
    cpu.out.forEach((ref, k) => {
      const scale = Math.max(...ref.map(Math.abs));
      assert.equal(fast.out[k].length, ref.length);
      fast.out[k].forEach((v, i) =>
        assert.ok(
          Math.abs(v - ref[i]) <= 1e-4 * scale,
          `case ${Math.floor(k / 4)} ${["dx", "dw", "transpose", "forward"][k % 4]}[${i}]: ${fast.kernels.slice(0, 80)} ${v} vs cpu ${ref[i]}`,
        ),
      );
    });
  }
});

test("the conv2d input gradient and conv2dTranspose match finite differences", () => {
  for (const [stride, pad] of [
    [1, "same"],
    [2, "same"],
    [2, "valid"],
  ] as const) {
    const shape: [number, number, number, number] = [2, 8, 7, 3];
    const w = tf.tensor4d(randn(4 * 4 * 3 * 5, 3), [4, 4, 3, 5]);
    const x0 = randn(2 * 8 * 7 * 3, 4);
    const target = tf.tidy(() => tf.conv2d(tf.tensor4d(randn(2 * 8 * 7 * 3, 5), shape), w, stride, pad));
    const loss = (xt: tf.Tensor) => tf.sum(tf.square(tf.sub(tf.conv2d(xt as tf.Tensor4D, w, stride, pad), target)));
    const g = tf.grad(loss)(tf.tensor4d(x0, shape)).dataSync();
    // conv2dTranspose(dy, w) is ∂/∂x of Σ conv2d(x, w)·dy: check it against the same sums.
    const dy = tf.tensor4d(randn(target.size, 6), target.shape as [number, number, number, number]);
    const tr = tf.conv2dTranspose(dy, w, shape, stride, pad).dataSync();
    const lin = (v: Float32Array) =>
      tf.tidy(() => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(v, shape), w, stride, pad), dy)).dataSync()[0]);
    const r = mulberry32(10 + stride);
    for (let t = 0; t < 6; t++) {
      // The loss is quadratic in x (and the transpose check linear), so a central difference
      // is exact up to rounding: a large step keeps float32 rounding of the ~1e4 loss small.
      const i = Math.floor(r() * x0.length),
        h = 0.25;
      const at = (d: number) => {
        const v = x0.slice();
        v[i] += d;
        return tf.tidy(() => loss(tf.tensor4d(v, shape)).dataSync()[0]);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      assert.ok(
        Math.abs(fd - g[i]) <= 1e-2 + 1e-2 * Math.abs(g[i]),
        `stride ${stride} ${pad} x[${i}]: finite difference ${fd} vs autodiff ${g[i]}`,
      );
      const vp = x0.slice(),
        vm = x0.slice();
      vp[i] += h;
      vm[i] -= h;
      const fdT = (lin(vp) - lin(vm)) / (2 * h);
      assert.ok(
        Math.abs(fdT - tr[i]) <= 1e-2 + 1e-2 * Math.abs(tr[i]),
        `stride ${stride} ${pad} transpose[${i}]: ${fdT} vs ${tr[i]}`,
      );
    }
    tf.dispose([w, target, dy]);
  }
});
