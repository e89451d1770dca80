/**
 * Experiment figures: prediction grids with per-joint errors (thesis Fig 5.1.1), latent
 * UMAP maps (Fig 5.1.2), sweeps, best-of-N, and overlaid hypotheses.
 */
import type { Annotation, Data, Layout } from "plotly.js-dist-min";
import type { Figure } from "./plot";
import { poseScene, skeleton3d } from "./pose-figures";
import { placeLabels, textWidthPx, wrapText, type LabelRequest, type Rect, type Segment } from "./label-placement";
import { BONES, H36M_JOINTS, jointSide, NUM_JOINTS } from "../pose/skeleton";
import { cameraToDisplay } from "../pose/geometry";

type Trace = Partial<Data>;

/** Qualitative palette for labels (actions). */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"];

/** Side colours of the pose figures: dark for predictions, light tints for ground truth. */
export const SIDE_COLORS = {
  pred: { left: "#1f4e9c", right: "#c0262d", center: "#333333" },
  gt: { left: "#a6c8ec", right: "#f4b0a8", center: "#bdbdbd" },
} as const;

/** Explains Fig 5.1.1's panels (used as its caption). */
export const PREDICTION_GRID_CAPTION =
  "Each panel: one test input. Left: front view (as the camera sees it, x right, y up); right: side view (depth z " +
  "increasing to the right), same scale. Ground truth: thick light lines; prediction: thin dark dashed lines. Blue: " +
  "the person's left limbs, red: right limbs, grey: spine and head. Panel title: the sample's source action label · " +
  "its MPJPE (mean over the 17 joints of the 3D distance between predicted and true joint, root-centred, mm). " +
  "Numbers next to joints: the largest per-joint errors of the panel (3D distance, mm), at the predicted joint.";

/** Bones grouped by side, for colouring left/right limbs. */
function bonesBySide(): { side: "left" | "right" | "center"; bones: (readonly [number, number])[] }[] {
  return (["left", "right", "center"] as const).map((side) => ({ side, bones: BONES.filter(([, c]) => jointSide(c) === side) }));
}

/**
 * Fig 5.1.1: k root-centred predictions beside their ground truth (camera frame, mm,
 * [k, 17, 3] flat), one panel per sample with a front view (x right, −y up) and a side view
 * (depth z to the right, −y up) at one scale, so depth errors show. Left/right limbs in
 * blue/red; ground truth thick and light, prediction thin, dark and dashed (apart in
 * greyscale print). The `labelsPerPanel` largest per-joint errors are printed in mm next
 * to their predicted joints, placed so that they overlap neither each other nor the bones.
 * Each skeleton pair is scaled to fill its panel; the caption explains the panel titles.
 */
