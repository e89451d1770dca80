/** Shared test helpers. */
import * as fs from "node:fs";
import * as path from "node:path";
import assert from "node:assert/strict";
import { dataDir } from "../lib/data/dataset";

/**
 * The mocap data folder for tests: HPE_DATA_DIR (CI: ../shared/data), else data/, else
 * ../shared/data. Returns a skip reason instead when none has mocap, except under CI,
 * where missing data is a failure.
 */
export function mocapDataDir(): { dir: string; skip: false } | { dir: ""; skip: string } {
  const candidates = [
    process.env.HPE_DATA_DIR ? dataDir() : "",
    path.resolve("data"),
    path.resolve("..", "shared", "data"),
  ].filter(Boolean);
  const hasBvh = (d: string) => fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith(".bvh"));
  for (const d of candidates) {
    if (hasBvh(path.join(d, "cmu-mocap")) || hasBvh(path.join(d, "bandai-namco-motion")))
      return { dir: d, skip: false };
  }
  if (process.env.CI) throw new Error(`CI: no mocap data in ${candidates.join(", ")}`);
  return {
    dir: "",
    skip: `no mocap data (looked in ${candidates.join(", ")}); run npm run fetch-data or set HPE_DATA_DIR`,
  };
}

/** A fresh scratch folder under out/test-<name>. */
export function scratchDir(name: string): string {
  const d = path.resolve("out", `test-${name}`);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Max absolute difference of two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Assert |actual − expected| ≤ tol · (1 + |expected|) element by element, naming the first miss. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}
