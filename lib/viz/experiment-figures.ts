/**
 * Experiment figures: prediction grids with per-joint errors (thesis Fig 5.1.1), latent
 * UMAP maps (Fig 5.1.2), sweeps, best-of-N, and overlaid hypotheses.
 */
import type { Annotation, Data, Layout } from "plotly.js-dist-min";
import type { Figure } from "./plot";
import { COLORS, poseScene, skeleton3d } from "./pose-figures";
import { BONES, H36M_JOINTS, NUM_JOINTS } from "../pose/skeleton";

type Trace = Partial<Data>;

/** Qualitative palette for labels (actions). */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"];

/**
 * Fig 5.1.1: k root-centred predictions beside their ground truth, in a grid of front
 * views (camera x right, y up). Ground truth grey, prediction blue, per-joint error red;
 * the three largest errors of each panel are labelled in mm, all of them on hover.
 */
export function predictionGridFigure(gt: ArrayLike<number>, pred: ArrayLike<number>, titles: string[], opts: { columns?: number; title?: string } = {}): Figure {
  const k = titles.length, cols = opts.columns ?? 5, rows = Math.ceil(k / cols);
  const data: Trace[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: opts.title ?? "Predictions (blue) and ground truth (grey); red: per-joint error" }, width: 230 * cols, height: 250 * rows + 60, showlegend: false,
    margin: { l: 10, r: 10, t: 60, b: 10 }, annotations: [],
  };
  const anns = layout.annotations as Partial<Annotation>[];
  for (let p = 0; p < k; p++) {
    const ax = p === 0 ? "" : String(p + 1);
    const xa = `x${ax}`, ya = `y${ax}`;
    const at = (a: ArrayLike<number>, j: number): [number, number] => [a[(p * NUM_JOINTS + j) * 3], -a[(p * NUM_JOINTS + j) * 3 + 1]];
    const seg = (a: ArrayLike<number>) => {
      const x: (number | null)[] = [], y: (number | null)[] = [];
      for (const [i, j] of BONES) { const u = at(a, i), v = at(a, j); x.push(u[0], v[0], null); y.push(u[1], v[1], null); }
      return { x, y };
    };
    const g = seg(gt), q = seg(pred);
    data.push({ type: "scatter", mode: "lines", ...g, line: { color: COLORS.gt, width: 3 }, xaxis: xa, yaxis: ya, hoverinfo: "skip" } as Trace);
    data.push({ type: "scatter", mode: "lines", ...q, line: { color: COLORS.pred, width: 2 }, xaxis: xa, yaxis: ya, hoverinfo: "skip" } as Trace);
    const ex: (number | null)[] = [], ey: (number | null)[] = [], errs: number[] = [];
    for (let j = 0; j < NUM_JOINTS; j++) {
      const o = (p * NUM_JOINTS + j) * 3;
      errs.push(Math.hypot(gt[o] - pred[o], gt[o + 1] - pred[o + 1], gt[o + 2] - pred[o + 2]));
      const u = at(gt, j), v = at(pred, j);
      ex.push(u[0], v[0], null); ey.push(u[1], v[1], null);
    }
    data.push({ type: "scatter", mode: "lines", x: ex, y: ey, line: { color: COLORS.error, width: 1.5 }, xaxis: xa, yaxis: ya, hoverinfo: "skip" } as Trace);
    data.push({
      type: "scatter", mode: "markers", x: H36M_JOINTS.map((_, j) => at(pred, j)[0]), y: H36M_JOINTS.map((_, j) => at(pred, j)[1]), marker: { size: 3, color: COLORS.pred },
      text: H36M_JOINTS.map((n, j) => `${n}: ${errs[j].toFixed(0)} mm`), hovertemplate: "%{text}<extra></extra>", xaxis: xa, yaxis: ya,
    } as Trace);
    const worst = errs.map((e, j) => [e, j]).sort((a, b) => b[0] - a[0]).slice(0, 3);
    for (const [e, j] of worst) {
      const v = at(pred, j);
      anns.push({ x: v[0], y: v[1], xref: xa as never, yref: ya as never, text: `${e.toFixed(0)}`, showarrow: false, font: { size: 9, color: COLORS.error }, xshift: 10 });
    }
    const mean = errs.reduce((s, e) => s + e, 0) / NUM_JOINTS;
    layout[`xaxis${ax}`] = { visible: false, domain: [(p % cols) / cols + 0.005, ((p % cols) + 1) / cols - 0.005] };
    layout[`yaxis${ax}`] = { visible: false, scaleanchor: xa, domain: [1 - (Math.floor(p / cols) + 1) / rows + 0.01, 1 - Math.floor(p / cols) / rows - 0.05] };
    anns.push({ text: `${titles[p]} · ${mean.toFixed(0)} mm`, x: ((p % cols) + 0.5) / cols, y: 1 - Math.floor(p / cols) / rows - 0.01, xref: "paper", yref: "paper", showarrow: false, font: { size: 10 }, yanchor: "top" });
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
    layout[`xaxis${ax}`] = { domain: [c / cols + 0.02, (c + 1) / cols - 0.02], showticklabels: false, zeroline: false };
    layout[`yaxis${ax}`] = { domain: [1 - (r + 1) / rows + 0.02, 1 - r / rows - 0.08], showticklabels: false, zeroline: false };
    anns.push({ text: panel.title, x: (c + 0.5) / cols, y: 1 - r / rows - 0.02, xref: "paper", yref: "paper", showarrow: false, yanchor: "top" });
  });
  return { data, layout };
}

/** A metric against a swept setting (log x when asked). */
export function sweepFigure(x: number[], series: { name: string; y: number[] }[], xTitle: string, title: string, logX = false): Figure {
  return {
    data: series.map((s) => ({ type: "scatter", mode: "lines+markers", x, y: s.y, name: s.name }) as Trace),
    layout: { title: { text: title }, width: 700, height: 420, xaxis: { title: { text: xTitle }, type: logX ? "log" : "linear" }, yaxis: { title: { text: "error (mm)" } } },
  };
}

/** Overlaid hypotheses of one input (3D): ground truth grey, samples translucent blue. */
export function hypothesesFigure(gt: ArrayLike<number>, hyps: ArrayLike<number>[], title: string): Figure {
  const data: Trace[] = [...skeleton3d(gt, { name: "ground truth", color: COLORS.gt, width: 8 })];
  hyps.forEach((h, k) => data.push(...skeleton3d(h, { name: k === 0 ? "hypotheses" : `h${k}`, color: "rgba(31,119,180,0.35)", width: 3, showLegend: k === 0, legendGroup: "hyp" })));
  return { data, layout: { title: { text: title }, width: 650, height: 600, scene: poseScene(undefined, [gt, ...hyps]) } };
}

/** Mean per-joint error (mm) of several models, grouped bars. */
export function perJointFigure(results: { model: string; perJoint: Record<string, number> }[], title: string): Figure {
  return {
    data: results.map((r, k) => ({ type: "bar", name: r.model, x: H36M_JOINTS.slice(1), y: H36M_JOINTS.slice(1).map((j) => r.perJoint[j]), marker: { color: PALETTE[k % PALETTE.length] } }) as Trace),
    layout: { title: { text: title }, width: 900, height: 420, barmode: "group", yaxis: { title: { text: "mean error (mm)" } }, xaxis: { tickangle: -40 } },
  };
}
