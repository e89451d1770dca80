/**
 * Static figure export (SVG, PNG, PDF) through one headless Chromium and plotly's own
 * `Plotly.toImage`. One browser is launched lazily per process and reused.
 * The browser profile and caches stay inside the project's output folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { Figure } from "./figure";
import { outDir, rootRequire } from "../core/paths";
import { setting } from "../core/settings";

export type ImageFormat = "svg" | "png" | "pdf";

const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** Path of the Chromium to use (`HPE_CHROMIUM` or the first system one found). */
export function findChromium(): string {
  const forced = setting("HPE_CHROMIUM"); // checked to exist by the settings module
  if (forced) return forced;
  const found = CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `figure export needs Chromium, looked for ${CHROMIUM_CANDIDATES.join(", ")}: ` +
        `run \`npm run setup\` (installs Debian's chromium) or set HPE_CHROMIUM=/path/to/chrome`,
    );
  }
  return found;
}

/** Path of the plotly bundle that is embedded in notebooks and loaded in the exporter. */
export function plotlyBundlePath(): string {
  return rootRequire.resolve("plotly.js-dist-min/plotly.min.js");
}

/**
 * Runs in the exporter page: a WebGL `clear` that names the depth buffer clears it even while
 * the depth write mask is off. `Plotly.toImage` re-plots a figure with `staticPlot`, and then
 * all its 3D scenes draw on one shared WebGL context, one after the other. gl-plot3d ends a
 * scene's transparent pass (any trace with a translucent colour) with the depth mask off, and
 * the next scene clears colour and depth before it turns the mask back on, so that clear keeps
 * the depth buffer (WebGL honours the mask in `clear`): the next scene is depth-tested against
 * the previous one and loses its pixels wherever that one drew, which showed as a white copy
 * of the front view inside the side view of `hypothesesFigure`'s PNG.
 */
function clearDepthWhateverTheMask(): void {
  interface Gl {
    DEPTH_BUFFER_BIT: number;
    DEPTH_WRITEMASK: number;
    getParameter(name: number): unknown;
    depthMask(on: boolean): void;
  }
  const g = globalThis as any; // browser globals: tslab type-checks lib files without the DOM lib
  for (const Ctx of [g.WebGLRenderingContext, g.WebGL2RenderingContext]) {
    if (!Ctx || Ctx.prototype.__hpeDepthClear) continue;
    const clear: (this: Gl, mask: number) => void = Ctx.prototype.clear;
    Ctx.prototype.clear = function (this: Gl, mask: number) {
      if (!(mask & this.DEPTH_BUFFER_BIT) || this.getParameter(this.DEPTH_WRITEMASK)) return clear.call(this, mask);
      this.depthMask(true);
      clear.call(this, mask);
      this.depthMask(false);
    };
    Ctx.prototype.__hpeDepthClear = true;
  }
}

