/**
 * Checks on exported figures, by rendering their SVG in headless Chromium: every text
 * element (titles, axis titles, tick labels, legend entries, annotations) must lie inside
 * the page, and a print figure must be all vectors (no embedded raster <image>).
 * Used by tests/figure-check.test.ts on the figures it makes and on any folder of exported
 * figures (`HPE_CHECK_FIGURES=out/smoke/figures`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { launchChromium } from "./image-export";

/** A text element that reaches outside the page. */
export interface ClippedText {
  text: string;
  /** Plotly's class of the element or of its group (xtick, ytitle, legendtext, annotation-text, ...). */
  kind: string;
  /** Bounding box in page pixels: left, top, right, bottom. */
  box: [number, number, number, number];
}

export interface SvgCheck {
  file: string;
  width: number;
  height: number;
  /** Number of visible non-empty text elements. */
  texts: number;
  clipped: ClippedText[];
  /** Number of embedded raster images (0 for a true vector figure). */
  images: number;
}

/** Check one SVG document (text) in an open page; `tolerancePx` allows anti-aliasing slack. */
export async function checkSvg(page: Page, svg: string, file = "<svg>", tolerancePx = 0.5): Promise<SvgCheck> {
  if (!/<svg[\s>]/.test(svg.slice(0, 2000)))
    throw new Error(`${file}: not an SVG document (no <svg> element at the start)`);
  await page.setContent(
    `<!doctype html><html><head><style>html,body{margin:0;padding:0}</style></head><body>${svg}</body></html>`,
  );
  const r = await page.evaluate((tol: number) => {
    const g = globalThis as any; // browser globals: lib is type-checked without the DOM lib
    const root = g.document.querySelector("svg");
    const page = root.getBoundingClientRect();
    const width = Number(root.getAttribute("width")) || page.width;
    const height = Number(root.getAttribute("height")) || page.height;
    const clipped: { text: string; kind: string; box: [number, number, number, number] }[] = [];
    let texts = 0;
    for (const t of Array.from(g.document.querySelectorAll("svg text")) as any[]) {
      const s = (t.textContent ?? "").trim();
      if (!s) continue;
      const st = g.getComputedStyle(t);
      if (st.display === "none" || st.visibility === "hidden" || Number(st.opacity) === 0) continue;
      const b = t.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      texts++;
      const box: [number, number, number, number] = [
        b.left - page.left,
        b.top - page.top,
        b.right - page.left,
        b.bottom - page.top,
      ];
      if (box[0] < -tol || box[1] < -tol || box[2] > width + tol || box[3] > height + tol) {
        let kind = "";
        for (let e = t; e && e !== root && !kind; e = e.parentElement) {
          const c = String(e.getAttribute?.("class") ?? "");
          if (c) kind = c;
        }
        clipped.push({ text: s.slice(0, 60), kind, box: box.map((v) => Math.round(v * 10) / 10) as typeof box });
      }
    }
    return { width, height, texts, clipped, images: g.document.querySelectorAll("svg image").length };
  }, tolerancePx);
  return { file, ...r };
}

/** All `.svg` files under a folder (recursively), sorted. */
export function svgFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`figure check: folder ${dir} does not exist`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".svg")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Check SVG files in one headless Chromium. */
export async function checkSvgFiles(files: string[]): Promise<SvgCheck[]> {
  const context = await launchChromium("figure-check", { javaScriptEnabled: true });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const out: SvgCheck[] = [];
    for (const f of files) out.push(await checkSvg(page, fs.readFileSync(f, "utf8"), f));
    return out;
  } finally {
    await context.close();
  }
}

/** One line per problem (clipped text, raster in a figure), empty when all is well. */
export function describeProblems(checks: SvgCheck[], opts: { requireVector?: boolean } = {}): string[] {
  const lines: string[] = [];
  for (const c of checks) {
    for (const t of c.clipped)
      lines.push(
        `${c.file}: "${t.text}" (${t.kind}) at [${t.box.join(", ")}] is outside the ${c.width}×${c.height} page`,
      );
    if (opts.requireVector && c.images > 0)
      lines.push(`${c.file}: holds ${c.images} raster image(s); a print figure should be vectors only`);
  }
  return lines;
}
