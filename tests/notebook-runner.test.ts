/**
 * The notebook runner must fail loudly: a notebook with a failing cell makes it exit
 * non-zero and print that cell's real error (which tslab hides in stderr).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function notebook(cells: string[]): unknown {
  return {
    cells: cells.map((src, i) => ({ cell_type: "code", execution_count: null, id: `t${i}`, metadata: {}, outputs: [], source: src })),
    metadata: { kernelspec: { display_name: "TypeScript (tslab)", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

test("a failing cell stops the runner with exit 1 and prints its error", { timeout: 120_000 }, () => {
  const dir = path.resolve("out", "test-runner");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const nbPath = path.join(dir, "99_failing.ipynb");
  fs.writeFileSync(
    nbPath,
    JSON.stringify(notebook(['const ok = 1 + 1;\nconsole.log("first cell ran", ok);', 'throw new Error("deliberate failure 7391");', 'console.log("never runs");'])),
  );
  const r = spawnSync("bash", ["scripts/run-notebooks.sh", "--out", path.join(dir, "out"), nbPath], { encoding: "utf8", env: { ...process.env } });
  assert.equal(r.status, 1, `runner exit status ${r.status}; stderr:\n${r.stderr}`);
  assert.match(r.stderr, /FAILED .*99_failing\.ipynb/);
  assert.match(r.stderr, /failing cell #1/);
  assert.match(r.stderr, /deliberate failure 7391/);
  // The partial notebook is kept for inspection, with the first cell's output.
  const executed = JSON.parse(fs.readFileSync(path.join(dir, "out", "notebooks", "99_failing.ipynb"), "utf8"));
  assert.match(JSON.stringify(executed.cells[0].outputs), /first cell ran 2/);
  assert.doesNotMatch(JSON.stringify(executed.cells[2].outputs), /never runs/);
});

test("a TypeScript type error in a cell is reported with its diagnostic", { timeout: 120_000 }, () => {
  const dir = path.resolve("out", "test-runner");
  fs.mkdirSync(dir, { recursive: true });
  const nbPath = path.join(dir, "98_typeerror.ipynb");
  fs.writeFileSync(nbPath, JSON.stringify(notebook(['const n: number = "not a number";'])));
  const r = spawnSync("bash", ["scripts/run-notebooks.sh", "--no-html", "--out", path.join(dir, "out"), nbPath], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Type 'string' is not assignable to type 'number'/);
});
