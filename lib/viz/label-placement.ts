/**
 * Greedy label placement in screen pixels: each label is tried at offsets around its anchor
 * (nearest ring first) and takes the free spot that crosses the fewest line segments
 * (bones), never overlapping a label placed before it and never leaving the bounds. Labels
 * are placed in the order given, so pass the most important first.
 */

/** Axis-aligned rectangle in pixels: left, top, right, bottom (y down). */
export type Rect = [number, number, number, number];
/** Line segment in pixels: x0, y0, x1, y1. */
export type Segment = [number, number, number, number];

export interface LabelRequest {
  /** Anchor point (the joint), pixels. */
  x: number;
  y: number;
  /** Label box size, pixels. */
  width: number;
  height: number;
}

export interface PlacedLabel {
  /** Offset of the label's centre from its anchor, pixels (y down). */
  dx: number;
  dy: number;
  box: Rect;
  /** Bone segments the box still crosses (0 when a clear spot was found). */
  crossings: number;
  /** False when no spot inside the bounds was free of other labels (the label is then dropped). */
  placed: boolean;
}

/** True when two rectangles overlap (touching edges do not count). */
export function rectsOverlap(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** True when a segment crosses or lies inside a rectangle (Liang–Barsky clipping). */
export function segmentHitsRect(s: Segment, r: Rect): boolean {
  const [x0, y0, x1, y1] = s;
  const dx = x1 - x0,
    dy = y1 - y0;
  let t0 = 0,
    t1 = 1;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
    return true;
  };
  return clip(-dx, x0 - r[0]) && clip(dx, r[2] - x0) && clip(-dy, y0 - r[1]) && clip(dy, r[3] - y0) && t0 <= t1;
}

/**
 * Place labels around their anchors. `obstacles` are segments to avoid (soft: the spot
 * with the fewest crossings wins, then the nearest); other labels and the anchors of all
 * labels are hard obstacles, and every box stays inside `bounds`.
 */
export function placeLabels(
  labels: LabelRequest[],
  obstacles: Segment[],
  bounds: Rect,
  opts: { radii?: number[]; directions?: number } = {},
): PlacedLabel[] {
  const radii = opts.radii ?? [10, 16, 24, 34, 46];
  const dirs = opts.directions ?? 16;
  const placedBoxes: Rect[] = [];
  return labels.map((l) => {
    let best: PlacedLabel | undefined;
    let bestCost = Infinity;
    for (const r of radii) {
      for (let k = 0; k < dirs; k++) {
        const a = (2 * Math.PI * k) / dirs;
        // Offset so that the box's edge, not its centre, is about r from the anchor.
        const dx = Math.cos(a) * (r + l.width / 2),
          dy = Math.sin(a) * (r + l.height / 2);
        const cx = l.x + dx,
          cy = l.y + dy;
        const box: Rect = [cx - l.width / 2, cy - l.height / 2, cx + l.width / 2, cy + l.height / 2];
        if (box[0] < bounds[0] || box[1] < bounds[1] || box[2] > bounds[2] || box[3] > bounds[3]) continue;
        if (placedBoxes.some((b) => rectsOverlap(b, box))) continue;
        if (labels.some((o) => o.x > box[0] && o.x < box[2] && o.y > box[1] && o.y < box[3])) continue;
        const crossings = obstacles.reduce((n, s) => n + (segmentHitsRect(s, box) ? 1 : 0), 0);
        const cost = crossings * 1000 + Math.hypot(dx, dy);
        if (cost < bestCost) {
          bestCost = cost;
          best = { dx, dy, box, crossings, placed: true };
        }
      }
      if (best && best.crossings === 0) break;
    }
    if (!best) return { dx: 0, dy: 0, box: [l.x, l.y, l.x, l.y] as Rect, crossings: 0, placed: false };
    placedBoxes.push(best.box);
    return best;
  });
}

/** Rough width of a label in pixels (Open Sans / DejaVu Sans digits and letters). */
export function textWidthPx(text: string, fontSizePx: number): number {
  return text.length * fontSizePx * 0.6 + 2;
}

/** Break text into lines of at most `maxChars` characters (at spaces), joined with <br>. */
export function wrapText(text: string, maxChars: number): string {
  const lines: string[] = [];
  let cur = "";
  for (const w of text.split(/\s+/)) {
    if (cur && cur.length + 1 + w.length > maxChars) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.join("<br>");
}