export class FigureExporter {
  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly pdfPage: Page,
  ) {}

  /** Launch Chromium and load plotly once (about 2.5 s). */
  static async launch(): Promise<FigureExporter> {
    const context = await launchChromium("exporter");
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ path: plotlyBundlePath() });
    await page.evaluate(clearDepthWhateverTheMask);
    const pdfPage = await context.newPage();
    return new FigureExporter(context, page, pdfPage);
  }

  /** Render a figure as SVG text or PNG bytes at the figure's size (PNG at `scale`×). */
  async toImage(
    fig: Figure,
    format: "svg",
    opts?: { width?: number; height?: number; scale?: number },
  ): Promise<string>;
  async toImage(
    fig: Figure,
    format: "png",
    opts?: { width?: number; height?: number; scale?: number },
  ): Promise<Buffer>;
  async toImage(
    fig: Figure,
    format: "svg" | "png",
    opts: { width?: number; height?: number; scale?: number } = {},
  ): Promise<string | Buffer> {
    const width = opts.width ?? fig.layout?.width ?? 700;
    const height = opts.height ?? fig.layout?.height ?? 450;
    const url = await this.page.evaluate(
      async ({ fig, format, width, height, scale }) => {
        const g = globalThis as any; // browser globals: tslab type-checks lib files without the DOM lib
        const P = g.Plotly;
        const el = g.document.createElement("div");
        g.document.body.appendChild(el);
        try {
          await P.newPlot(el, fig.data, fig.layout ?? {}, { ...(fig.config ?? {}), staticPlot: false });
          return await P.toImage(el, { format, width, height, scale });
        } finally {
          P.purge(el);
          el.remove();
        }
      },
      { fig: fig as any, format, width, height, scale: opts.scale ?? (format === "png" ? 2 : 1) },
    );
    if (format === "svg") return decodeURIComponent(url.slice(url.indexOf(",") + 1));
    return Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
  }

  /** Render a figure as a one-page vector PDF at the figure's size (via its SVG). */
  async toPdf(fig: Figure, svg?: string): Promise<Buffer> {
    const width = fig.layout?.width ?? 700;
    const height = fig.layout?.height ?? 450;
    const s = svg ?? (await this.toImage(fig, "svg"));
    // The PDF's Title metadata is the document title (else Chromium writes "about:blank").
    const rawTitle =
      (fig.layout?.title as { text?: string } | undefined)?.text ??
      (typeof fig.layout?.title === "string" ? fig.layout.title : "");
    const title = (
      rawTitle
        .replace(/<[^>]*>/g, " ")
        .replace(/\s+/g, " ")
        .trim() || "hpe3d figure"
    ).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    await this.pdfPage.setContent(
      `<!doctype html><html><head><title>${title}</title><style>@page{margin:0}html,body{margin:0;padding:0}</style></head><body>${s}</body></html>`,
    );
    return await this.pdfPage.pdf({
      width: `${width}px`,
      height: `${height}px`,
      printBackground: true,
      pageRanges: "1",
    });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

const liveProfiles = new Set<string>();

/** Delete a browser profile folder, then out/.chromium/ itself when no other profile is left in it. */
function removeProfile(profile: string): void {
  try {
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    fs.rmdirSync(path.dirname(profile));
  } catch {
    // another browser's profile is still there, or the folder is gone already
  }
}

function removeLiveProfiles(): void {
  for (const p of liveProfiles) removeProfile(p);
  liveProfiles.clear();
}

/**
 * Launch headless Chromium with its profile and caches under `out/.chromium/<name>`
 * (nothing is written to the user's home). `javaScriptEnabled: false` is for checking
 * static fallbacks.
 */
export async function launchChromium(
  name: string,
  opts: { javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext> {
  const { chromium } = rootRequire("playwright-core") as typeof import("playwright-core");
  const profile = outDir(".chromium", `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    headless: true,
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    env: {
      ...process.env,
      XDG_CACHE_HOME: path.join(profile, "cache"),
      XDG_CONFIG_HOME: path.join(profile, "config"),
      HOME: profile,
    },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--enable-unsafe-swiftshader",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  // Remove the profile once the browser has closed (Chromium still writes to it while the
  // "close" event fires, so again after close() resolves), and at the latest when this
  // process exits (a kernel that is shut down never closes its exporter).
  liveProfiles.add(profile);
  if (!process.listeners("exit").includes(removeLiveProfiles)) process.once("exit", removeLiveProfiles);
  context.on("close", () => removeProfile(profile));
  const close = context.close.bind(context);
  context.close = async (...args: Parameters<BrowserContext["close"]>) => {
    await close(...args);
    removeProfile(profile);
    liveProfiles.delete(profile);
  };
  return context;
}

let shared: Promise<FigureExporter> | undefined;

/** The process-wide exporter (launched on first use, closed at exit). */
export function sharedExporter(): Promise<FigureExporter> {
  if (!shared) {
    shared = FigureExporter.launch();
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

/** Close the process-wide exporter, if one was launched. */
export async function closeSharedExporter(): Promise<void> {
  if (shared) {
    const ex = await shared.catch(() => undefined);
    shared = undefined;
    await ex?.close();
  }
}
