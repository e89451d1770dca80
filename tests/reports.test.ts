/**
 * End-to-end checks of the notebook outputs written by `npm test` (smoke profile) or
 * `npm run reproduce`: every HTML report opens offline (all non-file requests are
 * blocked) and draws all its plotly figures; with JavaScript off, the PNG fallbacks show;
 * every figure was exported as SVG and PNG. A report reads on its own: title, header
 * (date, commit, profile, backend, data), smoke banner, contents, numbered captions with
 * working links, wrapped and foldable code, no absolute paths of the build machine. The
 * index is a dashboard that opens offline. Set HPE_REPORTS_DIR to the output folder.
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
  const files = fs
    .readdirSync(r)
    .filter((f) => f.endsWith(".html"))
    .sort();
  const notebooks = fs.readdirSync(path.resolve("notebooks")).filter((f) => /^\d+.*\.ipynb$/.test(f));
  assert.equal(
    files.length,
    notebooks.length,
    `expected one report per notebook (${notebooks.join(", ")}), found ${files.join(", ")}`,
  );
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
      assert.equal(
        r.drawn,
        r.figures,
        `${name}: ${r.drawn} of ${r.figures} figures drawn offline (blocked: ${blocked.join(", ")}; errors: ${errors.join("; ")})`,
      );
      assert.ok(r.svgs >= r.figures, `${name}: figures have no plot svg`);
      assert.deepEqual(errors, [], `${name}: page errors`);
      // Equations are MathML (no MathJax needed offline): no TeX delimiters left in rendered markdown.
      const tex = await page.evaluate(() =>
        Array.from((globalThis as any).document.querySelectorAll(".jp-MarkdownCell, .jp-RenderedMarkdown"))
          .map((e: any) => e.textContent as string)
          .filter((t) => /\$[^$]*\\[a-zA-Z]+/.test(t)),
      );
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
        return {
          figures: d.querySelectorAll(".hpe-figure").length,
          loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length,
        };
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
      assert.match(
        fs.readFileSync(path.join(figDir, `${s}.svg`), "utf8").slice(0, 200),
        /<svg/,
        `${s}.svg is not an SVG`,
      );
    }
    const reportHtml = fs.readFileSync(file, "utf8");
    const shown = (reportHtml.match(/class="hpe-figure"/g) ?? []).length;
    assert.ok(stems.size >= shown, `${name}: ${shown} figures shown but ${stems.size} exported`);
  }
});

/** Absolute paths of this machine that must not appear in what a run writes. */
function machinePaths(): string[] {
  const out = [process.cwd(), path.resolve(dir!)];
  if (process.env.HPE_DATA_DIR) out.push(path.resolve(process.env.HPE_DATA_DIR));
  if (process.env.HOME && process.env.HOME.length > 1) out.push(process.env.HOME);
  return [...new Set(out)].filter((p) => p.length > 1);
}

