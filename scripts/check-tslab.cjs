#!/usr/bin/env node
// Type-checks every lib/ file the way the notebooks' tslab kernel compiles it: tslab's own
// TypeScript (5.0), non-strict, ES2022 without DOM, Node10 module resolution, rootDir = the
// project root. tsconfig.json (strict, TS 7) is checked by `npm run typecheck`; this catches
// code that TS 7 accepts and tslab does not, before a notebook fails on it minutes into a run.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..");
const ts = require(path.join(root, "node_modules", "@tslab", "typescript-for-tslab"));

function tsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

const files = tsFiles(path.join(root, "lib"));
const program = ts.createProgram(files, {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  resolveJsonModule: true,
  allowJs: true,
  skipLibCheck: true,
  noEmit: true,
  rootDir: root,
  types: ["node"],
});
const diags = ts
  .getPreEmitDiagnostics(program)
  .filter((d) => !d.file || d.file.fileName.startsWith(path.join(root, "lib")));
for (const d of diags) {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    console.error(`${path.relative(root, d.file.fileName)} ${line + 1}:${character + 1} - ${msg}`);
  } else console.error(msg);
}
console.log(`[tslab-check] ${files.length} lib files with tslab's TypeScript ${ts.version}: ${diags.length} error(s)`);
process.exit(diags.length ? 1 : 0);
