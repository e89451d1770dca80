/**
 * Plotting foundation: plotly embedded once per notebook (offline, no CDN), one call per
 * figure that shows it inline (interactive, with a PNG fallback) and exports it to
 * SVG/PNG/PDF under `out/figures/<notebook>/`, and a live-updating figure for training curves.
 *
 * 3D figures: the notebook and the report keep the interactive WebGL figure, and its PNG is
 * a snapshot of it; the SVG and PDF are the print version, drawn by `projectFigure`
 * (lib/viz/projection.ts) as 2D vectors: an orthographic view of each 3D scene at the
 * azimuth and elevation of the scene's camera, or at `PlotOptions.view`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Layout } from "plotly.js-dist-min";
import type { Figure } from "./figure";
import { displayBundle, escapeHtml, LiveDisplay, type MimeBundle } from "./display";
import { plotlyBundlePath, sharedExporter, type ImageFormat } from "./image-export";
import { is3dFigure, projectFigure, type View } from "./projection";
import { writeFileAtomic } from "../core/io";
import { notebookOutDir } from "../core/context";
import { setting } from "../core/settings";

export type { Figure } from "./figure";

/** Fonts fixed for reproducible figures (Debian fonts-open-sans; DejaVu as fallback). */
export const FONT_FAMILY = "Open Sans, DejaVu Sans, sans-serif";

export interface PlotOptions {
  /** File stem for the exported files (letters, digits, '-', '_'); required to export. */
  name: string;
  /**
   * Formats to write. Default: svg, png and pdf. For a 3D figure the SVG and PDF hold its
   * projected 2D print version (vectors) and the PNG the interactive 3D view.
   */
  formats?: ImageFormat[];
  /** View of the print version of a 3D figure (one for all scenes, or per scene id). Default: each scene's camera. */
  view?: View | Record<string, View>;
}

export interface ExportedFigure {
  name: string;
  files: Partial<Record<ImageFormat, string>>;
  ms: number;
  /** For a 3D figure: true when its SVG/PDF are the projected vector version. */
  projected?: boolean;
}

const ctx = { figuresDir: undefined as string | undefined, export: undefined as boolean | undefined };
const exported: ExportedFigure[] = [];
let plotlyShown = false;

/**
 * Override where figures go (default `out/figures/<notebook>/`) and whether files are
 * written at all (`HPE_EXPORT=0` turns file export off).
 */
export function configurePlots(opts: { figuresDir?: string; exportFiles?: boolean }): void {
  if (opts.figuresDir !== undefined) ctx.figuresDir = opts.figuresDir;
  if (opts.exportFiles !== undefined) ctx.export = opts.exportFiles;
}

/** Figures exported so far in this process. */
export function exportedFigures(): readonly ExportedFigure[] {
  return exported;
}

/**
 * Apply project defaults (font, margins, white template) under a figure's own layout. Every
 * cartesian axis gets `automargin` (unless it says otherwise), so tick labels and titles
 * widen the margin instead of being cut at the page edge.
 */