export function predictionGridFigure(
  gt: ArrayLike<number>, pred: ArrayLike<number>, titles: string[],
  opts: { columns?: number; title?: string; labelsPerPanel?: number; caption?: boolean; panelWidthPx?: number; panelHeightPx?: number } = {},
): Figure {
  const k = titles.length;
  if (gt.length !== k * NUM_JOINTS * 3 || pred.length !== k * NUM_JOINTS * 3) {
    throw new Error(`predictionGridFigure: expected gt and pred of [${k}, 17, 3] (${k * NUM_JOINTS * 3} values, one panel per title), got ${gt.length} and ${pred.length}`);
  }
  const cols = opts.columns ?? 5, rows = Math.ceil(k / cols);
  const pw = opts.panelWidthPx ?? 200, ph = opts.panelHeightPx ?? 230;
  const headPx = 18, gapPx = 8, innerPad = 6, labelFont = 10;
  const captionText = wrapText(PREDICTION_GRID_CAPTION, Math.floor((pw * cols) / 6.6));
  const captionLines = opts.caption === false ? 0 : captionText.split("<br>").length;
  const margin = { l: 10, r: 10, t: 78, b: 14 + captionLines * 16 };
  const W = cols * pw + margin.l + margin.r, H = rows * ph + margin.t + margin.b;
  const plotW = cols * pw, plotH = rows * ph;
  const data: Trace[] = [];
  const anns: Partial<Annotation>[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: opts.title ?? "Predictions and ground truth, front and side views", y: 0.995, yanchor: "top" },
    width: W, height: H, margin, showlegend: true,
    legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1, yanchor: "bottom", yref: "paper", font: { size: 12 } },
    annotations: anns,
  };
  // Legend entries: line styles (greyscale cue) and side colours.
  const legendOnly = (name: string, line: Record<string, unknown>) => data.push({ type: "scatter", mode: "lines", x: [null], y: [null], name, line, hoverinfo: "skip", showlegend: true } as Trace);
  legendOnly("ground truth (thick, light)", { color: SIDE_COLORS.gt.center, width: 5 });
  legendOnly("prediction (thin, dashed)", { color: SIDE_COLORS.pred.center, width: 1.6, dash: "4px,2px" });
  legendOnly("left limbs", { color: SIDE_COLORS.pred.left, width: 3 });
  legendOnly("right limbs", { color: SIDE_COLORS.pred.right, width: 3 });
  const groups = bonesBySide();
  for (let p = 0; p < k; p++) {
    const col = p % cols, row = Math.floor(p / cols);
    const get = (a: ArrayLike<number>, j: number, d: number) => a[(p * NUM_JOINTS + j) * 3 + d];
    // Extents: vertical (−y), front horizontal (x), side horizontal (z), over both poses.
    const ext = (d: number, sign = 1): [number, number] => {
      let lo = Infinity, hi = -Infinity;
      for (const a of [gt, pred]) for (let j = 0; j < NUM_JOINTS; j++) { const v = sign * get(a, j, d); lo = Math.min(lo, v); hi = Math.max(hi, v); }
      return [lo, hi];
    };
    const vy = ext(1, -1), fx = ext(0), sz = ext(2);
    const availW = pw - 2 * innerPad - gapPx, availH = ph - headPx - 2 * innerPad;
    // Spans with 4% room so line caps at the extremes are not clipped.
    const spanF = 1.04 * Math.max(fx[1] - fx[0], 200), spanS = 1.04 * Math.max(sz[1] - sz[0], 200), spanV = 1.04 * Math.max(vy[1] - vy[0], 200);
    const scale = Math.min(availW / (spanF + spanS), availH / spanV); // px per mm, both views
    const wF = spanF * scale, wS = spanS * scale, hV = spanV * scale;
    const x0 = col * pw + innerPad + (availW - wF - wS) / 2; // px from the plot area's left
    const yTop = row * ph + headPx + innerPad + (availH - hV) / 2; // px from the plot area's top
    const views = [
      { id: 2 * p + 1, left: x0, width: wF, d: 0, sign: 1, lo: (fx[0] + fx[1]) / 2 - spanF / 2 },
      { id: 2 * p + 2, left: x0 + wF + gapPx, width: wS, d: 2, sign: 1, lo: (sz[0] + sz[1]) / 2 - spanS / 2 },
    ];
    const vLo = (vy[0] + vy[1]) / 2 - spanV / 2;
    const segsPx: Segment[] = [];
    const toPx = (v: (typeof views)[number], a: ArrayLike<number>, j: number): [number, number] =>
      [v.left + (get(a, j, v.d) - v.lo) * scale, yTop + hV - (-get(a, j, 1) - vLo) * scale];
    for (const v of views) {
      const n = v.id === 1 ? "" : String(v.id);
      const xa = `x${n}`, ya = `y${n}`;
      layout[`xaxis${n}`] = { visible: false, domain: [v.left / plotW, (v.left + v.width) / plotW], range: [v.lo, v.lo + v.width / scale], fixedrange: true, anchor: ya };
      layout[`yaxis${n}`] = { visible: false, domain: [1 - (yTop + hV) / plotH, 1 - yTop / plotH], range: [vLo, vLo + spanV], fixedrange: true, anchor: xa };
      for (const [a, style] of [[gt, "gt"], [pred, "pred"]] as const) {
        for (const g of groups) {
          const x: (number | null)[] = [], y: (number | null)[] = [];
          for (const [i, j] of g.bones) {
            x.push(get(a, i, v.d), get(a, j, v.d), null); y.push(-get(a, i, 1), -get(a, j, 1), null);
            const u = toPx(v, a, i), w = toPx(v, a, j);
            segsPx.push([u[0], u[1], w[0], w[1]]);
          }
          const line = style === "gt" ? { color: SIDE_COLORS.gt[g.side], width: 4.5 } : { color: SIDE_COLORS.pred[g.side], width: 1.6, dash: "4px,2px" };
          data.push({ type: "scatter", mode: "lines", x, y, line, xaxis: xa, yaxis: ya, hoverinfo: "skip", showlegend: false } as Trace);
        }
      }
    }
    const errs = H36M_JOINTS.map((_, j) => Math.hypot(get(gt, j, 0) - get(pred, j, 0), get(gt, j, 1) - get(pred, j, 1), get(gt, j, 2) - get(pred, j, 2)));
    data.push({
      type: "scatter", mode: "markers", x: H36M_JOINTS.map((_, j) => get(pred, j, 0)), y: H36M_JOINTS.map((_, j) => -get(pred, j, 1)),
      marker: { size: 3, color: SIDE_COLORS.pred.center }, text: H36M_JOINTS.map((n, j) => `${n}: ${errs[j].toFixed(0)} mm`),
      hovertemplate: "%{text}<extra></extra>", xaxis: p === 0 ? "x" : `x${2 * p + 1}`, yaxis: p === 0 ? "y" : `y${2 * p + 1}`, showlegend: false,
    } as Trace);
    // Error labels at the predicted joints of the front view, placed clear of bones and of each other.
    const worst = errs.map((e, j) => ({ e, j })).sort((a, b) => b.e - a.e).slice(0, opts.labelsPerPanel ?? 3);
    const reqs: LabelRequest[] = worst.map(({ e, j }) => {
      const [x, y] = toPx(views[0], pred, j);
      return { x, y, width: textWidthPx(e.toFixed(0), labelFont), height: labelFont + 3 };
    });
    const bounds: Rect = [col * pw + 2, row * ph + headPx, (col + 1) * pw - 2, (row + 1) * ph - 2];
    const placed = placeLabels(reqs, segsPx, bounds);
    worst.forEach(({ e, j }, i) => {
      const pl = placed[i];
      if (!pl.placed) return;
      const fxa = p === 0 ? "x" : `x${2 * p + 1}`, fya = p === 0 ? "y" : `y${2 * p + 1}`;
      anns.push({
        x: get(pred, j, 0), y: -get(pred, j, 1), xref: fxa as never, yref: fya as never, text: e.toFixed(0), showarrow: true, arrowhead: 0, arrowwidth: 0.7,
        arrowcolor: "#666", ax: pl.dx, ay: pl.dy, standoff: 1, font: { size: labelFont, color: "#000" }, bgcolor: "rgba(255,255,255,0.85)", borderpad: 0,
      });
    });
    const mean = errs.reduce((s, e) => s + e, 0) / NUM_JOINTS;
    anns.push({
      text: `${titles[p]} · ${mean.toFixed(0)} mm`, x: (col + 0.5) / cols, y: 1 - (row * ph + 2) / plotH, xref: "paper", yref: "paper",
      showarrow: false, font: { size: 11 }, yanchor: "top",
    });
  }
  if (opts.caption !== false) {
    anns.push({ text: captionText, x: 0, y: 0, xref: "paper", yref: "paper", xanchor: "left", yanchor: "top", yshift: -6, align: "left", showarrow: false, font: { size: 11, color: "#333" } });
  }
  return { data, layout };
}

