/**
 * The interactive path, end to end in a real browser: `scripts/notebook.sh` (what
 * `npm run notebook` runs) starts Debian's Jupyter Notebook headless on a loopback port;
 * headless Chromium opens a notebook through that server, types a cell, runs it with
 * Shift+Enter on the project's tslab kernel and reads the output. The server runs with
 * HOME pointed at an empty folder, which must stay empty (no ~/.jupyter, ~/.local).
 *
 * Skips only when the jupyter-notebook Debian package is absent and cannot be installed
 * (no apt, no network); under CI=true that is a failure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { launchChromium } from "../lib/viz/image-export";
import { scratchDir } from "./helpers";
import { setting } from "../lib/core/settings";

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, server: ChildProcess, log: () => string, ms: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (server.exitCode !== null) throw new Error(`notebook server exited with ${server.exitCode}:\n${log()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > ms) throw new Error(`notebook server did not answer ${url} within ${ms / 1000} s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Every file under a folder (relative paths). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

test("npm run notebook: a cell typed in Chromium runs on the tslab kernel and shows its output", {
  timeout: 300_000,
}, async (t) => {
  const install = spawnSync("bash", ["scripts/apt-install.sh", "jupyter-notebook", "python3-notebook"], {
    encoding: "utf8",
  });
  if (install.status !== 0) {
    const why = `jupyter-notebook is not installed and could not be installed: ${(install.stdout + install.stderr).trim().split("\n").slice(-3).join(" / ")}`;
    if (process.env.CI === "true") assert.fail(why);
    t.skip(why);
    return;
  }
  const dir = scratchDir("jupyter");
  const home = path.join(dir, "home");
  fs.mkdirSync(home);
  const nbRel = path.relative(process.cwd(), path.join(dir, "check.ipynb"));
  fs.writeFileSync(
    path.join(dir, "check.ipynb"),
    JSON.stringify({
      cells: [{ cell_type: "code", execution_count: null, id: "c0", metadata: {}, outputs: [], source: "" }],
      metadata: { kernelspec: { display_name: "TypeScript (hpe3d tslab)", language: "typescript", name: "tslab" } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const port = await freePort();
  const token = randomBytes(12).toString("hex");
  let log = "";
  const server = spawn(
    "bash",
    [
      "scripts/notebook.sh",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--NotebookApp.port_retries=0",
      `--NotebookApp.token=${token}`,
    ],
    {
      env: { ...process.env, HOME: home, BROWSER: "true" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const stop = async () => {
    if (server.exitCode !== null) return;
    try {
      process.kill(-server.pid!, "SIGTERM"); // the server and the kernels it started
    } catch {
      // already gone
    }
    await new Promise((r) => {
      server.once("exit", r);
      setTimeout(r, 10_000);
    });
  };
  try {
    await waitForServer(`http://127.0.0.1:${port}/api/status?token=${token}`, server, () => log, 90_000);
    const ctx = await launchChromium("jupyter-test");
    try {
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/notebooks/${nbRel}?token=${token}`, {
        waitUntil: "load",
        timeout: 60_000,
      });
      // The page shows the project kernel, started and idle.
      await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 120_000 });
      assert.equal((await page.textContent(".kernel_indicator_name"))?.trim(), "TypeScript (hpe3d tslab)");
      // Type a cell as a user would: each joint is off by (3, 4, 0) mm, so MPJPE is 5 mm.
      await page.click(".cell .CodeMirror");
      const lines = [
        'import { mpjpe } from "./lib/pose/metrics";',
        "const gt = new Float64Array(51);",
        "const pred = gt.map((_, k) => [3, 4, 0][k % 3]);",
        'console.log("mpjpe", mpjpe(pred, gt), "cwd", process.cwd());',
      ];
      for (const l of lines) {
        await page.keyboard.type(l);
        await page.keyboard.press("Enter");
      }
      // Auto-closed brackets and quotes are overtyped by CodeMirror; the text must be exactly what was typed.
      const typed = await page.evaluate(() => (globalThis as any).Jupyter.notebook.get_cell(0).get_text() as string);
      assert.equal(typed.trim(), lines.join("\n"));
      await page.keyboard.press("Shift+Enter");
      const out = page.locator(".cell").first().locator(".output_subarea");
      await out.first().waitFor({ timeout: 120_000 });
      await page.waitForFunction(
        () => /mpjpe/.test((globalThis as any).document.querySelector(".cell .output_subarea")?.textContent ?? ""),
        null,
        { timeout: 120_000 },
      );
      const text = (await out.first().textContent()) ?? "";
      assert.equal(text.trim(), `mpjpe 5 cwd ${process.cwd()}`, "the kernel runs lib/ code from the project root");
      assert.match((await page.locator(".cell .input_prompt").first().textContent()) ?? "", /\[1\]/);
      assert.deepEqual(errors, [], "page errors");
      const shots = setting("HPE_TEST_SCREENSHOTS");
      if (shots) await page.screenshot({ path: path.join(shots, "jupyter-notebook.png") });
    } finally {
      await ctx.close();
    }
  } finally {
    await stop();
  }
  assert.deepEqual(filesUnder(home), [], "the notebook server wrote into HOME");
  assert.ok(fs.existsSync(path.resolve(".jupyter-local", "runtime")), "Jupyter runtime files go to .jupyter-local/");
  fs.rmSync(dir, { recursive: true, force: true });
});
