/**
 * Figures of images: a grid of same-size RGB images (rendered samples, decoded images), one row per
 * kind, drawn as ONE plotly image trace whose source is a PNG data URI (encoded with sharp), so a
 * grid of hundreds of small images stays a small figure.
 */
import sharp from "sharp";
import type { Figure } from "./figure";

export interface ImageRow {
  /** Row label, shown at the left. */
  label: string;
  /** Images [n, size, size, 3], RGB, values in [−1, 1] ("signed") or [0, 1] ("unit"). */
  images: ArrayLike<number>;
}

/**
 * A grid: rows of `n` images of `size` px, enlarged `zoom` times (nearest neighbour), with 2 px gaps.
 * Values are mapped to 0–255 by `range`. Column titles (optional) go above the first row.
 */
export async function imageGridFigure(
  rows: ImageRow[],
  size: number,
  n: number,
  opts: { title: string; zoom?: number; range?: "signed" | "unit"; columnTitles?: string[] },
): Promise<Figure> {
  if (!rows.length || n < 1) throw new Error("imageGridFigure: need at least one row and one image per row");
  for (const r of rows) {
    if (r.images.length < n * size * size * 3) {
      throw new Error(
        `imageGridFigure: row "${r.label}" has ${r.images.length} values, expected [${n}, ${size}, ${size}, 3]`,
      );
    }
  }
  const zoom = opts.zoom ?? 2,
    gap = 2,
    tile = size * zoom;
  const W = n * (tile + gap) + gap,
    H = rows.length * (tile + gap) + gap;
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const toByte = opts.range === "unit" ? (v: number) => v * 255 : (v: number) => (v + 1) * 127.5;
  rows.forEach((row, r) => {
    for (let b = 0; b < n; b++) {
      const ox = gap + b * (tile + gap),
        oy = gap + r * (tile + gap);
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const q = ((b * size + Math.floor(y / zoom)) * size + Math.floor(x / zoom)) * 3,
            o = ((oy + y) * W + ox + x) * 3;
          for (let c = 0; c < 3; c++) rgb[o + c] = Math.max(0, Math.min(255, Math.round(toByte(row.images[q + c]))));
        }
      }
    }
  });
  const png = await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
  const left = 150,
    top = opts.columnTitles ? 80 : 60;
  const annotations = rows.map((row, r) => ({
    text: row.label,
    x: 0,
    y: gap + r * (tile + gap) + tile / 2,
    xref: "x",
    yref: "y",
    xanchor: "right",
    xshift: -8,
    showarrow: false,
    font: { size: 12 },
  }));
  (opts.columnTitles ?? []).slice(0, n).forEach((t, b) =>
    annotations.push({
      text: t,
      x: gap + b * (tile + gap) + tile / 2,
      y: 0,
      xref: "x",
      yref: "y",
      xanchor: "center",
      xshift: 0,
      showarrow: false,
      font: { size: 10 },
      ...({ yanchor: "bottom", yshift: 2 } as object),
    }),
  );
  return {
    data: [
      {
        type: "image",
        source: `data:image/png;base64,${png.toString("base64")}`,
        x0: 0,
        y0: 0,
        dx: 1,
        dy: 1,
        hoverinfo: "skip",
      } as never,
    ],
    layout: {
      title: { text: opts.title },
      width: W + left + 20,
      height: H + top + 20,
      margin: { l: left, r: 20, t: top, b: 20 },
      xaxis: { visible: false, range: [0, W] },
      yaxis: { visible: false, range: [H, 0], scaleanchor: "x" },
      annotations: annotations as never,
    },
  };
}
