/**
 * Figures of pose GANs: grids of generated skeletons (front view; rows such as epochs or
 * models, one column per sample), a metric over epochs per model beside the value of real
 * poses, and histograms of a critic's scores on real vs perturbed poses with their AUC.
 */
import type { Annotation, Data, Layout } from "plotly.js-dist-min";
import type { Figure } from "./figure";
import { bonesBySide, SIDE_COLORS } from "./pose-figures";
import { PALETTE } from "./run-figures";
import { NUM_JOINTS } from "../pose/skeleton";

type Trace = Partial<Data>;
const POSE = NUM_JOINTS * 3;

/**
 * Skeletons in a grid, seen from the front (camera x to the right, −y up), all panels at one
 * scale, so that a shrunken or stretched sample shows. `rows[r].poses` holds k root-centred
 * poses [k, 17, 3] mm (camera frame); every row the same k. Left limbs blue, right red.
 */
export function skeletonGridFigure(
  rows: { label: string; poses: ArrayLike<number> }[],
  opts: { title: string; panelPx?: number; caption?: string },
): Figure {
  if (!rows.length) throw new Error("skeletonGridFigure: no rows");
  const k = rows[0].poses.length / POSE;
  for (const r of rows) {
    if (r.poses.length !== k * POSE || !Number.isInteger(k) || k < 1) {
      throw new Error(
        `skeletonGridFigure: row "${r.label}" must hold ${Number.isInteger(k) ? k : "n"} poses [n, 17, 3], got ${r.poses.length} values`,
      );
    }
  }
  // One half-span (mm) for every panel: the largest extent from the root over all poses, plus 5%.
  let half = 200;
  for (const r of rows)
    for (let i = 0; i < r.poses.length; i += 3) half = Math.max(half, Math.abs(r.poses[i]), Math.abs(r.poses[i + 1]));
  half *= 1.05;
  const px = opts.panelPx ?? 130,
    labelW = 110,
    cols = k;
  const captionLines = opts.caption ? Math.ceil(opts.caption.length / Math.floor((cols * px + labelW) / 6.6)) : 0;
  const margin = { l: 10 + labelW, r: 10, t: 60, b: 12 + captionLines * 16 };
  const W = cols * px + margin.l + margin.r,
    H = rows.length * px + margin.t + margin.b;
  const data: Trace[] = [];
  const annotations: Partial<Annotation>[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: opts.title },
    width: W,
    height: H,
    margin,
    showlegend: false,
    annotations,
  };
  const groups = bonesBySide();
  const gap = 0.04;
  rows.forEach((r, ri) => {
    for (let c = 0; c < cols; c++) {
      const id = ri * cols + c + 1,
        n = id === 1 ? "" : String(id);
      const x0 = c / cols,
        y1 = 1 - ri / rows.length;
      layout[`xaxis${n}`] = {
        visible: false,
        domain: [x0 + gap / cols, x0 + (1 - gap) / cols],
        range: [-half, half],
        fixedrange: true,
        anchor: `y${n}`,
      };
      layout[`yaxis${n}`] = {
        visible: false,
        domain: [y1 - (1 - gap) / rows.length, y1 - gap / rows.length],
        range: [-half, half],
        fixedrange: true,
        anchor: `x${n}`,
      };
      const get = (j: number, d: number) => r.poses[c * POSE + j * 3 + d];
      for (const g of groups) {
        const x: (number | null)[] = [],
          y: (number | null)[] = [];
        for (const [a, b] of g.bones) x.push(get(a, 0), get(b, 0), null), y.push(-get(a, 1), -get(b, 1), null);
        data.push({
          type: "scatter",
          mode: "lines",
          x,
          y,
          xaxis: `x${n}`,
          yaxis: `y${n}`,
          line: { color: SIDE_COLORS.pred[g.side], width: 2.2 },
          hoverinfo: "skip",
        } as Trace);
      }
    }
    annotations.push({
      text: r.label,
      x: 0,
      y: 1 - (ri + 0.5) / rows.length,
      xref: "paper",
      yref: "paper",
      xanchor: "right",
      xshift: -6,
      showarrow: false,
      font: { size: 12 },
      align: "right",
    });
  });
  if (opts.caption) {
    annotations.push({
      text: wrap(opts.caption, Math.floor((cols * px + labelW) / 6.6)),
      x: 0,
      y: 0,
      xref: "paper",
      yref: "paper",
      xanchor: "left",
      yanchor: "top",
      yshift: -6,
      xshift: -labelW,
      align: "left",
      showarrow: false,
      font: { size: 11, color: "#333" },
    });
  }
  return { data, layout };
}

