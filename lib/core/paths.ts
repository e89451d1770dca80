/**
 * Project paths. Every path is resolved from the project root, which is where the
 * tslab launcher, the tests and the CLI all run; `HPE_ROOT` overrides it.
 * (No `import.meta` here: tslab loads lib files as CommonJS.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";

function findRoot(): string {
  if (process.env.HPE_ROOT) return path.resolve(process.env.HPE_ROOT);
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
  const base = process.env.HPE_OUT_DIR ? path.resolve(ROOT, process.env.HPE_OUT_DIR) : path.join(ROOT, "out");
  return path.join(base, ...parts);
}

/** Version of an installed package, or undefined when it is not installed. */
export function packageVersion(name: string): string | undefined {
  try {
    return (rootRequire(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}
