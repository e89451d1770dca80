/**
 * Project paths. Every path is resolved from the project root, which is where the
 * tslab launcher, the tests and the CLI all run; `HPE_ROOT` overrides it. The `HPE_*` values are
 * read through lib/core/settings.ts, when a function is called.
 * (No `import.meta` here: tslab loads lib files as CommonJS.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { setting } from "./settings";

function findRoot(): string {
  const forced = setting("HPE_ROOT");
  if (forced) return path.resolve(forced);
  let dir = process.cwd();
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "hpe3d") return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Absolute path of the project root. */
export const ROOT = findRoot();

/** `require` usable from both ESM (tsx) and CJS (tslab) lib code, resolving from the root. */
export const rootRequire = createRequire(path.join(ROOT, "noop.js"));

/** Output folder for executed notebooks, reports, figures and runs (`HPE_OUT_DIR`, default `out/`). */
export function outDir(...parts: string[]): string {
  const forced = setting("HPE_OUT_DIR");
  const base = forced ? path.resolve(ROOT, forced) : path.join(ROOT, "out");
  return path.join(base, ...parts);
}

/** Where run folders live: `HPE_RUNS_DIR` (relative to the project root), else `<output folder>/runs`. */
export function runsDir(): string {
  const forced = setting("HPE_RUNS_DIR");
  return forced ? path.resolve(ROOT, forced) : outDir("runs");
}

/** Where data is read: `HPE_DATA_DIR` (relative to the project root), else `data/` in the project. */
export function dataDir(): string {
  const forced = setting("HPE_DATA_DIR");
  return forced ? path.resolve(ROOT, forced) : path.join(ROOT, "data");
}

/** Version of an installed package, or undefined when it is not installed. */
export function packageVersion(name: string): string | undefined {
  try {
    return (rootRequire(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}
