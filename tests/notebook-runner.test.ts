/**
 * The notebook runner must fail loudly: a notebook with a failing cell makes it exit
 * non-zero and print that cell's real error (which tslab hides in stderr).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function notebook(cells: string[]): unknown {
  return {
    cells: cells.map((src, i) => ({
      cell_type: "code",
      execution_count: null,
      id: `t${i}`,
      metadata: {},
      outputs: [],
      source: src,
    })),
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
    JSON.stringify(
      notebook([
        'const ok = 1 + 1;\nconsole.log("first cell ran", ok);',
        'throw new Error("deliberate failure 7391");',
        'console.log("never runs");',
      ]),
    ),
  );
  const r = spawnSync("bash", ["scripts/run-notebooks.sh", "--out", path.join(dir, "out"), nbPath], {
    encoding: "utf8",
    env: { ...process.env },
  });
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
  const r = spawnSync("bash", ["scripts/run-notebooks.sh", "--no-html", "--out", path.join(dir, "out"), nbPath], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Type 'string' is not assignable to type 'number'/);
});

/** Run the notebook runner asynchronously, recording when each stdout line arrived. */
function runAsync(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; lines: { t: number; line: string }[]; stderr: string; end: number }> {
  return new Promise((resolve) => {
    const p = spawn("bash", ["scripts/run-notebooks.sh", ...args], { env: { ...process.env, ...env } });
    const lines: { t: number; line: string }[] = [];
    let buf = "";
    let stderr = "";
    p.stdout.on("data", (d) => {
      buf += d;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const line of parts) lines.push({ t: Date.now(), line });
    });
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, lines, stderr, end: Date.now() }));
  });
}

