/**
 * The import graph of lib/: every relative import (static, `export … from`, dynamic
 * `import()`) between lib files, and checks of the layering rules.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Layers from the ground floor up; a module imports only from its own layer or below. */
export const LAYERS = [
  "core",
  "pose",
  "backend",
  "nn",
  "data",
  "models",
  "wild",
  "eval",
  "train",
  "viz",
  "notebook",
] as const;

export type Graph = Map<string, string[]>;

/** Files under `dir` ending in .ts, relative to `root`. */
function tsFiles(root: string, dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(root, rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

const SPEC = /(?:^|[\s;])(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The graph of lib/ under `root`: file → the lib files it imports. */
export function libImportGraph(root: string): Graph {
  const g: Graph = new Map();
  for (const f of tsFiles(root, "lib")) {
    const src = fs
      .readFileSync(path.join(root, f), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    const deps: string[] = [];
    for (const m of src.matchAll(SPEC)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith(".")) continue;
      const base = path.normalize(path.join(path.dirname(f), spec));
      const target = [`${base}.ts`, path.join(base, "index.ts"), base].find((c) => fs.existsSync(path.join(root, c)));
      if (!target) throw new Error(`${f}: cannot resolve import "${spec}"`);
      if (target.endsWith(".ts")) deps.push(target);
    }
    g.set(f, deps);
  }
  return g;
}

/** Cycles of a graph (each as a list of files, first repeated at the end), by depth-first search. */
export function findCycles(g: Graph): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (state.get(d) === "open") cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

/** The layer of a lib file (`lib/<layer>/…`), or undefined for a file outside the layers. */
export function layerOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  return parts[0] === "lib" && parts.length > 2 ? parts[1] : undefined;
}

/** Imports that point up the layers, or out of a layer's own rules; each as "a → b (why)". */
export function layerViolations(g: Graph): string[] {
  const rank = (f: string) => LAYERS.indexOf(layerOf(f) as (typeof LAYERS)[number]);
  const out: string[] = [];
  for (const [f, deps] of g) {
    if (rank(f) < 0) out.push(`${f} (not in a layer folder: ${LAYERS.join(", ")})`);
    for (const d of deps) {
      if (rank(d) > rank(f)) out.push(`${f} → ${d} (upward: ${layerOf(f)} may not import ${layerOf(d)})`);
      if (layerOf(f) === "nn" && (layerOf(d) === "pose" || layerOf(d) === "data"))
        out.push(`${f} → ${d} (nn/ knows tensors, not poses)`);
    }
  }
  return out;
}

/** lib files of the pure layers that import TF.js. */
export function impureFiles(root: string, layers = ["core", "pose"]): string[] {
  return [...libImportGraph(root).keys()].filter(
    (f) =>
      layers.includes(layerOf(f) ?? "") && /from\s+["']@tensorflow\//.test(fs.readFileSync(path.join(root, f), "utf8")),
  );
}
