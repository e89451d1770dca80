/**
 * Exported figures keep their labels on the page, and 3D figures have vector SVG/PDF.
 * Renders each SVG in headless Chromium and compares every text element's bounding box
 * with the page. Checks the figures it makes from real mocap poses (tests/support/figure-gallery.ts)
 * and, with HPE_CHECK_FIGURES=<folder> (e.g. out/smoke/figures), every SVG under that folder.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkSvg, checkSvgFiles, describeProblems, svgFilesUnder } from "../lib/viz/figure-check";
import { closeSharedExporter, launchChromium, sharedExporter } from "../lib/viz/image-export";
import { withDefaults } from "../lib/viz/plot";
import { exportGallery, galleryPoses } from "./support/figure-gallery";
import { mocapDataDir, scratchDir } from "./helpers";
import { setting } from "../lib/core/settings";

after(closeSharedExporter);

test("the checker finds text outside the page (hand-made SVG and a plotly figure without margins)", {
  timeout: 120_000,
}, async () => {
  const context = await launchChromium("figure-check-test");
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const svg = (x: number) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><text x="${x}" y="50" font-size="12">axis title</text></svg>`;
    assert.equal((await checkSvg(page, svg(10))).clipped.length, 0);
    const out = await checkSvg(page, svg(170));
    assert.equal(out.clipped.length, 1);
    assert.equal(out.clipped[0].text, "axis title");
    assert.ok(out.clipped[0].box[2] > 200);
    // A plotly figure whose long tick labels and titles have no margin to go into.
    const bad = withDefaults({
      data: [{ type: "bar", x: ["a very long joint name", "another long joint name"], y: [1, 2] }],
      layout: {
        width: 400,
        height: 300,
        margin: { l: 0, r: 0, t: 0, b: 0 },
        xaxis: { automargin: false, tickangle: -40, title: { text: "joint" } },
        yaxis: { automargin: false, title: { text: "error (mm)" } },
      },
    });
    const ex = await sharedExporter();
    const r = await checkSvg(page, await ex.toImage(bad, "svg"), "no-margin");
    assert.ok(
      r.clipped.some((c) => /ytick/.test(c.kind)),
      `y tick labels are reported: ${JSON.stringify(r.clipped)}`,
    );
    assert.ok(
      r.clipped.some((c) => /xtick/.test(c.kind) || /xtitle/.test(c.kind)),
      "x labels are reported",
    );
    await assert.rejects(checkSvg(page, "<html></html>", "x.svg"), /x\.svg: not an SVG/);
  } finally {
    await context.close();
  }
});

const data = mocapDataDir();
test("every gallery figure keeps its labels inside the page; 3D figures export vector SVG and PDF", {
  skip: data.skip || false,
  timeout: 600_000,
}, async () => {
  const dir = scratchDir("figure-check");
  const exported = await exportGallery(galleryPoses(data.dir), dir);
  assert.ok(exported.length >= 15);
  const checks = await checkSvgFiles(svgFilesUnder(dir));
  assert.equal(checks.length, exported.length);
  assert.ok(
    checks.every((c) => c.texts > 0),
    "every figure has text",
  );
  assert.deepEqual(describeProblems(checks, { requireVector: true }), []);
  const threeD = exported.filter((e) => e.projected !== undefined);
  assert.ok(threeD.length >= 5, `3D figures: ${threeD.map((e) => e.name).join(", ")}`);
  for (const e of threeD) {
    assert.equal(e.projected, true, `${e.name} is projected`);
    const pdf = fs.readFileSync(e.files.pdf!);
    assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
    assert.ok(!pdf.includes("/Subtype /Image"), `${e.name}.pdf holds no raster image`);
    assert.equal(fs.readFileSync(e.files.png!).subarray(1, 4).toString(), "PNG");
  }
  // Negative control for the PDF test: the interactive 3D figure's own SVG wraps a raster, and so does its PDF.
  const ex = await sharedExporter();
  const raster = withDefaults({
    data: [{ type: "scatter3d", mode: "lines", x: [0, 1], y: [0, 1], z: [0, 1] }],
    layout: { width: 300, height: 300 },
  });
  const rasterSvg = await ex.toImage(raster, "svg");
  assert.match(rasterSvg, /<image/);
  assert.ok((await ex.toPdf(raster, rasterSvg)).includes("/Subtype /Image"));
});

const folder = setting("HPE_CHECK_FIGURES");
test(`exported figures under HPE_CHECK_FIGURES (${folder ?? "unset"}) keep their labels inside the page`, {
  skip: folder ? false : "set HPE_CHECK_FIGURES=out/smoke/figures to check a run's figures",
  timeout: 600_000,
}, async () => {
  const files = svgFilesUnder(path.resolve(folder!));
  assert.ok(files.length > 0, `no SVG under ${folder}`);
  const checks = await checkSvgFiles(files);
  const problems = describeProblems(checks);
  console.log(
    `${checks.length} SVG files, ${checks.reduce((s, c) => s + c.texts, 0)} text elements checked; ${problems.length} problems`,
  );
  assert.deepEqual(problems, []);
});