test("the runner streams cells and [train] lines as they happen, times each notebook, and writes a readable report", {
  timeout: 240_000,
}, async () => {
  const dir = path.resolve("out", "test-runner-report");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const nbPath = path.join(dir, "97_progress.ipynb");
  const nb = notebook([
    'import { plot } from "./lib/viz/plot";\nimport { showTable } from "./lib/viz/tables";\nimport { setNotebookName } from "./lib/core/context";\nsetNotebookName("97_progress");\nconsole.log("[hpe3d] backend: test-backend (runner check)");\nconsole.log(`[hpe3d] notebook 97_progress: profile ${process.env.HPE_PROFILE}, seed 1`);\nconsole.log("root is", process.cwd());\nconsole.log(`quoted "${process.cwd()}/lib", at the end ${process.cwd()}.`);\nconsole.log(JSON.stringify({ dir: process.cwd() + "/out" }));',
    'for (let e = 1; e <= 2; e++) {\n  console.log(`[train] check epoch ${e}/2  loss ${(1 / e).toFixed(4)}`);\n  console.log("a line the console does not need");\n  await new Promise((r) => setTimeout(r, 2500));\n}',
    'await plot({ data: [{ x: [1, 2, 3], y: [2, 4, 8], type: "scatter" }], layout: { title: { text: "Doubling check" } } }, { name: "doubling" });\nshowTable([{ n: 1, twice: 2 }, { n: 2, twice: 4 }], { name: "twice", caption: "Twice n" });',
  ]) as { cells: Record<string, unknown>[] };
  nb.cells.unshift({
    cell_type: "markdown",
    id: "md0",
    metadata: {},
    source: "# 97 · Progress check\n\nA notebook for the runner's test.\n\n## Second section",
  });
  fs.writeFileSync(nbPath, JSON.stringify(nb));
  const out = path.join(dir, "out");
  const r = await runAsync(["--out", out, nbPath], { HPE_PROFILE: "smoke" });
  assert.equal(r.code, 0, `runner failed:\n${r.stderr}\n${r.lines.map((l) => l.line).join("\n")}`);
  const text = r.lines.map((l) => l.line).join("\n");
  assert.match(text, /\[nb\] 97_progress: cell 1\/3/);
  assert.match(text, /\[nb\] 97_progress: cell 3\/3 .*await plot/);
  assert.doesNotMatch(text, /a line the console does not need/);
  // Streamed: epoch 1's line reached the console while the cell was still running (≥ 2 s before epoch 2's).
  const e1 = r.lines.find((l) => /^\s+\[train\] check epoch 1\/2 {2}loss 1\.0000$/.test(l.line));
  const e2 = r.lines.find((l) => /^\s+\[train\] check epoch 2\/2 {2}loss 0\.5000$/.test(l.line));
  assert.ok(e1 && e2, `no [train] lines on the console:\n${text}`);
  assert.ok(e2.t - e1.t >= 2000, `[train] lines arrived together (${e2.t - e1.t} ms apart): not streamed`);
  // Run time beside the notebooks.
  const timings = JSON.parse(fs.readFileSync(path.join(out, "notebooks", "timings.json"), "utf8"));
  assert.equal(timings.notebooks["97_progress"].status, "ok");
  assert.ok(timings.notebooks["97_progress"].seconds >= 5, `run time ${timings.notebooks["97_progress"].seconds} s`);
  // The report: title, header, smoke banner, contents, numbered captions with working links, no machine paths.
  const html = fs.readFileSync(path.join(out, "reports", "97_progress.html"), "utf8");
  assert.match(html, /<title>97 · Progress check<\/title>/);
  assert.match(html, /class="hpe-smoke"[^>]*>Smoke profile/);
  assert.match(html, /<th>Backend<\/th><td>test-backend \(runner check\)<\/td>/);
  assert.match(html, /<th>Git commit<\/th><td>[0-9a-f]{7,}/);
  assert.match(html, /<a href="#Second-section">Second section<\/a>/);
  assert.match(html, /<b>Figure 1:<\/b> Doubling check/);
  assert.match(html, /Table 1:<\/span> Twice n <a href="..\/tables\/97_progress\/twice.csv">CSV<\/a>/);
  for (const m of html.matchAll(/href="\.\.\/((?:figures|tables|notebooks)\/[^"]+)"/g))
    assert.ok(fs.existsSync(path.join(out, m[1])), `broken link ${m[1]}`);
  assert.ok(fs.existsSync(path.join(out, "figures", "97_progress", "doubling.svg")));
  assert.ok(!html.includes(process.cwd()), "the report prints the project's absolute path");
  assert.match(html, /root is \.\n/);
  assert.match(html, /quoted (&quot;|&#34;)\.\/lib\1, at the end \.\./);
  assert.ok(
    !fs.readFileSync(path.join(out, "notebooks", "97_progress.ipynb"), "utf8").includes(process.cwd()),
    "the executed notebook prints the project's absolute path",
  );
  assert.ok(!fs.existsSync(path.join(out, ".chromium")), "out/.chromium was left behind");
  const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
  assert.match(index, /<img src="figures\/97_progress\/doubling.png"/);
});

test("a kernel that dies is reported with the end of its own stderr (kept in out/logs)", { timeout: 120_000 }, () => {
  const dir = path.resolve("out", "test-runner-dead");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const nbPath = path.join(dir, "96_dies.ipynb");
  fs.writeFileSync(
    nbPath,
    JSON.stringify(notebook(['require("fs").writeSync(2, "kernel dying 4417\\n");\nprocess.exit(3);'])),
  );
  const out = path.join(dir, "out");
  const r = spawnSync("bash", ["scripts/run-notebooks.sh", "--no-html", "--out", out, nbPath], { encoding: "utf8" });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /DeadKernelError/);
  assert.match(
    r.stderr,
    /the kernel's stderr \(out\/test-runner-dead\/out\/logs\/kernel-96_dies\.log\), last lines:\nkernel dying 4417/,
  );
  assert.match(fs.readFileSync(path.join(out, "logs", "kernel-96_dies.log"), "utf8"), /^kernel dying 4417$/m);
  const timings = JSON.parse(fs.readFileSync(path.join(out, "notebooks", "timings.json"), "utf8"));
  assert.match(timings.notebooks["96_dies"].status, /^failed/);
});

test("files created and deleted under the project while a cell runs leave the kernel alive", {
  timeout: 180_000,
}, () => {
  // tslab's compiler host keeps one debounce timer; with file watchers on, the second file-system
  // event within one cell threw "Unexpected pending rebuildTimer" and killed the kernel (a 38-minute
  // VAE-GAN run died of a merge under lib/). scripts/tslab-kernel.cjs switches the watchers off.
  const dir = path.resolve("out", "test-runner");
  const probe = path.join(dir, "watch-probe");
  fs.rmSync(probe, { recursive: true, force: true });
  fs.mkdirSync(probe, { recursive: true });
  fs.writeFileSync(path.join(probe, "a.ts"), "export const probeValue = 41;\n");
  const rel = `./${path.relative(process.cwd(), probe).split(path.sep).join("/")}`;
  const nbPath = path.join(dir, "97_watch.ipynb");
  fs.writeFileSync(
    nbPath,
    JSON.stringify(
      notebook([
        `import { probeValue } from "${rel}/a";\nimport { MODEL_KINDS } from "./lib/models/lifter";\nconsole.log("imported", probeValue + 1, MODEL_KINDS.length > 0);`,
        `import * as fs from "node:fs";\nconst sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));\nfor (const d of ["${rel}", "lib/models", "${rel}", "lib/models"]) {\n  fs.writeFileSync(\`\${d}/zz-watch-probe-${process.pid}.ts\`, "export const x = 1;\\n");\n  await sleep(1200);\n  fs.unlinkSync(\`\${d}/zz-watch-probe-${process.pid}.ts\`);\n  await sleep(1200);\n}\nconsole.log("files changed");`,
        'console.log("kernel alive", 6 * 7);',
      ]),
    ),
  );
  try {
    const r = spawnSync("bash", ["scripts/run-notebooks.sh", "--no-html", "--out", path.join(dir, "out"), nbPath], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `runner exit status ${r.status}; stderr:\n${r.stderr}`);
    const executed = JSON.parse(fs.readFileSync(path.join(dir, "out", "notebooks", "97_watch.ipynb"), "utf8"));
    assert.match(JSON.stringify(executed.cells[0].outputs), /imported 42 true/);
    assert.match(JSON.stringify(executed.cells[2].outputs), /kernel alive 42/);
  } finally {
    fs.rmSync(path.join("lib", "models", `zz-watch-probe-${process.pid}.ts`), { force: true });
  }
});