test("reports read on their own: title, header, banner, contents, numbered captions with working links", {
  skip,
}, () => {
  for (const file of reports()) {
    const name = path.basename(file, ".html");
    const html = fs.readFileSync(file, "utf8");
    const nb = JSON.parse(fs.readFileSync(path.resolve("notebooks", `${name}.ipynb`), "utf8"));
    const firstMd = nb.cells.find((c: { cell_type: string }) => c.cell_type === "markdown");
    const heading = /^#\s+(.+)$/m.exec([firstMd?.source ?? ""].flat().join(""))?.[1].trim();
    assert.ok(heading, `${name}: the notebook has no title heading`);
    assert.equal(/<title>(.*?)<\/title>/.exec(html)?.[1], heading.replace(/&/g, "&amp;"), `${name}: page title`);
    for (const field of ["Date", "Git commit", "Profile", "Backend", "Data", "Run time"]) {
      assert.match(html, new RegExp(`<th>${field}</th><td>[^<]*\\S`), `${name}: header has no ${field}`);
    }
    const profile = /<th>Profile<\/th><td><b>(\w+)<\/b>/.exec(html)?.[1];
    assert.equal(profile, process.env.HPE_PROFILE ?? profile, `${name}: profile in the header`);
    assert.equal(
      html.includes('class="hpe-smoke"'),
      profile === "smoke",
      `${name}: smoke banner iff the smoke profile`,
    );
    assert.match(html, /<a href="\.\.\/index\.html">/, `${name}: no link back to the index`);
    assert.match(html, /<nav class="hpe-toc"/, `${name}: no table of contents`);
    // Every figure has a numbered caption, numbered 1..n in order, with links to files that exist.
    const figures = (html.match(/<div id="hpe-fig-[^"]+" class="hpe-figure"/g) ?? []).length;
    const captions = [...html.matchAll(/<div class="hpe-caption" id="figure-(\d+)"><b>Figure (\d+):<\/b>/g)].map((m) =>
      Number(m[2]),
    );
    assert.deepEqual(
      captions,
      Array.from({ length: captions.length }, (_, i) => i + 1),
      `${name}: figure numbers`,
    );
    assert.equal(captions.length, figures, `${name}: ${figures} figures but ${captions.length} captions`);
    const tables = (html.match(/<table class="hpe-table"/g) ?? []).length;
    const tcaps = [...html.matchAll(/<span id="table-(\d+)">Table (\d+):<\/span>/g)].map((m) => Number(m[2]));
    assert.deepEqual(
      tcaps,
      Array.from({ length: tables }, (_, i) => i + 1),
      `${name}: table numbers`,
    );
    const csvLinks = [...html.matchAll(/href="\.\.\/(tables\/[^"]+\.csv)"/g)].map((m) => m[1]);
    assert.equal(csvLinks.length, tables, `${name}: ${tables} tables but ${csvLinks.length} CSV links`);
    const links = [...html.matchAll(/href="\.\.\/([^"#]+)"/g)].map((m) => decodeURIComponent(m[1]));
    for (const l of links) assert.ok(fs.existsSync(path.join(dir!, l)), `${name}: broken link ../${l}`);
    for (const ext of ["svg", "png"]) {
      assert.ok(
        links.filter((l) => l.startsWith(`figures/${name}/`) && l.endsWith(`.${ext}`)).length >= figures,
        `${name}: not every figure links its ${ext}`,
      );
    }
  }
});

test("nothing a run writes prints the build machine's absolute paths", { skip }, () => {
  const files = [
    ...reports(),
    path.join(dir!, "index.html"),
    ...fs
      .readdirSync(path.join(dir!, "notebooks"))
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => path.join(dir!, "notebooks", f)),
  ];
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    for (const p of machinePaths())
      assert.ok(!text.includes(p), `${path.relative(dir!, f)} contains the absolute path ${p}`);
  }
});

test("code is wrapped (nothing cut off) and every code cell folds", { skip, timeout: 300_000 }, async () => {
  const ctx = await launchChromium("report-code");
  try {
    for (const file of reports()) {
      const page = await ctx.newPage();
      await page.route("**/*", (r) => (/^(file|data):/.test(r.request().url()) ? r.continue() : r.abort()));
      await page.setViewportSize({ width: 1000, height: 800 });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 120_000 });
      const r = await page.evaluate(() => {
        const d = (globalThis as any).document;
        const pres = Array.from(d.querySelectorAll(".jp-InputArea-editor pre, .jp-OutputArea-output pre")) as any[];
        const cut = pres
          .filter((p) => p.scrollWidth > p.clientWidth + 1)
          .map((p) => (p.textContent as string).slice(0, 80));
        const cells = d.querySelectorAll(".jp-CodeCell").length;
        const folds = Array.from(d.querySelectorAll(".jp-CodeCell > details.hpe-code")) as any[];
        const before = folds.map((f) => f.getBoundingClientRect().height);
        folds.forEach((f) => (f.open = false));
        // Folded, a cell keeps only its one-line summary.
        const hidden = folds.filter((f, i) => f.getBoundingClientRect().height < 30 && before[i] > 30).length;
        return { pres: pres.length, cut, cells, folds: folds.length, hidden };
      });
      const name = path.basename(file);
      assert.ok(r.pres > 0, `${name}: no code found`);
      assert.deepEqual(r.cut, [], `${name}: code or output lines cut off at 1000 px`);
      assert.equal(r.folds, r.cells, `${name}: ${r.cells} code cells, ${r.folds} foldable`);
      assert.equal(r.hidden, r.folds, `${name}: folded code still shows`);
      await page.close();
    }
  } finally {
    await ctx.close();
  }
});