/** UMAP panels: points coloured by label; one legend for all panels. */
export function umapGridFigure(panels: { title: string; xy: ArrayLike<number> }[], labels: ArrayLike<number>, labelNames: string[], opts: { title?: string; columns?: number } = {}): Figure {
  const cols = opts.columns ?? Math.min(panels.length, 2), rows = Math.ceil(panels.length / cols);
  const data: Trace[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = { title: { text: opts.title ?? "UMAP of latent means" }, width: 480 * cols + 150, height: 420 * rows + 40, annotations: [], legend: { itemsizing: "constant" } };
  const anns = layout.annotations as Partial<Annotation>[];
  panels.forEach((panel, p) => {
    const ax = p === 0 ? "" : String(p + 1);
    labelNames.forEach((name, l) => {
      const x: number[] = [], y: number[] = [];
      for (let i = 0; i < labels.length; i++) if (labels[i] === l) { x.push(panel.xy[i * 2]); y.push(panel.xy[i * 2 + 1]); }
      if (!x.length) return;
      data.push({ type: "scatter", mode: "markers", x, y, name, legendgroup: name, showlegend: p === 0, marker: { size: 3, color: PALETTE[l % PALETTE.length], opacity: 0.7 }, xaxis: `x${ax}`, yaxis: `y${ax}`, hoverinfo: "name" } as Trace);
    });
    const c = p % cols, r = Math.floor(p / cols);
    // UMAP coordinates have no units: no tick labels, but each panel names its axes.
    layout[`xaxis${ax}`] = { domain: [c / cols + 0.05, (c + 1) / cols - 0.02], showticklabels: false, zeroline: false, title: { text: "UMAP 1", standoff: 4 }, automargin: false, anchor: `y${ax}` };
    layout[`yaxis${ax}`] = { domain: [1 - (r + 1) / rows + 0.07, 1 - r / rows - 0.08], showticklabels: false, zeroline: false, title: { text: "UMAP 2", standoff: 4 }, automargin: false, anchor: `x${ax}` };
    anns.push({ text: panel.title, x: (c + 0.5) / cols, y: 1 - r / rows - 0.02, xref: "paper", yref: "paper", showarrow: false, yanchor: "top" });
  });
  return { data, layout };
}

/** Shortest readable form of a swept value (0.001, 1e-5, 100). */
export function formatSetting(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6)) return v.toExponential().replace(/\.?0+e/, "e").replace("e+", "e");
  return String(Number(v.toPrecision(6)));
}

