/** lib/ is layered: no import cycles, no upward imports, pure ground floor. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { findCycles, impureFiles, LAYERS, layerViolations, libImportGraph } from "./support/import-graph";
import { scratchDir } from "./helpers";

test("the checker finds a cycle and an upward import in a fixture tree", () => {
  const root = scratchDir("import-graph");
  const write = (f: string, s: string) => {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), s);
  };
  write("lib/core/a.ts", 'import { b } from "./b";\nexport const a = 1;\n');
  write("lib/core/b.ts", 'export { a } from "./a";\nexport const b = 2;\n');
  write("lib/pose/p.ts", '// import { x } from "../viz/v"; (a comment is not an import)\nexport const p = 3;\n');
  write("lib/nn/n.ts", 'import type { p } from "../pose/p";\nexport const n = 4;\n');
  write("lib/viz/v.ts", 'import { a } from "../core/a";\nexport const v = async () => import("../notebook/s");\n');
  write("lib/notebook/s.ts", "export const s = 5;\n");
  write("lib/core/c.ts", 'import { v } from "../viz/v";\nexport const c = v;\n');
  const g = libImportGraph(root);
  assert.deepEqual(g.get(path.join("lib", "pose", "p.ts")), []);
  const cycles = findCycles(g).map((c) => c.map((f) => path.basename(f)).join(" → "));
  assert.deepEqual(cycles, ["a.ts → b.ts → a.ts"]);
  const bad = layerViolations(g);
  assert.equal(bad.length, 3, bad.join("\n"));
  assert.ok(bad.some((b) => /c\.ts → lib.viz.v\.ts \(upward/.test(b)));
  assert.ok(bad.some((b) => /v\.ts → lib.notebook.s\.ts \(upward/.test(b)));
  assert.ok(bad.some((b) => /n\.ts → .*p\.ts \(nn\/ knows tensors/.test(b)));
});

test("lib/ has no import cycles and no upward imports", () => {
  const g = libImportGraph(process.cwd());
  assert.ok(g.size > 30, `read ${g.size} lib files`);
  assert.deepEqual(findCycles(g), []);
  assert.deepEqual(layerViolations(g), []);
});

test("ls lib reads as the pipeline, and pose/ and core/ do not use TF.js", () => {
  const dirs = fs
    .readdirSync("lib", { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  for (const d of dirs) assert.ok((LAYERS as readonly string[]).includes(d), `lib/${d} is not a layer`);
  assert.deepEqual(
    fs.readdirSync("lib").filter((f) => f.endsWith(".ts")),
    [],
    "no loose files at lib/'s top level",
  );
  assert.deepEqual(impureFiles(process.cwd()), []);
});