test("the index is a dashboard that opens offline: notebooks, headline P1/P2, runs, a thumbnail per figure", {
  skip,
  timeout: 120_000,
}, async () => {
  const index = path.join(dir!, "index.html");
  const html = fs.readFileSync(index, "utf8");
  const timings = JSON.parse(fs.readFileSync(path.join(dir!, "notebooks", "timings.json"), "utf8"));
  for (const file of reports()) {
    const name = path.basename(file, ".html");
    assert.ok(timings.notebooks[name]?.seconds > 0, `timings.json has no run time for ${name}`);
    assert.match(html, new RegExp(`<td>${name}</td><td>ok</td>`), `index: ${name} not listed as ok`);
  }
  const runs = fs.existsSync(path.join(dir!, "runs"))
    ? fs.readdirSync(path.join(dir!, "runs")).filter((r) => fs.existsSync(path.join(dir!, "runs", r, "config.json")))
    : [];
  const figs = reports().flatMap((f) => {
    const d = path.join(dir!, "figures", path.basename(f, ".html"));
    return fs.existsSync(d) ? fs.readdirSync(d).filter((x) => x.endsWith(".png")) : [];
  });
  const ctx = await launchChromium("index-check");
  try {
    const page = await ctx.newPage();
    const blocked: string[] = [];
    await page.route("**/*", (r) => {
      if (/^(file|data):/.test(r.request().url())) return r.continue();
      blocked.push(r.request().url());
      return r.abort();
    });
    await page.goto(pathToFileURL(index).href, { waitUntil: "load" });
    const r = await page.evaluate(() => {
      const d = (globalThis as any).document;
      const imgs = Array.from(d.querySelectorAll(".card img")) as any[];
      const hrefs = Array.from(d.querySelectorAll("a[href]")).map((a: any) => a.getAttribute("href") as string);
      return {
        cards: d.querySelectorAll(".card").length,
        captions: Array.from(d.querySelectorAll(".card .cap")).map((c: any) => c.textContent as string),
        loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length,
        imgs: imgs.length,
        runRows: d.querySelectorAll("table.runs tbody tr").length,
        headline: Array.from(d.querySelectorAll("#headline + table tbody tr")).map((tr: any) =>
          (tr.textContent as string).trim(),
        ),
        hrefs,
      };
    });
    assert.deepEqual(blocked, [], "the index asked for network resources");
    assert.equal(r.cards, figs.length, `${figs.length} figures exported, ${r.cards} thumbnails`);
    assert.equal(r.loaded, r.imgs, `${r.loaded} of ${r.imgs} thumbnails load`);
    for (const c of r.captions) assert.match(c, /^Figure \d+: \S/);
    assert.equal(r.runRows, runs.length, `${runs.length} runs, ${r.runRows} rows in the runs table`);
    if (runs.length)
      assert.ok(
        r.headline.length > 0 && r.headline.every((h) => /\d+\.\d/.test(h)),
        `headline table: ${r.headline.join(" | ")}`,
      );
    for (const h of r.hrefs) {
      assert.ok(!/^[a-z]+:/i.test(h) && !h.startsWith("/"), `index link is not relative: ${h}`);
      assert.ok(fs.existsSync(path.join(dir!, decodeURIComponent(h.split("#")[0]))), `index: broken link ${h}`);
    }
  } finally {
    await ctx.close();
  }
});

test("PDFs carry the figure title, and no Chromium profile is left in the output folder", { skip }, () => {
  let pdfs = 0;
  for (const file of reports()) {
    const d = path.join(dir!, "figures", path.basename(file, ".html"));
    for (const f of fs.existsSync(d) ? fs.readdirSync(d).filter((x) => x.endsWith(".pdf")) : []) {
      const raw = fs.readFileSync(path.join(d, f)).toString("latin1");
      const m = /\/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]+>)/.exec(raw);
      assert.ok(m, `${f}: no /Title in the PDF`);
      let title = m[1];
      if (title.startsWith("<")) {
        const hex = Buffer.from(title.slice(1, -1), "hex");
        title =
          hex[0] === 0xfe && hex[1] === 0xff ? hex.subarray(2).swap16().toString("utf16le") : hex.toString("latin1");
      } else title = title.slice(1, -1);
      assert.ok(title.trim() && title !== "about:blank", `${f}: PDF title is "${title}"`);
      pdfs++;
    }
  }
  assert.ok(pdfs > 0, "no PDF to check");
  // This test process's own browsers (earlier tests) are not the run's leftovers.
  const chromium = path.join(dir!, ".chromium");
  const left = fs.existsSync(chromium) ? fs.readdirSync(chromium).filter((d) => !d.includes(`-${process.pid}-`)) : [];
  assert.deepEqual(left, [], `${chromium} holds leftover browser profiles`);
});
