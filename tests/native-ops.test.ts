/**
 * The wasm kernels re-registered by lib/backend/kernels/ops.ts (Tile, Identity, and through
 * the native addon: Sum/Mean, Sqrt/Rsqrt/Square, comparisons with a scalar, FusedBatchNorm)
 * against values computed here by brute force, and the Martinez baseline (batch norm,
 * dropout, residual, max-norm) trained through them against the plain paths at equal seeds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { loadBlasAddon } from "../lib/backend/kernels/blas";
import { randomUniform } from "../lib/backend/kernels/random";
import { adamUpdate } from "../lib/backend/kernels/adam";
import { Adam } from "../lib/nn/optim";
import { mulberry32, normal } from "../lib/core/rng";
import { assertClose } from "./helpers";

const backend = await initBackend({ quiet: true });
const addon = loadBlasAddon();
const wasm = backend.choice === "wasm";
const skipNative = !wasm ? "not on wasm" : typeof addon === "string" ? addon : false;
const randn = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => normal(r));
};

const close = assertClose;

test("Tile copies rows and blocks in every axis, float32 and int32", { skip: !wasm && "not on wasm" }, () => {
  const n0 = tf.memory().numTensors;
  for (const [shape, reps] of [
    [
      [1, 1, 1, 5],
      [1, 1, 4, 1],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [[3], [4]],
    [
      [2, 1, 3],
      [1, 5, 2],
    ],
    [
      [2, 2],
      [1, 1],
    ],
  ] as [number[], number[]][]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = Float32Array.from({ length: n }, (_, i) => i * 1.5 - 2);
    const out = tf.tidy(() => tf.tile(tf.tensor(vals, shape), reps).dataSync());
    // Brute force: out[i] = x[i_d mod shape_d per axis].
    const outShape = shape.map((d, i) => d * reps[i]);
    const total = outShape.reduce((a, b) => a * b, 1);
    const want = new Float32Array(total);
    for (let k = 0; k < total; k++) {
      let rem = k,
        src = 0,
        stride = 1;
      const idx: number[] = [];
      for (let d = outShape.length - 1; d >= 0; d--) {
        idx[d] = rem % outShape[d];
        rem = Math.floor(rem / outShape[d]);
      }
      for (let d = shape.length - 1; d >= 0; d--) {
        src += (idx[d] % shape[d]) * stride;
        stride *= shape[d];
      }
      want[k] = vals[src];
    }
    close(out, want, 0, `tile ${shape} × ${reps}`);
    const ints = tf.tidy(() =>
      tf
        .tile(
          tf.tensor(
            Int32Array.from(vals, (v) => Math.round(v * 2)),
            shape,
            "int32",
          ),
          reps,
        )
        .dataSync(),
    );
    close(
      ints,
      Array.from(want, (v) => Math.round(v * 2)),
      0,
      "int32 tile",
    );
  }
  assert.equal(tf.memory().numTensors, n0);
});

test("Identity shares memory safely: clones survive the disposal of the original", {
  skip: !wasm && "not on wasm",
}, () => {
  const a = tf.tensor([1, 2, 3]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  const v = tf.variable(b);
  b.dispose();
  v.assign(tf.tidy(() => tf.mul(v, 2)));
  assert.deepEqual(Array.from(v.dataSync()), [2, 4, 6]);
  v.dispose();
});

test("Sum and Mean over leading, middle, trailing and all axes match brute force", { skip: skipNative }, () => {
  const shape = [3, 4, 5, 6];
  const x = randn(360, 1);
  const at = (i: number[]) => x[((i[0] * 4 + i[1]) * 5 + i[2]) * 6 + i[3]];
  for (const axes of [[0], [1, 2], [3], [0, 1, 2], [0, 1, 2, 3], [-1], [2]]) {
    for (const keepDims of [false, true]) {
      const norm = axes.map((a) => (a < 0 ? a + 4 : a));
      const [s, m] = tf.tidy(() => {
        const t = tf.tensor(x, shape);
        return [tf.sum(t, axes, keepDims).dataSync(), tf.mean(t, axes, keepDims).dataSync()];
      });
      const outDims = shape.map((d, i) => (norm.includes(i) ? 1 : d));
      const count = norm.reduce((c, a) => c * shape[a], 1);
      const want: number[] = [];
      for (let a = 0; a < outDims[0]; a++)
        for (let b = 0; b < outDims[1]; b++)
          for (let c = 0; c < outDims[2]; c++)
            for (let d = 0; d < outDims[3]; d++) {
              let sum = 0;
              for (let p = 0; p < (norm.includes(0) ? 3 : 1); p++)
                for (let q = 0; q < (norm.includes(1) ? 4 : 1); q++)
                  for (let r = 0; r < (norm.includes(2) ? 5 : 1); r++)
                    for (let t = 0; t < (norm.includes(3) ? 6 : 1); t++) {
                      sum += at([
                        norm.includes(0) ? p : a,
                        norm.includes(1) ? q : b,
                        norm.includes(2) ? r : c,
                        norm.includes(3) ? t : d,
                      ]);
                    }
              want.push(sum);
            }
      close(s, want, 1e-5, `sum over ${axes}`);
      close(
        m,
        want.map((v) => v / count),
        1e-5,
        `mean over ${axes}`,
      );
    }
  }
  // A non-contiguous set of axes goes to wasm's own kernel, with the same result.
  const s = tf.tidy(() => tf.sum(tf.tensor(x, shape), [0, 2]).dataSync());
  assert.equal(s.length, 24);
});

test("Sqrt, Rsqrt, Square, scalar comparisons and batch norm match brute force", { skip: skipNative }, () => {
  const x = randn(1000, 2),
    pos = x.map((v) => Math.abs(v) + 0.1);
  const got = tf.tidy(() => {
    const p = tf.tensor(pos),
      t = tf.tensor(x, [40, 25]);
    return {
      sqrt: tf.sqrt(p).dataSync(),
      rsqrt: tf.rsqrt(p).dataSync(),
      square: tf.square(t).dataSync(),
      ge: tf.greaterEqual(t, 0.5).dataSync(),
      gt: tf.greater(t, tf.scalar(0.5)).dataSync(),
      le: tf.lessEqual(t, 0.5).dataSync(),
      lt: tf.less(t, 0.5).dataSync(),
      flipped: tf.greaterEqual(tf.scalar(0.5), t).dataSync(),
    };
  });
  close(got.sqrt, pos.map(Math.sqrt), 1e-6, "sqrt");
  close(
    got.rsqrt,
    pos.map((v) => 1 / Math.sqrt(v)),
    1e-6,
    "rsqrt",
  );
  close(
    got.square,
    x.map((v) => v * v),
    1e-6,
    "square",
  );
  close(
    got.ge,
    Array.from(x, (v) => Number(v >= 0.5)),
    0,
    "greaterEqual",
  );
  close(
    got.gt,
    Array.from(x, (v) => Number(v > 0.5)),
    0,
    "greater",
  );
  close(
    got.le,
    Array.from(x, (v) => Number(v <= 0.5)),
    0,
    "lessEqual",
  );
  close(
    got.lt,
    Array.from(x, (v) => Number(v < 0.5)),
    0,
    "less",
  );
  close(
    got.flipped,
    Array.from(x, (v) => Number(0.5 >= v)),
    0,
    "scalar ≥ tensor",
  );
  const C = 25,
    mean = randn(C, 3),
    variance = randn(C, 4).map((v) => v * v + 0.1),
    beta = randn(C, 5),
    gamma = randn(C, 6);
  const bn = tf.tidy(() => tf.batchNorm(tf.tensor(x, [40, C]), mean, variance, beta, gamma, 1e-3).dataSync());
  const bnPlain = tf.tidy(() => tf.batchNorm(tf.tensor(x, [40, C]), mean, variance).dataSync());
  close(
    bn,
    Array.from(x, (v, i) => ((v - mean[i % C]) * gamma[i % C]) / Math.sqrt(variance[i % C] + 1e-3) + beta[i % C]),
    1e-5,
    "batchNorm",
  );
  close(
    bnPlain,
    Array.from(x, (v, i) => (v - mean[i % C]) / Math.sqrt(variance[i % C] + 1e-3)),
    1e-5,
    "batchNorm without scale/offset",
  );
});

test("the baseline (batch norm, dropout, residual, max-norm) follows the plain paths' loss curve at equal seeds", {
  skip: skipNative,
  timeout: 240_000,
}, () => {
  const run = (env: Record<string, string>) => {
    const r = spawnSync("node", ["--import", "tsx", "tests/support/baseline-loss-curve.ts"], {
      encoding: "utf8",
      env: { ...process.env, HPE_BACKEND: "wasm", HIDDEN: "128", ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
      backend: string;
      losses: number[];
      moving: number[];
      leaked: number;
    };
  };
  const fast = run({}),
    pure = run({ HPE_BLAS: "0" }),
    shipped = run({ HPE_BLAS: "0", HPE_WASM_FIX: "0" });
  assert.match(fast.backend, /native reductions/);
  assert.doesNotMatch(pure.backend, /OpenBLAS/);
  assert.doesNotMatch(shipped.backend, /heap Tile|transposed-matmul/);
  assert.equal(fast.leaked, 0, "no tensors leak per step");
  assert.ok(fast.losses[24] < fast.losses[0], "the loss falls");
  for (const other of [pure, shipped]) {
    fast.losses.forEach((l, i) => {
      const tol = i < 8 ? 1e-4 : 1e-2;
      assert.ok(
        Math.abs(l - other.losses[i]) <= tol * Math.abs(other.losses[i]),
        `step ${i}: native ${l} vs ${other.backend.slice(0, 60)} ${other.losses[i]}`,
      );
    });
    close(fast.moving, other.moving, 1e-3, "batch-norm moving variance");
  }
});

test("randomUniform equals tf.randomUniform bit for bit", { skip: skipNative }, () => {
  for (const [shape, lo, hi, seed] of [
    [[256, 1024], 0, 1, 131],
    [[7, 3], -2, 5, 0],
    [[1000], 0, 1, "abc"],
    [[0, 4], 0, 1, 3],
  ] as [number[], number, number, number | string][]) {
    const [a, b] = tf.tidy(() => [
      randomUniform(shape, lo, hi, seed).dataSync(),
      tf.randomUniform(shape, lo, hi, "float32", seed).dataSync(),
    ]);
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.equal(a[i], b[i], `seed ${seed} value ${i}`);
  }
  const time = (f: () => tf.Tensor) => {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      f().dispose();
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  const fast = time(() => randomUniform([256, 1024], 0, 1, 5)),
    slow = time(() => tf.randomUniform([256, 1024], 0, 1, "float32", 5));
  // Timing only reported: Alea is a serial chain, so the native loop gains ~1.5× (plus no JS buffer to collect).
  console.log(`randomUniform 256×1024: native ${fast.toFixed(2)} ms, tf.randomUniform ${slow.toFixed(2)} ms`);
});

test("Add, Sub, Multiply, RealDiv, SquaredDifference: same shapes, scalars, row and column broadcasts, threaded sizes", {
  skip: skipNative,
}, () => {
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (x: number, y: number) => number][] = [
    ["add", tf.add, (x, y) => x + y],
    ["sub", tf.sub, (x, y) => x - y],
    ["mul", tf.mul, (x, y) => x * y],
    ["div", tf.div, (x, y) => x / y],
    ["squaredDifference", tf.squaredDifference, (x, y) => (x - y) ** 2],
  ];
  const cases: [number[], number[]][] = [
    [
      [64, 80],
      [64, 80],
    ],
    [
      [600, 512],
      [600, 512],
    ],
    [[64, 80], []],
    [[], [64, 80]],
    [[64, 80], [80]],
    [
      [1, 80],
      [64, 80],
    ],
    [[1, 1, 64, 80], [80]],
    [[80], [2, 1, 64, 80]],
    [
      [64, 1],
      [64, 80],
    ],
    [
      [300, 1024],
      [1, 1024],
    ],
  ];
  for (const [sa, sb] of cases) {
    const va = randn(
        sa.reduce((p, d) => p * d, 1),
        7,
      ),
      vb = randn(
        sb.reduce((p, d) => p * d, 1),
        8,
      ).map((v) => v + Math.sign(v) * 0.5);
    const out = tf.backend_util.assertAndGetBroadcastShape(sa, sb);
    const n = out.reduce((p, d) => p * d, 1);
    // Brute-force broadcasting: index each operand by the output's coordinates (size-1 axes repeat).
    const index = (shape: number[], k: number) => {
      let rem = k,
        src = 0,
        stride = 1;
      for (let d = out.length - 1; d >= 0; d--) {
        const coord = rem % out[d];
        rem = Math.floor(rem / out[d]);
        const sd = d - (out.length - shape.length);
        if (sd >= 0) {
          src += (shape[sd] === 1 ? 0 : coord) * stride;
          stride *= shape[sd];
        }
      }
      return src;
    };
    for (const [name, f, ref] of ops) {
      const got = tf.tidy(() => f(tf.tensor(va, sa), tf.tensor(vb, sb)).dataSync());
      const want = Float32Array.from({ length: n }, (_, k) => ref(va[index(sa, k)], vb[index(sb, k)]));
      close(got, want, 1e-6, `${name} [${sa}] [${sb}]`);
    }
  }
});

test("the fused Adam update equals the op-by-op update bit for bit (lib/nn's Adam runs it), with no leak", {
  skip: skipNative,
}, () => {
  const shapes = [[1024, 1024], [300], [17, 5]];
  const init = shapes.map((s, k) =>
    randn(
      s.reduce((a, b) => a * b, 1),
      20 + k,
    ),
  );
  const ref = init.map((v, k) => tf.variable(tf.tensor(v, shapes[k])));
  const fused = init.map((v, k) => tf.variable(tf.tensor(v, shapes[k])));
  const adam = new Adam(ref);
  const m = fused.map((p) => tf.variable(tf.zerosLike(p), false)),
    v = fused.map((p) => tf.variable(tf.zerosLike(p), false));
  const n0 = tf.memory().numTensors;
  let tFused = Infinity,
    tRef = Infinity;
  for (let step = 1; step <= 4; step++) {
    const grads = shapes.map((s, k) => tf.tensor(randn(init[k].length, 100 * step + k), s));
    const alpha = (1e-3 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
    let t0 = performance.now();
    adamUpdate(ref, adam.m, adam.v, grads, { b1: 0.9, b2: 0.999, eps: 1e-7, alpha, opByOp: true });
    tRef = Math.min(tRef, performance.now() - t0);
    t0 = performance.now();
    adamUpdate(fused, m, v, grads, { b1: 0.9, b2: 0.999, eps: 1e-7, alpha });
    tFused = Math.min(tFused, performance.now() - t0);
    tf.dispose(grads);
    for (let k = 0; k < shapes.length; k++) {
      for (const [a, b, what] of [
        [ref[k], fused[k], "p"],
        [adam.m[k], m[k], "m"],
        [adam.v[k], v[k], "v"],
      ] as const) {
        const x = a.dataSync(),
          y = b.dataSync();
        for (let i = 0; i < x.length; i++)
          if (x[i] !== y[i]) assert.fail(`step ${step} ${what}${k}[${i}]: op by op ${x[i]} vs fused ${y[i]}`);
      }
    }
  }
  assert.equal(tf.memory().numTensors, n0, "no tensors leak");
  // Speed belongs in the bench (npm run bench); here it is only reported.
  console.log(`Adam over 1.05M values: fused ${tFused.toFixed(2)} ms, op by op ${tRef.toFixed(2)} ms`);
  tf.dispose([...ref, ...fused, ...m, ...v]);
  adam.dispose();
});
