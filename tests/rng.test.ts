import { test } from "node:test";
import assert from "node:assert/strict";
import { mulberry32, normal, permutation, sampleIndices } from "../lib/core/rng";

test("the same seed gives the same stream; another seed a different one", () => {
  const a = mulberry32(42),
    b = mulberry32(42),
    c = mulberry32(43);
  const sa = Array.from({ length: 100 }, a),
    sb = Array.from({ length: 100 }, b),
    sc = Array.from({ length: 100 }, c);
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.ok(sa.every((v) => v >= 0 && v < 1));
});

test("uniform and normal samples have the right moments", () => {
  const r = mulberry32(1);
  const n = 200_000;
  let s = 0,
    s2 = 0,
    z = 0,
    z2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r();
    s += u;
    s2 += u * u;
    const g = normal(r);
    z += g;
    z2 += g * g;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.005);
  assert.ok(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12) < 0.002);
  assert.ok(Math.abs(z / n) < 0.01);
  assert.ok(Math.abs(z2 / n - 1) < 0.01);
});

test("permutations contain every index once", () => {
  const p = Array.from(permutation(1000, mulberry32(5))).sort((x, y) => x - y);
  assert.deepEqual(
    p,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.throws(() => sampleIndices(3, 4, mulberry32(1)), /cannot draw 4 distinct indices from 3/);
});
