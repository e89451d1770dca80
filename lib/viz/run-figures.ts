/**
 * Figures of training runs and experiments: the curves of every named loss term, schedule
 * value and validation metric of an epoch log, one small panel per quantity (so a KL of 50
 * and a reconstruction of 0.6 each get a readable axis), with integer epoch ticks; latent
 * UMAP maps (thesis Fig 5.1.2), sweeps and per-joint errors of several models.
 */
import type { Annotation, Data, Layout } from "plotly.js-dist-min";
import type { Figure } from "./figure";
import { H36M_JOINTS } from "../pose/skeleton";

/** One epoch of a training log, as written to `metrics.jsonl` (structural: any object of this shape). */
export interface EpochLogLike {
  epoch: number;
  step: number;
  seconds: number;
  samplesPerSec: number;
  etaSeconds: number;
  /** Mean loss terms of the epoch, e.g. {loss, recon, kl}. */
  terms: Record<string, number>;
  /** Schedule values at the end of the epoch, e.g. {beta, lr}. */
  values: Record<string, number>;
  /** Validation metrics, e.g. {p1: mm}. */
  val: Record<string, number>;
}

type Trace = Partial<Data>;

/** Display names and units of the quantities the trainers log; others show their key. */
export const CURVE_LABELS: Record<string, { label: string; unit: string }> = {
  loss: { label: "total loss", unit: "normalized units" },
  recon: { label: "reconstruction (MSE)", unit: "normalized units" },
  kl: { label: "KL(q(z|x) ‖ N(0, I))", unit: "nats" },
  critic: { label: "critic loss", unit: "" },
  gp: { label: "gradient penalty", unit: "" },
  adv: { label: "adversarial loss", unit: "" },
  beta: { label: "β", unit: "" },
  lr: { label: "learning rate", unit: "" },
  gamma: { label: "γ", unit: "" },
  p1: { label: "P1 (MPJPE)", unit: "mm" },
  p2: { label: "P2 (P-MPJPE)", unit: "mm" },
  mpjpe: { label: "MPJPE", unit: "mm" },
  gradNorm: { label: "gradient norm ‖∇‖₂", unit: "" },
  // Pose GANs (lib/train/gan-run.ts): two-step terms and plausibility of samples.
  "critic.loss": { label: "critic loss", unit: "" },
  "critic.wasserstein": { label: "critic: Wasserstein estimate E[D(real)] − E[D(G(z))]", unit: "" },
  "critic.penalty": { label: "critic: gradient penalty λ·E[(‖∇D‖ − 1)²]", unit: "" },
  "critic.realLogit": { label: "discriminator: mean logit on real", unit: "" },
  "critic.fakeLogit": { label: "discriminator: mean logit on G(z)", unit: "" },
  "generator.loss": { label: "generator loss", unit: "" },
  fid: { label: "pose FID vs held-out poses", unit: "mm²" },
  symmetry: { label: "bone symmetry error", unit: "mm" },
  outsideAngles: { label: "share of bones outside angle limits", unit: "" },
  diversity: { label: "diversity (mean pairwise distance)", unit: "mm" },
  criticReal: { label: "critic score, held-out real", unit: "" },
  criticFake: { label: "critic score, samples", unit: "" },
  criticGap: { label: "critic: real − samples (W estimate)", unit: "" },
};

const COLOURS = { terms: "#1f77b4", values: "#7f7f7f", val: "#d62728" } as const;

interface Panel {
  kind: "terms" | "values" | "val";
  key: string;
}

/** Keys of one record field over the history, in order of first appearance. */
function keysOf(history: EpochLogLike[], kind: Panel["kind"]): string[] {
  const seen: string[] = [];
  for (const h of history) for (const k of Object.keys(h[kind] ?? {})) if (!seen.includes(k)) seen.push(k);
  return seen;
}

/** Epoch tick spacing: 1, 2, 5, 10, ... so that at most about 8 ticks show. */
export function epochDtick(epochs: number): number {
  const raw = Math.max(1, epochs / 8);
  const e = 10 ** Math.floor(Math.log10(raw));
  const m = raw / e;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
}

/**
 * Training curves of one run: one panel per loss term (`terms`, the total first), per
 * validation metric (`val`, red) and, when they change over the run or `values: true`,
 * per schedule value (`values`, grey). Each panel has its own y axis: logarithmic when the
 * quantity is positive and spans more than `logRatio` (default 30), else linear. Epoch
 * ticks are integers; every epoch is a marker, so a one-epoch run shows a visible point.
 */