function wrap(text: string, maxChars: number): string {
  const lines: string[] = [];
  let line = "";
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > maxChars) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join("<br>");
}

/** A metric over epochs, one line per model, with the value of real held-out poses as a dashed line. */
export function metricOverEpochsFigure(
  series: { name: string; epochs: number[]; values: number[] }[],
  opts: { title: string; yTitle: string; reference?: { name: string; value: number }; logY?: boolean },
): Figure {
  const data: Trace[] = series.map(
    (s, i) =>
      ({
        type: "scatter",
        mode: "lines+markers",
        x: s.epochs,
        y: s.values,
        name: s.name,
        line: { color: PALETTE[i % PALETTE.length], width: 2 },
        marker: { size: 7 },
      }) as Trace,
  );
  const all = series.flatMap((s) => s.epochs);
  if (opts.reference) {
    const lo = Math.min(...all),
      hi = Math.max(...all);
    data.push({
      type: "scatter",
      mode: "lines",
      x: [lo, hi],
      y: [opts.reference.value, opts.reference.value],
      name: opts.reference.name,
      line: { color: "#555", dash: "dash", width: 2 },
    } as Trace);
  }
  return {
    data,
    layout: {
      title: { text: opts.title },
      width: 720,
      height: 420,
      margin: { l: 80, r: 20, t: 90, b: 60 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      xaxis: {
        title: { text: "epoch" },
        tickformat: "d",
        dtick: Math.max(1, Math.ceil((Math.max(...all) - Math.min(...all) + 1) / 8)),
      },
      yaxis: { title: { text: opts.yTitle }, type: opts.logY ? "log" : "linear", exponentformat: "power" },
    },
  };
}

/** Histograms of a critic's scores on real and on perturbed poses, one panel per critic, with the AUC in the panel title. */
export function scoreHistogramFigure(
  panels: { title: string; real: ArrayLike<number>; perturbed: ArrayLike<number>; auc: number }[],
  title: string,
): Figure {
  if (!panels.length) throw new Error("scoreHistogramFigure: no panels");
  const cols = panels.length,
    data: Trace[] = [],
    annotations: Partial<Annotation>[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: title },
    width: Math.max(520, 330 * cols),
    height: 440,
    margin: { l: 60, r: 20, t: 90, b: 110 },
    barmode: "overlay",
    annotations,
    legend: { orientation: "h", x: 0.5, xanchor: "center", y: -0.3, yanchor: "top" },
  };
  panels.forEach((p, i) => {
    const n = i === 0 ? "" : String(i + 1);
    for (const [name, v, color] of [
      ["real held-out poses", p.real, "#1f77b4"],
      ["one forearm perturbed", p.perturbed, "#d62728"],
    ] as const) {
      data.push({
        type: "histogram",
        x: Array.from(v),
        name,
        opacity: 0.55,
        marker: { color },
        nbinsx: 40,
        xaxis: `x${n}`,
        yaxis: `y${n}`,
        showlegend: i === 0,
        legendgroup: name,
        histnorm: "probability density",
      } as Trace);
    }
    const x0 = i / cols,
      x1 = (i + 1) / cols - 0.06;
    layout[`xaxis${n}`] = { domain: [x0, x1], anchor: `y${n}`, title: { text: "critic score" } };
    layout[`yaxis${n}`] = { domain: [0, 1], anchor: `x${n}`, title: { text: i === 0 ? "density" : "" } };
    annotations.push({
      text: `<b>${p.title}</b> · AUC ${p.auc.toFixed(3)}`,
      x: (x0 + x1) / 2,
      y: 1,
      xref: "paper",
      yref: "paper",
      yanchor: "bottom",
      yshift: 4,
      showarrow: false,
      font: { size: 12 },
    });
  });
  return { data, layout };
}