export function withDefaults(fig: Figure): Figure {
  const layout: Partial<Layout> & Record<string, unknown> = {
    width: 700,
    height: 450,
    font: { family: FONT_FAMILY, size: 13 },
    margin: { l: 60, r: 20, t: 50, b: 50 },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    ...fig.layout,
  };
  const cartesian = fig.data.some(
    (d) => !is3dFigure({ data: [d] }) && !["pie", "table", "sunburst"].includes(String((d as { type?: string }).type)),
  );
  const axisKeys = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
  if (cartesian) for (const k of ["xaxis", "yaxis"]) if (!axisKeys.includes(k)) axisKeys.push(k);
  for (const k of axisKeys) {
    const ax = (layout[k] ?? {}) as Record<string, unknown>;
    if (ax.automargin === undefined) layout[k] = { ...ax, automargin: true };
  }
  // Text annotations are centred on their x unless they say otherwise (plotly's "auto" anchors
  // them left of x < 1/3 and right of x > 2/3, which shifts panel titles off their panels).
  if (Array.isArray(layout.annotations)) {
    layout.annotations = layout.annotations.map((a) =>
      a.showarrow === false && a.xanchor === undefined ? { ...a, xanchor: "center" } : a,
    );
  }
  return { data: fig.data, layout, config: { displaylogo: false, responsive: false, ...fig.config } };
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The plotly library as one HTML output (about 4.8 MB), emitted once per notebook.
 * AMD's `define` is hidden while it loads (classic notebooks load require.js); figures
 * drawn before it arrives wait in a queue.
 */
export function plotlyInitHtml(): string {
  const lib = fs.readFileSync(plotlyBundlePath(), "utf8").replace(/<\/script/gi, "<\\/script");
  return (
    `<script>window.__hpeDefine = window.define; window.define = undefined;</script>\n` +
    `<script>${lib}</script>\n` +
    `<script>window.define = window.__hpeDefine; (window.__hpePlotlyQueue || []).forEach(function (f) { f(); }); window.__hpePlotlyQueue = [];</script>\n` +
    `<div style="font-size:11px;color:#888">plotly.js ${escapeHtml(JSON.parse(fs.readFileSync(path.join(path.dirname(plotlyBundlePath()), "package.json"), "utf8")).version)} embedded (offline)</div>`
  );
}

/** Emit the plotly library into the notebook, once per kernel. */
export function initPlotly(): void {
  if (plotlyShown) return;
  displayBundle({ "text/html": plotlyInitHtml(), "text/plain": "plotly.js embedded" });
  plotlyShown = true;
}

let figCounter = 0;

/** The HTML of one figure: a div holding the PNG fallback, replaced by the live plot when JS runs. */
export function figureHtml(fig: Figure, png?: Buffer): string {
  const id = `hpe-fig-${Date.now().toString(36)}-${(figCounter++).toString(36)}`;
  const w = fig.layout?.width ?? 700;
  const h = fig.layout?.height ?? 450;
  const img = png
    ? `<img alt="figure (static)" style="width:${w}px;height:${h}px" src="data:image/png;base64,${png.toString("base64")}"/>`
    : "";
  return (
    `<div id="${id}" class="hpe-figure" style="width:${w}px;height:${h}px">${img}</div>\n` +
    `<script>(function () { var f = ${scriptJson(fig)};` +
    ` function draw() { var el = document.getElementById("${id}"); if (!el) return; el.innerHTML = ""; window.Plotly.newPlot(el, f.data, f.layout, f.config); }` +
    ` if (window.Plotly) draw(); else (window.__hpePlotlyQueue = window.__hpePlotlyQueue || []).push(draw); })();</script>`
  );
}

/**
 * Write a figure's files; returns paths and the time taken. A 3D figure's SVG and PDF hold
 * its projected print version (see `projectFigure`), its PNG the interactive 3D view; if the
 * figure cannot be projected (3D traces other than scatter3d) the SVG wraps the 3D raster
 * and no PDF is written.
 */
export async function exportFigure(
  fig: Figure,
  name: string,
  formats?: ImageFormat[],
  dir = ctx.figuresDir ?? notebookOutDir("figures"),
  view?: View | Record<string, View>,
): Promise<ExportedFigure> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new Error(`figure name "${name}" must use only letters, digits, '.', '_' and '-'`);
  const t0 = performance.now();
  const full = withDefaults(fig);
  let print = full,
    projected: boolean | undefined;
  if (is3dFigure(full)) {
    try {
      print = withDefaults(projectFigure(full, view));
      projected = true;
    } catch (e) {
      console.warn(`figure ${name}: ${(e as Error).message}; its SVG wraps the 3D raster and no PDF is written`);
      projected = false;
    }
  }
  const want = formats ?? (projected === false ? ["svg", "png"] : ["svg", "png", "pdf"]);
  const ex = await sharedExporter();
  const files: ExportedFigure["files"] = {};
  const svg = want.includes("svg") || want.includes("pdf") ? await ex.toImage(print, "svg") : undefined;
  for (const f of want) {
    const file = path.join(dir, `${name}.${f}`);
    if (f === "svg") writeFileAtomic(file, svg!);
    if (f === "png") writeFileAtomic(file, await ex.toImage(full, "png"));
    if (f === "pdf") writeFileAtomic(file, await ex.toPdf(print, svg));
    files[f] = file;
  }
  const result: ExportedFigure = {
    name,
    files,
    ms: performance.now() - t0,
    ...(projected === undefined ? {} : { projected }),
  };
  exported.push(result);
  return result;
}

/**
 * Show a figure inline and export it. In a notebook it appears as an interactive plot
 * with a static PNG fallback (shown where scripts do not run); its SVG/PNG/PDF files are
 * written under `out/figures/<notebook>/`.
 */
export async function plot(fig: Figure, opts: PlotOptions): Promise<void> {
  initPlotly();
  const { bundle } = await renderFigure(fig, opts);
  displayBundle(bundle);
}

/** Export (when enabled) and build the output bundle of a finished figure. */
async function renderFigure(fig: Figure, opts: PlotOptions): Promise<{ bundle: MimeBundle; result?: ExportedFigure }> {
  const full = withDefaults(fig);
  const result =
    (ctx.export ?? setting("HPE_EXPORT"))
      ? await exportFigure(full, opts.name, opts.formats, undefined, opts.view)
      : undefined;
  const png = result?.files.png ? fs.readFileSync(result.files.png) : undefined;
  const where = result
    ? ` → ${Object.values(result.files)
        .map((f) => path.relative(process.cwd(), f!))
        .join(", ")}`
    : "";
  const bundle: MimeBundle = { "text/html": figureHtml(full, png), "text/plain": `Figure ${opts.name}${where}` };
  if (png) bundle["image/png"] = png.toString("base64");
  return { bundle, result };
}

/**
 * A figure that redraws in place (training curves). Call `update(fig)` as often as you
 * like; redraws are throttled. `finish(name)` draws the final state and exports it.
 */
export class LivePlot {
  private readonly display = new LiveDisplay();
  private last = 0;

  constructor(private readonly minIntervalMs = 1000) {
    initPlotly();
  }

  update(fig: Figure, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.minIntervalMs) return;
    this.last = now;
    const full = withDefaults(fig);
    this.display.update({ "text/html": figureHtml(full), "text/plain": `live figure (${fig.data.length} traces)` });
  }

  async finish(fig: Figure, opts: PlotOptions): Promise<void> {
    const { bundle } = await renderFigure(fig, opts);
    this.display.update(bundle);
  }
}