export function curvesFigure(
  history: EpochLogLike[],
  title: string,
  opts: { values?: boolean; columns?: number; logRatio?: number } = {},
): Figure {
  if (!history.length) throw new Error("curvesFigure: the epoch log is empty");
  for (const [i, h] of history.entries()) {
    if (typeof h.epoch !== "number" || typeof h.terms !== "object" || h.terms === null) {
      throw new Error(
        `curvesFigure: history[${i}] must have a numeric epoch and a terms record (EpochLogLike), got keys ${Object.keys(h).join(", ")}`,
      );
    }
  }
  const varies = (k: string) => new Set(history.map((h) => h.values?.[k])).size > 1;
  const panels: Panel[] = [
    ...["loss", ...keysOf(history, "terms").filter((k) => k !== "loss")]
      .filter((k) => history.some((h) => k in h.terms))
      .map((key) => ({ kind: "terms", key }) as Panel),
    ...keysOf(history, "val").map((key) => ({ kind: "val", key }) as Panel),
    ...keysOf(history, "values")
      .filter((k) => opts.values ?? varies(k))
      .map((key) => ({ kind: "values", key }) as Panel),
  ];
  const cols = opts.columns ?? (panels.length <= 1 ? 1 : panels.length <= 4 ? 2 : 3);
  const rows = Math.ceil(panels.length / cols);
  const cellW = cols === 1 ? 640 : cols === 2 ? 420 : 330,
    cellH = 230;
  const margin = { l: 72, r: 20, t: 64, b: 10 };
  const plotW = cols * cellW,
    plotH = rows * cellH;
  // Inside each cell: room for the panel title above, x ticks and title below, y ticks left.
  const padTop = 30,
    padBottom = 56,
    padLeft = 78,
    padRight = 14;
  const epochs = history.map((h) => h.epoch);
  const e0 = Math.min(...epochs),
    e1 = Math.max(...epochs);
  const data: Trace[] = [];
  const annotations: Partial<Annotation>[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: title },
    width: plotW + margin.l + margin.r,
    height: plotH + margin.t + margin.b,
    margin,
    showlegend: false,
    annotations,
  };
  panels.forEach((p, i) => {
    const c = i % cols,
      r = Math.floor(i / cols);
    const n = i === 0 ? "" : String(i + 1);
    const pts = history.filter((h) => Number.isFinite(h[p.kind]?.[p.key]));
    const y = pts.map((h) => h[p.kind][p.key]);
    const meta = CURVE_LABELS[p.key] ?? { label: p.key, unit: "" };
    const label =
      p.kind === "val" ? `validation ${meta.label}` : p.kind === "values" ? `${meta.label} (schedule)` : meta.label;
    const positive = y.length > 0 && y.every((v) => v > 0);
    const log = positive && Math.max(...y) / Math.min(...y) > (opts.logRatio ?? 30);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      x: pts.map((h) => h.epoch),
      y,
      name: label,
      xaxis: `x${n}`,
      yaxis: `y${n}`,
      line: { color: COLOURS[p.kind], width: 2 },
      marker: { size: 7, color: COLOURS[p.kind] },
      hovertemplate: `epoch %{x}: %{y:.4g}${meta.unit ? ` ${meta.unit}` : ""}<extra>${label}</extra>`,
    } as Trace);
    const left = (c * cellW + (c === 0 ? padLeft - margin.l + 6 : padLeft)) / plotW,
      right = ((c + 1) * cellW - padRight) / plotW;
    const top = 1 - (r * cellH + padTop) / plotH,
      bottom = 1 - ((r + 1) * cellH - padBottom) / plotH;
    layout[`xaxis${n}`] = {
      domain: [Math.max(0, left), right],
      anchor: `y${n}`,
      title: { text: "epoch", standoff: 6 },
      tickmode: "linear",
      tick0: epochDtick(e1 - e0 + 1) > 1 ? 0 : e0,
      dtick: epochDtick(e1 - e0 + 1),
      tickformat: "d",
      range: [e0 - 0.5, e1 + 0.5],
      zeroline: false,
    };
    layout[`yaxis${n}`] = {
      domain: [bottom, top],
      anchor: `x${n}`,
      type: log ? "log" : "linear",
      title: { text: meta.unit, standoff: 6 },
      ...(log
        ? { dtick: Math.log10(Math.max(...y) / Math.min(...y)) >= 2 ? 1 : "D2" }
        : { tickformat: "~g", nticks: 6 }),
      exponentformat: "power",
      zeroline: false,
    };
    annotations.push({
      text: `<b>${label}</b>`,
      x: (left + right) / 2,
      y: top,
      xref: "paper",
      yref: "paper",
      yanchor: "bottom",
      yshift: 4,
      showarrow: false,
      font: { size: 13 },
    });
  });
  return { data, layout };
}