/**
 * A metric against a swept setting (log x when asked). Ticks sit at the swept values only,
 * so a log axis over two points shows those two values, not plotly's minor ticks.
 */
export function sweepFigure(x: number[], series: { name: string; y: number[] }[], xTitle: string, title: string, logX = false): Figure {
  if (logX && x.some((v) => !(v > 0))) throw new Error(`sweepFigure: a log x axis needs positive values, got ${x.join(", ")}`);
  return {
    data: series.map((s) => ({ type: "scatter", mode: "lines+markers", x, y: s.y, name: s.name, marker: { size: 8 } }) as Trace),
    layout: {
      title: { text: title }, width: 700, height: 420,
      xaxis: { title: { text: xTitle }, type: logX ? "log" : "linear", tickmode: "array", tickvals: x, ticktext: x.map(formatSetting) },
      yaxis: { title: { text: "error (mm)" }, rangemode: "tozero" },
    },
  };
}

/** Per-joint spread of hypotheses: RMS distance (mm) of each joint from its mean over the hypotheses. */
export function hypothesisSpreadMm(hyps: ArrayLike<number>[]): number[] {
  if (!hyps.length) throw new Error("hypothesisSpreadMm: no hypotheses");
  for (const h of hyps) if (h.length !== NUM_JOINTS * 3) throw new Error(`hypothesisSpreadMm: expected [17, 3] values per hypothesis, got ${h.length}`);
  return H36M_JOINTS.map((_, j) => {
    const m = [0, 1, 2].map((d) => hyps.reduce((s, h) => s + h[j * 3 + d], 0) / hyps.length);
    const ss = hyps.reduce((s, h) => s + [0, 1, 2].reduce((t, d) => t + (h[j * 3 + d] - m[d]) ** 2, 0), 0);
    return Math.sqrt(ss / hyps.length);
  });
}

/**
 * Overlaid hypotheses of one input, in display coordinates (x right, y depth away from the
 * camera, z up: the person stands upright), from the front and from the side. Ground truth
 * thick grey; each hypothesis a thin blue skeleton; every hypothesis joint a dot coloured
 * by that joint's spread over the hypotheses (RMS distance from their mean, mm; colour bar).
 * Inputs are root-centred camera-frame poses (x right, y down, z forward), [17, 3] flat.
 */
