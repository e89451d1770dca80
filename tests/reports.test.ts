/**
 * End-to-end checks of the notebook outputs written by `npm test` (smoke profile) or
 * `npm run reproduce`: every HTML report opens offline (all non-file requests are
 * blocked) and draws all its plotly figures; with JavaScript off, the PNG fallbacks show;
 * every figure was exported as SVG and PNG. Set HPE_REPORTS_DIR to the output folder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium } from "../lib/viz/image-export";

const dir = process.env.HPE_REPORTS_DIR;
const skip = dir ? false : "HPE_REPORTS_DIR not set (npm test sets it after running the notebooks)";

function reports(): string[] {
  const r = path.join(dir!, "reports");
  assert.ok(fs.existsSync(r), `no reports folder in ${dir}`);
  const files = fs.readdirSync(r).filter((f) => f.endsWith(".html")).sort();
  const notebooks = fs.readdirSync(path.resolve("notebooks")).filter((f) => /^\d+.*\.ipynb$/.test(f));
  assert.equal(files.length, notebooks.length, `expected one report per notebook (${notebooks.join(", ")}), found ${files.join(", ")}`);
  return files.map((f) => path.join(r, f));
}

test("every report draws its plotly figures offline", { skip, timeout: 300_000 }, async () => {
  const ctx = await launchChromium("report-check");
  try {
    for (const file of reports()) {
      const page = await ctx.newPage();
      const blocked: string[] = [];
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 120_000 });
      await page.waitForTimeout(500);
      const r = await page.evaluate(() => {
        const d = (globalThis as any).document;
        return {
          figures: d.querySelectorAll(".hpe-figure").length,
          drawn: d.querySelectorAll(".hpe-figure .js-plotly-plot, .hpe-figure.js-plotly-plot").length,
          svgs: d.querySelectorAll(".hpe-figure .main-svg").length,
          plotly: typeof (globalThis as any).Plotly?.newPlot,
        };
      });
      const name = path.basename(file);
      assert.equal(r.plotly, "function", `${name}: plotly did not load offline`);
      assert.ok(r.figures > 0, `${name}: no figures in the report`);
      assert.equal(r.drawn, r.figures, `${name}: ${r.drawn} of ${r.figures} figures drawn offline (blocked: ${blocked.join(", ")}; errors: ${errors.join("; ")})`);
      assert.ok(r.svgs >= r.figures, `${name}: figures have no plot svg`);
      assert.deepEqual(errors, [], `${name}: page errors`);
      // Equations are MathML (no MathJax needed offline): no TeX delimiters left in rendered markdown.
      const tex = await page.evaluate(() => Array.from((globalThis as any).document.querySelectorAll(".jp-MarkdownCell, .jp-RenderedMarkdown")).map((e: any) => e.textContent as string).filter((t) => /\$[^$]*\\[a-zA-Z]+/.test(t)));
      assert.deepEqual(tex, [], `${name}: equations left as TeX`);
      await page.close();
    }
  } finally {
    await ctx.close();
  }
});

test("with JavaScript off, every report shows its PNG fallbacks", { skip, timeout: 300_000 }, async () => {
  const ctx = await launchChromium("report-check-nojs", { javaScriptEnabled: false });
  try {
    for (const file of reports()) {
      const page = await ctx.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 120_000 });
      const r = await page.evaluate(() => {
        const d = (globalThis as any).document;
        const imgs = Array.from(d.querySelectorAll(".hpe-figure img")) as any[];
        return { figures: d.querySelectorAll(".hpe-figure").length, loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length };
      });
      assert.equal(r.loaded, r.figures, `${path.basename(file)}: ${r.loaded} of ${r.figures} PNG fallbacks shown`);
      await page.close();
    }
  } finally {
    await ctx.close();
  }
});

test("every figure of every notebook was exported as SVG and PNG", { skip }, () => {
  const figRoot = path.join(dir!, "figures");
  for (const file of reports()) {
    const name = path.basename(file, ".html");
    const figDir = path.join(figRoot, name);
    assert.ok(fs.existsSync(figDir), `no figures folder for ${name}`);
    const files = fs.readdirSync(figDir);
    const stems = new Set(files.map((f) => f.replace(/\.(svg|png|pdf)$/, "")));
    assert.ok(stems.size > 0, `${name}: no figures exported`);
    for (const s of stems) {
      for (const ext of ["svg", "png"]) {
        const f = path.join(figDir, `${s}.${ext}`);
        assert.ok(fs.existsSync(f) && fs.statSync(f).size > 1000, `${name}: ${s}.${ext} missing or empty`);
      }
      const png = fs.readFileSync(path.join(figDir, `${s}.png`));
      assert.equal(png.subarray(1, 4).toString(), "PNG", `${s}.png is not a PNG`);
      assert.match(fs.readFileSync(path.join(figDir, `${s}.svg`), "utf8").slice(0, 200), /<svg/, `${s}.svg is not an SVG`);
    }
    const reportHtml = fs.readFileSync(file, "utf8");
    const shown = (reportHtml.match(/class="hpe-figure"/g) ?? []).length;
    assert.ok(stems.size >= shown, `${name}: ${shown} figures shown but ${stems.size} exported`);
  }
});
