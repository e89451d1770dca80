import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { closeSharedExporter, sharedExporter } from "../lib/viz/image-export";
import { exportFigure, figureHtml, plotlyInitHtml, withDefaults } from "../lib/viz/plot";

after(closeSharedExporter);
const dir = path.resolve("out", "test-plot");

test("figure HTML is safe inside a script element and keeps a PNG fallback", () => {
  const html = figureHtml(
    { data: [{ x: [1], y: [2], type: "scatter", name: "</script><b>x" }] },
    Buffer.from("png-bytes"),
  );
  assert.equal((html.match(/<\/script>/g) ?? []).length, 1, "only the wrapper's own </script> may appear");
  assert.match(html, /\\u003c\/script>\\u003cb>x/);
  assert.match(html, /<img alt="figure \(static\)"[^>]*src="data:image\/png;base64,cG5nLWJ5dGVz"/);
});

test("the embedded plotly library is inline (no CDN) and hides AMD define while loading", () => {
  const html = plotlyInitHtml();
  assert.ok(html.length > 3_000_000, "plotly bundle should be inlined");
  assert.doesNotMatch(html.slice(0, 200), /src=/);
  assert.match(html, /window\.define = undefined/);
});

test("export writes real SVG, PNG and PDF files; a 3D figure's SVG/PDF are its projected vector version", {
  timeout: 120_000,
}, async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  const fig2d = withDefaults({
    data: [{ x: [0, 1, 2], y: [1, 3, 2], type: "scatter" }],
    layout: { title: { text: "t" }, width: 400, height: 300 },
  });
  const r = await exportFigure(fig2d, "line", undefined, dir);
  assert.deepEqual(Object.keys(r.files).sort(), ["pdf", "png", "svg"]);
  assert.match(fs.readFileSync(r.files.svg!, "utf8").slice(0, 300), /<svg[^>]*width="400"/);
  const png = fs.readFileSync(r.files.png!);
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  assert.equal(png.readUInt32BE(16), 800, "PNG is exported at 2× the layout width");
  assert.equal(fs.readFileSync(r.files.pdf!).subarray(0, 5).toString(), "%PDF-");
  const fig3d = withDefaults({
    data: [{ x: [0, 1], y: [0, 1], z: [0, 1], type: "scatter3d", mode: "markers" }],
    layout: { width: 300, height: 300 },
  });
  const r3 = await exportFigure(fig3d, "points3d", undefined, dir);
  assert.deepEqual(Object.keys(r3.files).sort(), ["pdf", "png", "svg"]);
  assert.equal(r3.projected, true);
  const svg3 = fs.readFileSync(r3.files.svg!, "utf8");
  assert.doesNotMatch(svg3, /<image/, "the 3D figure's SVG holds vectors, not a raster");
  assert.match(svg3, /class="scatterlayer/, "its points are drawn as a 2D scatter");
  assert.ok(!fs.readFileSync(r3.files.pdf!).includes("/Subtype /Image"), "its PDF holds no raster");
  // The PNG is the interactive 3D view (WebGL snapshot), at 2× the layout size.
  assert.equal(fs.readFileSync(r3.files.png!).readUInt32BE(16), 600);
  // A 3D trace that cannot be projected falls back to the raster SVG, without a PDF.
  const mesh = withDefaults({
    data: [{ type: "mesh3d", x: [0, 1, 0], y: [0, 0, 1], z: [0, 1, 1] }],
    layout: { width: 300, height: 300 },
  });
  const rm = await exportFigure(mesh, "mesh3d", undefined, dir);
  assert.deepEqual(Object.keys(rm.files).sort(), ["png", "svg"]);
  assert.equal(rm.projected, false);
  await assert.rejects(exportFigure(fig2d, "bad/name", undefined, dir), /must use only letters/);
});

test("a 3D scene's PNG is not cut by the depth of the scene drawn before it (translucent traces)", {
  timeout: 120_000,
}, async () => {
  // Plotly.toImage draws all 3D scenes on one WebGL context; a scene with a translucent trace
  // once left the depth mask off, and the next scene lost its pixels wherever the first had
  // drawn (a white copy of scene 1 inside scene 2). The first scene's extra line lies outside
  // its axis ranges (clipped, never visible), so the two PNGs must be identical whether that
  // line is translucent or opaque.
  const cube = { x: [-1, 1, 1, -1, -1], y: [-1, -1, 1, 1, -1], z: [-1, 1, -1, 1, 0] };
  const axes = {
    xaxis: { range: [-2, 2] },
    yaxis: { range: [-2, 2] },
    zaxis: { range: [-2, 2] },
    aspectmode: "cube",
    camera: { eye: { x: 1.6, y: -1.6, z: 0.6 } },
  };
  const figure = (clippedLine: string) =>
    withDefaults({
      data: [
        { type: "scatter3d", mode: "lines+markers", ...cube, line: { color: "#333", width: 8 }, scene: "scene" },
        {
          type: "scatter3d",
          mode: "lines",
          x: [5, 6],
          y: [5, 6],
          z: [5, 6],
          line: { color: clippedLine, width: 4 },
          scene: "scene",
        },
        { type: "scatter3d", mode: "lines+markers", ...cube, line: { color: "#d62728", width: 8 }, scene: "scene2" },
      ] as never,
      layout: {
        width: 360,
        height: 200,
        showlegend: false,
        margin: { l: 0, r: 0, t: 0, b: 0 },
        scene: { ...axes, domain: { x: [0, 0.5], y: [0, 1] } },
        scene2: { ...axes, domain: { x: [0.5, 1], y: [0, 1] } },
      } as never,
    });
  const ex = await sharedExporter();
  const opaque = await ex.toImage(figure("rgb(31,119,180)"), "png", { scale: 1 });
  const translucent = await ex.toImage(figure("rgba(31,119,180,0.5)"), "png", { scale: 1 });
  assert.ok(opaque.equals(translucent), "the second scene is drawn the same after a scene with a translucent trace");
});