export function hypothesesFigure(gt: ArrayLike<number>, hyps: ArrayLike<number>[], title: string): Figure {
  if (gt.length !== NUM_JOINTS * 3) throw new Error(`hypothesesFigure: expected ground truth of [17, 3] values, got ${gt.length}`);
  const g = cameraToDisplay(gt);
  const hs = hyps.map((h) => cameraToDisplay(h));
  const spread = hypothesisSpreadMm(hs);
  const maxSpread = Math.max(1, ...spread);
  const hypColor = "rgba(31,119,180,0.55)";
  const data: Trace[] = [];
  const scenes = ["scene", "scene2"];
  scenes.forEach((scene, si) => {
    data.push(...skeleton3d(g, { name: "ground truth", color: "#555555", width: 9, scene, showLegend: si === 0, legendGroup: "gt" }).slice(0, 1));
    hs.forEach((h, k) => data.push(...skeleton3d(h, { name: `${hs.length} hypotheses`, color: hypColor, width: 2.5, scene, showLegend: si === 0 && k === 0, legendGroup: "hyp" }).slice(0, 1)));
    data.push({
      type: "scatter3d", mode: "markers", scene, name: "hypothesis joints (coloured by spread)", legendgroup: "joints", showlegend: si === 0,
      x: hs.flatMap((h) => H36M_JOINTS.map((_, j) => h[j * 3])), y: hs.flatMap((h) => H36M_JOINTS.map((_, j) => h[j * 3 + 1])), z: hs.flatMap((h) => H36M_JOINTS.map((_, j) => h[j * 3 + 2])),
      text: hs.flatMap(() => H36M_JOINTS.map((n, j) => `${n}: spread ${spread[j].toFixed(0)} mm`)), hovertemplate: "%{text}<extra></extra>",
      marker: {
        size: 2.5, opacity: 1, line: { width: 0 }, color: hs.flatMap(() => spread), coloraxis: "coloraxis",
      },
    } as Trace);
  });
  const all = [g, ...hs];
  const front = { ...poseScene({ x: [0, 0.44], y: [0, 0.92] }, all), camera: { eye: { x: 0.3, y: -2.3, z: 0.4 }, up: { x: 0, y: 0, z: 1 } } };
  const side = { ...poseScene({ x: [0.46, 0.9], y: [0, 0.92] }, all), camera: { eye: { x: 2.3, y: 0.3, z: 0.4 }, up: { x: 0, y: 0, z: 1 } } };
  // Each view hides the axis it looks along (its ticks would collapse onto one line).
  const edgeOn = { showticklabels: false, title: { text: "" } };
  return {
    data,
    layout: {
      title: { text: title }, width: 1000, height: 600, margin: { l: 20, r: 90, t: 60, b: 70 },
      legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top" },
      // One colour scale for the joints of both views.
      coloraxis: { colorscale: "Viridis", cmin: 0, cmax: maxSpread, colorbar: { title: { text: "spread (mm)", side: "right" }, len: 0.6, thickness: 14, x: 1.0, xanchor: "left" } },
      scene: { ...front, yaxis: { ...front.yaxis, ...edgeOn } },
      scene2: { ...side, xaxis: { ...side.xaxis, ...edgeOn }, yaxis: { ...side.yaxis, title: { text: "y: depth (mm)" } } },
      annotations: [
        { text: "front (as the camera sees it)", x: 0.22, y: 0.99, xref: "paper", yref: "paper", showarrow: false },
        { text: "side (depth increases to the right)", x: 0.68, y: 0.99, xref: "paper", yref: "paper", showarrow: false },
      ],
    } as Partial<Layout>,
  };
}

/** Mean per-joint error (mm) of several models, grouped bars. */
export function perJointFigure(results: { model: string; perJoint: Record<string, number> }[], title: string): Figure {
  return {
    data: results.map((r, k) => ({ type: "bar", name: r.model, x: H36M_JOINTS.slice(1), y: H36M_JOINTS.slice(1).map((j) => r.perJoint[j]), marker: { color: PALETTE[k % PALETTE.length] } }) as Trace),
    layout: {
      title: { text: title }, width: 900, height: 480, barmode: "group", margin: { l: 60, r: 20, t: 90, b: 50 },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      yaxis: { title: { text: "mean error (mm)" } }, xaxis: { title: { text: "joint (the root, Hip, has no error after root-centring)" }, tickangle: -40 },
    },
  };
}