/** Qualitative palette for labels (actions). */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#393b79",
  "#637939",
  "#8c6d31",
  "#843c39",
  "#7b4173",
];

/** UMAP panels: points coloured by label; one legend for all panels. */
export function umapGridFigure(
  panels: { title: string; xy: ArrayLike<number> }[],
  labels: ArrayLike<number>,
  labelNames: string[],
  opts: { title?: string; columns?: number } = {},
): Figure {
  const cols = opts.columns ?? Math.min(panels.length, 2),
    rows = Math.ceil(panels.length / cols);
  const data: Trace[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: opts.title ?? "UMAP of latent means" },
    width: 480 * cols + 150,
    height: 420 * rows + 40,
    annotations: [],
    legend: { itemsizing: "constant" },
  };
  const anns = layout.annotations as Partial<Annotation>[];
  panels.forEach((panel, p) => {
    const ax = p === 0 ? "" : String(p + 1);
    labelNames.forEach((name, l) => {
      const x: number[] = [],
        y: number[] = [];
      for (let i = 0; i < labels.length; i++)
        if (labels[i] === l) {
          x.push(panel.xy[i * 2]);
          y.push(panel.xy[i * 2 + 1]);
        }
      if (!x.length) return;
      data.push({
        type: "scatter",
        mode: "markers",
        x,
        y,
        name,
        legendgroup: name,
        showlegend: p === 0,
        marker: { size: 3, color: PALETTE[l % PALETTE.length], opacity: 0.7 },
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        hoverinfo: "name",
      } as Trace);
    });
    const c = p % cols,
      r = Math.floor(p / cols);
    // UMAP coordinates have no units: no tick labels, but each panel names its axes.
    layout[`xaxis${ax}`] = {
      domain: [c / cols + 0.05, (c + 1) / cols - 0.02],
      showticklabels: false,
      zeroline: false,
      title: { text: "UMAP 1", standoff: 4 },
      automargin: false,
      anchor: `y${ax}`,
    };
    layout[`yaxis${ax}`] = {
      domain: [1 - (r + 1) / rows + 0.07, 1 - r / rows - 0.08],
      showticklabels: false,
      zeroline: false,
      title: { text: "UMAP 2", standoff: 4 },
      automargin: false,
      anchor: `x${ax}`,
    };
    anns.push({
      text: panel.title,
      x: (c + 0.5) / cols,
      y: 1 - r / rows - 0.02,
      xref: "paper",
      yref: "paper",
      showarrow: false,
      yanchor: "top",
    });
  });
  return { data, layout };
}

/** Shortest readable form of a swept value (0.001, 1e-5, 100). */
export function formatSetting(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6))
    return v
      .toExponential()
      .replace(/\.?0+e/, "e")
      .replace("e+", "e");
  return String(Number(v.toPrecision(6)));
}

/**
 * A metric against a swept setting (log x when asked). Ticks sit at the swept values only,
 * so a log axis over two points shows those two values, not plotly's minor ticks.
 */
export function sweepFigure(
  x: number[],
  series: { name: string; y: number[] }[],
  xTitle: string,
  title: string,
  logX = false,
): Figure {
  if (logX && x.some((v) => !(v > 0)))
    throw new Error(`sweepFigure: a log x axis needs positive values, got ${x.join(", ")}`);
  return {
    data: series.map(
      (s) => ({ type: "scatter", mode: "lines+markers", x, y: s.y, name: s.name, marker: { size: 8 } }) as Trace,
    ),
    layout: {
      title: { text: title },
      width: 700,
      height: 420,
      xaxis: {
        title: { text: xTitle },
        type: logX ? "log" : "linear",
        tickmode: "array",
        tickvals: x,
        ticktext: x.map(formatSetting),
      },
      yaxis: { title: { text: "error (mm)" }, rangemode: "tozero" },
    },
  };
}

/** Mean per-joint error (mm) of several models, grouped bars. */
export function perJointFigure(results: { model: string; perJoint: Record<string, number> }[], title: string): Figure {
  return {
    data: results.map(
      (r, k) =>
        ({
          type: "bar",
          name: r.model,
          x: H36M_JOINTS.slice(1),
          y: H36M_JOINTS.slice(1).map((j) => r.perJoint[j]),
          marker: { color: PALETTE[k % PALETTE.length] },
        }) as Trace,
    ),
    layout: {
      title: { text: title },
      width: 900,
      height: 480,
      barmode: "group",
      margin: { l: 60, r: 20, t: 90, b: 50 },
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      yaxis: { title: { text: "mean error (mm)" } },
      xaxis: { title: { text: "joint (the root, Hip, has no error after root-centring)" }, tickangle: -40 },
    },
  };
}
