/**
 * Pose figures: skeletons in 2D and 3D, a sample's 2D/3D pair, the camera rig, depth
 * ambiguity, Procrustes, normalization statistics, the prediction grid of thesis Fig 5.1.1
 * and overlaid hypotheses. Bones and colours derive from lib/pose/skeleton.ts (left limbs
 * blue, right red, centre grey unless a colour is given). Each function returns a plotly
 * Figure (or traces) for `plot()` in lib/viz/plot.ts.
 */
import type { Annotation, Data, Layout } from "plotly.js-dist-min";
import { cameraPose, type CameraParams } from "../pose/camera";
import { cameraToDisplay } from "../pose/geometry";
import type { Figure } from "./figure";
import { placeLabels, textWidthPx, wrapText, type LabelRequest, type Rect, type Segment } from "./label-placement";
import { BONES, H36M_JOINTS, jointSide, NUM_JOINTS } from "../pose/skeleton";

export const COLORS = {
  gt: "#7f7f7f",
  pred: "#1f77b4",
  error: "#d62728",
  left: "#1f77b4",
  right: "#d62728",
  center: "#444444",
  alt: "#ff7f0e",
};

type Trace = Partial<Data>;

/** Bones grouped by the side of their child joint, for colouring left/right limbs. */
export function bonesBySide(): { side: "left" | "right" | "center"; bones: (readonly [number, number])[] }[] {
  return (["left", "right", "center"] as const).map((side) => ({
    side,
    bones: BONES.filter(([, c]) => jointSide(c) === side),
  }));
}

function bonePath(
  pose: ArrayLike<number>,
  dims: number,
  bones: readonly (readonly [number, number])[],
): (number | null)[][] {
  const cols: (number | null)[][] = Array.from({ length: dims }, () => []);
  for (const [a, b] of bones) {
    for (let d = 0; d < dims; d++) cols[d].push(pose[a * dims + d], pose[b * dims + d], null);
  }
  return cols;
}

/** 3D skeleton traces. With `color` one colour; else left/right/centre colours. */
export function skeleton3d(
  pose: ArrayLike<number>,
  opts: {
    name?: string;
    color?: string;
    width?: number;
    showLegend?: boolean;
    legendGroup?: string;
    scene?: string;
  } = {},
): Trace[] {
  if (pose.length !== NUM_JOINTS * 3) throw new Error(`skeleton3d: expected [17, 3] values, got ${pose.length}`);
  const groups = opts.color
    ? [{ color: opts.color, bones: BONES }]
    : bonesBySide().map(({ side, bones }) => ({ color: COLORS[side], bones }));
  const traces: Trace[] = groups.map((g, i) => {
    const [x, y, z] = bonePath(pose, 3, g.bones);
    return {
      type: "scatter3d",
      mode: "lines",
      x,
      y,
      z,
      line: { color: g.color, width: opts.width ?? 6 },
      name: opts.name ?? "pose",
      showlegend: (opts.showLegend ?? true) && i === 0,
      legendgroup: opts.legendGroup ?? opts.name,
      hoverinfo: "skip",
      scene: opts.scene,
    } as Trace;
  });
  traces.push({
    type: "scatter3d",
    mode: "markers",
    x: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 3]),
    y: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 3 + 1]),
    z: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 3 + 2]),
    marker: { size: 3, color: opts.color ?? COLORS.center },
    text: [...H36M_JOINTS],
    hovertemplate: "%{text}<extra></extra>",
    showlegend: false,
    legendgroup: opts.legendGroup ?? opts.name,
    scene: opts.scene,
  } as Trace);
  return traces;
}

/** 2D skeleton traces (image coordinates: use `imageAxes` so y points down). */
export function skeleton2d(
  pose: ArrayLike<number>,
  opts: {
    name?: string;
    color?: string;
    xaxis?: string;
    yaxis?: string;
    showLegend?: boolean;
    dash?: string;
    visible?: ArrayLike<number>;
  } = {},
): Trace[] {
  if (pose.length !== NUM_JOINTS * 2) throw new Error(`skeleton2d: expected [17, 2] values, got ${pose.length}`);
  const groups = opts.color
    ? [{ color: opts.color, bones: BONES }]
    : bonesBySide().map(({ side, bones }) => ({ color: COLORS[side], bones }));
  const traces: Trace[] = groups.map((g, i) => {
    const [x, y] = bonePath(pose, 2, g.bones);
    return {
      type: "scatter",
      mode: "lines",
      x,
      y,
      line: { color: g.color, width: 3, dash: opts.dash },
      name: opts.name ?? "pose",
      showlegend: (opts.showLegend ?? true) && i === 0,
      legendgroup: opts.name,
      hoverinfo: "skip",
      xaxis: opts.xaxis,
      yaxis: opts.yaxis,
    } as Trace;
  });
  traces.push({
    type: "scatter",
    mode: "markers",
    x: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 2]),
    y: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 2 + 1]),
    marker: {
      size: 6,
      color: Array.from({ length: NUM_JOINTS }, (_, j) =>
        opts.visible && !opts.visible[j] ? "white" : (opts.color ?? COLORS.center),
      ),
      line: { width: 1, color: opts.color ?? COLORS.center },
    },
    text: [...H36M_JOINTS],
    hovertemplate: "%{text}: (%{x:.0f}, %{y:.0f}) px<extra></extra>",
    showlegend: false,
    legendgroup: opts.name,
    xaxis: opts.xaxis,
    yaxis: opts.yaxis,
  } as Trace);
  return traces;
}

/**
 * A 3D scene with z up and equal scale on all axes, framing `poses` (flat [.., 3] arrays)
 * in a cube so nothing is clipped.
 */
export function poseScene(
  domain?: { x: [number, number]; y: [number, number] },
  poses: ArrayLike<number>[] = [],
): Partial<Layout["scene"]> {
  const axis = (t: string, range?: [number, number]) => ({
    title: { text: t },
    showbackground: true,
    backgroundcolor: "#f7f7f7",
    gridcolor: "#ddd",
    zeroline: false,
    range,
  });
  const lo = [Infinity, Infinity, Infinity],
    hi = [-Infinity, -Infinity, -Infinity];
  for (const p of poses)
    for (let i = 0; i < p.length; i++) {
      const d = i % 3;
      lo[d] = Math.min(lo[d], p[i]);
      hi[d] = Math.max(hi[d], p[i]);
    }
  const half = poses.length ? (Math.max(...[0, 1, 2].map((d) => hi[d] - lo[d])) / 2) * 1.1 + 50 : 0;
  const r = (d: number): [number, number] | undefined =>
    poses.length ? [(lo[d] + hi[d]) / 2 - half, (lo[d] + hi[d]) / 2 + half] : undefined;
  return {
    domain,
    aspectmode: poses.length ? "cube" : "data",
    xaxis: axis("x (mm)", r(0)),
    yaxis: axis("y (mm)", r(1)),
    zaxis: axis("z (mm)", r(2)),
    camera: { eye: { x: 1.75, y: -1.75, z: 0.65 }, up: { x: 0, y: 0, z: 1 } },
  };
}

/** Axis ranges (pixels) framing 2D poses with a margin, y down. */
export function framing2d(poses: ArrayLike<number>[], marginPx = 40): { x: [number, number]; y: [number, number] } {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const p of poses)
    for (let i = 0; i < p.length; i += 2) {
      x0 = Math.min(x0, p[i]);
      x1 = Math.max(x1, p[i]);
      y0 = Math.min(y0, p[i + 1]);
      y1 = Math.max(y1, p[i + 1]);
    }
  const half = Math.max(x1 - x0, y1 - y0) / 2 + marginPx,
    cx = (x0 + x1) / 2,
    cy = (y0 + y1) / 2;
  return { x: [cx - half, cx + half], y: [cy + half, cy - half] };
}

/** Axis settings for image coordinates (y down, equal scale, pixel range). */
export function imageAxes(
  widthPx: number,
  heightPx: number,
  anchor = "y",
): { x: Partial<Layout["xaxis"]>; y: Partial<Layout["yaxis"]> } {
  return {
    x: { range: [0, widthPx], title: { text: "u (px)" }, constrain: "domain", zeroline: false },
    y: {
      range: [heightPx, 0],
      title: { text: "v (px)" },
      scaleanchor: anchor === "y" ? "x" : (anchor.replace("y", "x") as never),
      zeroline: false,
    },
  };
}

/** Figure: one sample's 2D pose (image) beside its 3D pose (camera space, z up). */
export function pose2d3dFigure(
  pose2dPx: ArrayLike<number>,
  pose3dDisplay: ArrayLike<number>,
  cam: { resWidthPx: number; resHeightPx: number },
  title: string,
  visible?: ArrayLike<number>,
): Figure {
  const ax = imageAxes(cam.resWidthPx, cam.resHeightPx);
  const f = framing2d([pose2dPx]);
  return {
    data: [
      ...skeleton2d(pose2dPx, { name: "2D (pixels)", visible }),
      ...skeleton3d(pose3dDisplay, { name: "3D (mm)", scene: "scene", showLegend: false }),
    ],
    layout: {
      title: { text: title },
      width: 950,
      height: 480,
      showlegend: false,
      xaxis: { ...ax.x, range: f.x, domain: [0, 0.45] },
      yaxis: { ...ax.y, range: f.y },
      scene: poseScene({ x: [0.5, 1], y: [0, 1] }, [pose3dDisplay]),
      annotations: [
        { text: "2D input (image)", x: 0.22, y: 1.02, xref: "paper", yref: "paper", showarrow: false },
        { text: "3D target (camera frame, z up)", x: 0.75, y: 1.02, xref: "paper", yref: "paper", showarrow: false },
      ],
    },
  };
}

/** Figure: the 4 cameras of a subject around a world pose, with their viewing directions. */
export function camerasFigure(cams: CameraParams[], worldPose: ArrayLike<number>, title: string): Figure {
  const data: Trace[] = [...skeleton3d(worldPose, { name: "subject", showLegend: false })];
  cams.forEach((cam, i) => {
    const { centerMm: c, forward: f } = cameraPose(cam);
    const tip = [c[0] + 1200 * f[0], c[1] + 1200 * f[1], c[2] + 1200 * f[2]];
    data.push({
      type: "scatter3d",
      mode: "text+markers",
      x: [c[0]],
      y: [c[1]],
      z: [c[2]],
      text: [`cam ${i + 1} (${cam.id})`],
      textposition: "top center",
      marker: { size: 5, color: "#2ca02c", symbol: "square" },
      name: cam.id,
      showlegend: false,
    } as Trace);
    data.push({
      type: "scatter3d",
      mode: "lines",
      x: [c[0], tip[0]],
      y: [c[1], tip[1]],
      z: [c[2], tip[2]],
      line: { color: "#2ca02c", width: 4 },
      showlegend: false,
      hoverinfo: "skip",
    } as Trace);
  });
  // Floor outline of the capture area.
  const xs = cams.map((c) => c.translationMm[0]),
    ys = cams.map((c) => c.translationMm[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  data.push({
    type: "scatter3d",
    mode: "lines",
    x: [x0, x1, x1, x0, x0],
    y: [y0, y0, y1, y1, y0],
    z: [0, 0, 0, 0, 0],
    line: { color: "#bbb", width: 2 },
    showlegend: false,
    hoverinfo: "skip",
  } as Trace);
  const scene = poseScene({ x: [0.08, 1], y: [0, 1] });
  return {
    data,
    layout: {
      title: { text: title },
      width: 800,
      height: 600,
      scene: {
        ...scene,
        zaxis: { ...scene?.zaxis, nticks: 4 },
        aspectmode: "data",
        camera: { eye: { x: 2.0, y: -2.0, z: 1.5 }, up: { x: 0, y: 0, z: 1 } },
      },
    },
  };
}

/** Figure: two overlaid 3D poses (e.g. depth-ambiguous pair), with a shared 2D projection panel. */
export function twoPosesFigure(
  a3d: ArrayLike<number>,
  b3d: ArrayLike<number>,
  a2d: ArrayLike<number>,
  b2d: ArrayLike<number>,
  cam: { resWidthPx: number; resHeightPx: number },
  names: [string, string],
  title: string,
): Figure {
  const ax = imageAxes(cam.resWidthPx, cam.resHeightPx);
  return {
    data: [
      ...skeleton3d(a3d, { name: names[0], color: COLORS.gt, scene: "scene" }),
      ...skeleton3d(b3d, { name: names[1], color: COLORS.alt, scene: "scene" }),
      ...skeleton2d(a2d, { name: `${names[0]} (projection)`, color: COLORS.gt, showLegend: false }),
      ...skeleton2d(b2d, { name: `${names[1]} (projection)`, color: COLORS.alt, dash: "dot", showLegend: false }),
    ],
    layout: {
      title: { text: title },
      width: 950,
      height: 500,
      xaxis: { ...ax.x, domain: [0.62, 1], range: framing2d([a2d, b2d]).x },
      yaxis: { ...ax.y, range: framing2d([a2d, b2d]).y },
      scene: poseScene({ x: [0, 0.58], y: [0, 1] }, [a3d, b3d]),
      legend: { x: 0, y: 0 },
    },
  };
}

/** Figure: Procrustes alignment: ground truth with the raw and the aligned prediction. */
export function procrustesFigure(
  gt: ArrayLike<number>,
  pred: ArrayLike<number>,
  aligned: ArrayLike<number>,
  title: string,
): Figure {
  return {
    data: [
      ...skeleton3d(gt, { name: "ground truth", color: COLORS.gt, scene: "scene" }),
      ...skeleton3d(pred, { name: "prediction", color: COLORS.pred, scene: "scene" }),
      ...skeleton3d(gt, { name: "ground truth", color: COLORS.gt, scene: "scene2", showLegend: false }),
      ...skeleton3d(aligned, { name: "aligned prediction", color: COLORS.alt, scene: "scene2" }),
    ],
    layout: {
      title: { text: title },
      width: 950,
      height: 480,
      legend: { orientation: "h", y: -0.05 },
      scene: poseScene({ x: [0, 0.5], y: [0, 1] }, [gt, pred]),
      scene2: poseScene({ x: [0.5, 1], y: [0, 1] }, [gt, aligned]),
      annotations: [
        { text: "before (Protocol #1)", x: 0.25, y: 1.0, xref: "paper", yref: "paper", showarrow: false },
        {
          text: "after similarity alignment (Protocol #2)",
          x: 0.75,
          y: 1.0,
          xref: "paper",
          yref: "paper",
          showarrow: false,
        },
      ],
    } as Partial<Layout>,
  };
}

/** Figure: per-joint standard deviations of the normalization statistics (2D px, 3D mm). */
export function normStatsFigure(
  joints2d: number[],
  std2d: ArrayLike<number>,
  joints3d: number[],
  std3d: ArrayLike<number>,
  title: string,
): Figure {
  const n2 = joints2d.map((j) => H36M_JOINTS[j]),
    n3 = joints3d.map((j) => H36M_JOINTS[j]);
  const comp = (a: ArrayLike<number>, dims: number, d: number) =>
    Array.from({ length: a.length / dims }, (_, k) => a[k * dims + d]);
  return {
    data: [
      { type: "bar", x: n2, y: comp(std2d, 2, 0), name: "2D u (px)", marker: { color: "#9ecae1" } },
      { type: "bar", x: n2, y: comp(std2d, 2, 1), name: "2D v (px)", marker: { color: "#3182bd" } },
      {
        type: "bar",
        x: n3,
        y: comp(std3d, 3, 0),
        name: "3D x (mm)",
        marker: { color: "#fdae6b" },
        yaxis: "y2",
        xaxis: "x2",
      },
      {
        type: "bar",
        x: n3,
        y: comp(std3d, 3, 1),
        name: "3D y (mm)",
        marker: { color: "#e6550d" },
        yaxis: "y2",
        xaxis: "x2",
      },
      {
        type: "bar",
        x: n3,
        y: comp(std3d, 3, 2),
        name: "3D z (mm)",
        marker: { color: "#a63603" },
        yaxis: "y2",
        xaxis: "x2",
      },
    ] as Trace[],
    layout: {
      title: { text: title },
      width: 950,
      height: 600,
      barmode: "group",
      grid: { rows: 2, columns: 1, pattern: "independent" },
      yaxis: { title: { text: "std of 2D input (px)" } },
      yaxis2: { title: { text: "std of root-centred 3D (mm)" } },
    } as Partial<Layout>,
  };
}

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
  gt: ArrayLike<number>,
  pred: ArrayLike<number>,
  titles: string[],
  opts: {
    columns?: number;
    title?: string;
    labelsPerPanel?: number;
    caption?: boolean;
    panelWidthPx?: number;
    panelHeightPx?: number;
  } = {},
): Figure {
  const k = titles.length;
  if (gt.length !== k * NUM_JOINTS * 3 || pred.length !== k * NUM_JOINTS * 3) {
    throw new Error(
      `predictionGridFigure: expected gt and pred of [${k}, 17, 3] (${k * NUM_JOINTS * 3} values, one panel per title), got ${gt.length} and ${pred.length}`,
    );
  }
  const cols = opts.columns ?? 5,
    rows = Math.ceil(k / cols);
  const pw = opts.panelWidthPx ?? 200,
    ph = opts.panelHeightPx ?? 230;
  const headPx = 18,
    gapPx = 8,
    innerPad = 6,
    labelFont = 10;
  const captionText = wrapText(PREDICTION_GRID_CAPTION, Math.floor((pw * cols) / 6.6));
  const captionLines = opts.caption === false ? 0 : captionText.split("<br>").length;
  const margin = { l: 10, r: 10, t: 78, b: 14 + captionLines * 16 };
  const W = cols * pw + margin.l + margin.r,
    H = rows * ph + margin.t + margin.b;
  const plotW = cols * pw,
    plotH = rows * ph;
  const data: Trace[] = [];
  const anns: Partial<Annotation>[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: {
      text: opts.title ?? "Predictions and ground truth, front and side views",
      y: 1,
      yref: "container",
      yanchor: "top",
      pad: { t: 12 },
    },
    width: W,
    height: H,
    margin,
    showlegend: true,
    legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1, yanchor: "bottom", yref: "paper", font: { size: 12 } },
    annotations: anns,
  };
  // Legend entries: line styles (greyscale cue) and side colours.
  const legendOnly = (name: string, line: Record<string, unknown>) =>
    data.push({
      type: "scatter",
      mode: "lines",
      x: [null],
      y: [null],
      name,
      line,
      hoverinfo: "skip",
      showlegend: true,
    } as Trace);
  legendOnly("ground truth (thick, light)", { color: SIDE_COLORS.gt.center, width: 5 });
  legendOnly("prediction (thin, dashed)", { color: SIDE_COLORS.pred.center, width: 1.6, dash: "4px,2px" });
  legendOnly("left limbs", { color: SIDE_COLORS.pred.left, width: 3 });
  legendOnly("right limbs", { color: SIDE_COLORS.pred.right, width: 3 });
  const groups = bonesBySide();
  for (let p = 0; p < k; p++) {
    const col = p % cols,
      row = Math.floor(p / cols);
    const get = (a: ArrayLike<number>, j: number, d: number) => a[(p * NUM_JOINTS + j) * 3 + d];
    // Extents: vertical (−y), front horizontal (x), side horizontal (z), over both poses.
    const ext = (d: number, sign = 1): [number, number] => {
      let lo = Infinity,
        hi = -Infinity;
      for (const a of [gt, pred])
        for (let j = 0; j < NUM_JOINTS; j++) {
          const v = sign * get(a, j, d);
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      return [lo, hi];
    };
    const vy = ext(1, -1),
      fx = ext(0),
      sz = ext(2);
    const availW = pw - 2 * innerPad - gapPx,
      availH = ph - headPx - 2 * innerPad;
    // Spans with 4% room so line caps at the extremes are not clipped.
    const spanF = 1.04 * Math.max(fx[1] - fx[0], 200),
      spanS = 1.04 * Math.max(sz[1] - sz[0], 200),
      spanV = 1.04 * Math.max(vy[1] - vy[0], 200);
    const scale = Math.min(availW / (spanF + spanS), availH / spanV); // px per mm, both views
    const wF = spanF * scale,
      wS = spanS * scale,
      hV = spanV * scale;
    const x0 = col * pw + innerPad + (availW - wF - wS) / 2; // px from the plot area's left
    const yTop = row * ph + headPx + innerPad + (availH - hV) / 2; // px from the plot area's top
    const views = [
      { id: 2 * p + 1, left: x0, width: wF, d: 0, sign: 1, lo: (fx[0] + fx[1]) / 2 - spanF / 2 },
      { id: 2 * p + 2, left: x0 + wF + gapPx, width: wS, d: 2, sign: 1, lo: (sz[0] + sz[1]) / 2 - spanS / 2 },
    ];
    const vLo = (vy[0] + vy[1]) / 2 - spanV / 2;
    const segsPx: Segment[] = [];
    const toPx = (v: (typeof views)[number], a: ArrayLike<number>, j: number): [number, number] => [
      v.left + (get(a, j, v.d) - v.lo) * scale,
      yTop + hV - (-get(a, j, 1) - vLo) * scale,
    ];
    for (const v of views) {
      const n = v.id === 1 ? "" : String(v.id);
      const xa = `x${n}`,
        ya = `y${n}`;
      layout[`xaxis${n}`] = {
        visible: false,
        domain: [v.left / plotW, (v.left + v.width) / plotW],
        range: [v.lo, v.lo + v.width / scale],
        fixedrange: true,
        anchor: ya,
      };
      layout[`yaxis${n}`] = {
        visible: false,
        domain: [1 - (yTop + hV) / plotH, 1 - yTop / plotH],
        range: [vLo, vLo + spanV],
        fixedrange: true,
        anchor: xa,
      };
      for (const [a, style] of [
        [gt, "gt"],
        [pred, "pred"],
      ] as const) {
        for (const g of groups) {
          const x: (number | null)[] = [],
            y: (number | null)[] = [];
          for (const [i, j] of g.bones) {
            x.push(get(a, i, v.d), get(a, j, v.d), null);
            y.push(-get(a, i, 1), -get(a, j, 1), null);
            const u = toPx(v, a, i),
              w = toPx(v, a, j);
            segsPx.push([u[0], u[1], w[0], w[1]]);
          }
          const line =
            style === "gt"
              ? { color: SIDE_COLORS.gt[g.side], width: 4.5 }
              : { color: SIDE_COLORS.pred[g.side], width: 1.6, dash: "4px,2px" };
          data.push({
            type: "scatter",
            mode: "lines",
            x,
            y,
            line,
            xaxis: xa,
            yaxis: ya,
            hoverinfo: "skip",
            showlegend: false,
          } as Trace);
        }
      }
    }
    const errs = H36M_JOINTS.map((_, j) =>
      Math.hypot(get(gt, j, 0) - get(pred, j, 0), get(gt, j, 1) - get(pred, j, 1), get(gt, j, 2) - get(pred, j, 2)),
    );
    data.push({
      type: "scatter",
      mode: "markers",
      x: H36M_JOINTS.map((_, j) => get(pred, j, 0)),
      y: H36M_JOINTS.map((_, j) => -get(pred, j, 1)),
      marker: { size: 3, color: SIDE_COLORS.pred.center },
      text: H36M_JOINTS.map((n, j) => `${n}: ${errs[j].toFixed(0)} mm`),
      hovertemplate: "%{text}<extra></extra>",
      xaxis: p === 0 ? "x" : `x${2 * p + 1}`,
      yaxis: p === 0 ? "y" : `y${2 * p + 1}`,
      showlegend: false,
    } as Trace);
    // Error labels at the predicted joints of the front view, placed clear of bones and of each other.
    const worst = errs
      .map((e, j) => ({ e, j }))
      .sort((a, b) => b.e - a.e)
      .slice(0, opts.labelsPerPanel ?? 3);
    const reqs: LabelRequest[] = worst.map(({ e, j }) => {
      const [x, y] = toPx(views[0], pred, j);
      return { x, y, width: textWidthPx(e.toFixed(0), labelFont), height: labelFont + 3 };
    });
    const bounds: Rect = [col * pw + 2, row * ph + headPx, (col + 1) * pw - 2, (row + 1) * ph - 2];
    const placed = placeLabels(reqs, segsPx, bounds);
    worst.forEach(({ e, j }, i) => {
      const pl = placed[i];
      if (!pl.placed) return;
      const fxa = p === 0 ? "x" : `x${2 * p + 1}`,
        fya = p === 0 ? "y" : `y${2 * p + 1}`;
      anns.push({
        x: get(pred, j, 0),
        y: -get(pred, j, 1),
        xref: fxa as never,
        yref: fya as never,
        text: e.toFixed(0),
        showarrow: true,
        arrowhead: 0,
        arrowwidth: 0.7,
        arrowcolor: "#666",
        ax: pl.dx,
        ay: pl.dy,
        standoff: 1,
        font: { size: labelFont, color: "#000" },
        bgcolor: "rgba(255,255,255,0.85)",
        borderpad: 0,
      });
    });
    const mean = errs.reduce((s, e) => s + e, 0) / NUM_JOINTS;
    anns.push({
      text: `${titles[p]} · ${mean.toFixed(0)} mm`,
      x: (col + 0.5) / cols,
      y: 1 - (row * ph + 2) / plotH,
      xref: "paper",
      yref: "paper",
      showarrow: false,
      font: { size: 11 },
      yanchor: "top",
    });
  }
  if (opts.caption !== false) {
    anns.push({
      text: captionText,
      x: 0,
      y: 0,
      xref: "paper",
      yref: "paper",
      xanchor: "left",
      yanchor: "top",
      yshift: -6,
      align: "left",
      showarrow: false,
      font: { size: 11, color: "#333" },
    });
  }
  return { data, layout };
}

/** Per-joint spread of hypotheses: RMS distance (mm) of each joint from its mean over the hypotheses. */
export function hypothesisSpreadMm(hyps: ArrayLike<number>[]): number[] {
  if (!hyps.length) throw new Error("hypothesisSpreadMm: no hypotheses");
  for (const h of hyps)
    if (h.length !== NUM_JOINTS * 3)
      throw new Error(`hypothesisSpreadMm: expected [17, 3] values per hypothesis, got ${h.length}`);
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
 * `alternative` adds a second reference in orange (the other pose of a depth-ambiguous pair).
 * Inputs are root-centred camera-frame poses (x right, y down, z forward), [17, 3] flat.
 */
export function hypothesesFigure(
  gt: ArrayLike<number>,
  hyps: ArrayLike<number>[],
  title: string,
  opts: { alternative?: ArrayLike<number>; names?: [string, string] } = {},
): Figure {
  if (gt.length !== NUM_JOINTS * 3)
    throw new Error(`hypothesesFigure: expected ground truth of [17, 3] values, got ${gt.length}`);
  if (opts.alternative && opts.alternative.length !== NUM_JOINTS * 3)
    throw new Error(
      `hypothesesFigure: expected the alternative pose as [17, 3] values, got ${opts.alternative.length}`,
    );
  const [gtName, altName] = opts.names ?? ["ground truth", "alternative"];
  const g = cameraToDisplay(gt);
  const alt = opts.alternative ? cameraToDisplay(opts.alternative) : undefined;
  const hs = hyps.map((h) => cameraToDisplay(h));
  const spread = hypothesisSpreadMm(hs);
  const maxSpread = Math.max(1, ...spread);
  const hypColor = "rgba(31,119,180,0.55)";
  const data: Trace[] = [];
  const scenes = ["scene", "scene2"];
  scenes.forEach((scene, si) => {
    data.push(
      ...skeleton3d(g, {
        name: gtName,
        color: "#555555",
        width: 9,
        scene,
        showLegend: si === 0,
        legendGroup: "gt",
      }).slice(0, 1),
    );
    if (alt)
      data.push(
        ...skeleton3d(alt, {
          name: altName,
          color: "#ff7f0e",
          width: 6,
          scene,
          showLegend: si === 0,
          legendGroup: "alt",
        }).slice(0, 1),
      );
    hs.forEach((h, k) =>
      data.push(
        ...skeleton3d(h, {
          name: `${hs.length} hypotheses`,
          color: hypColor,
          width: 2.5,
          scene,
          showLegend: si === 0 && k === 0,
          legendGroup: "hyp",
        }).slice(0, 1),
      ),
    );
    data.push({
      type: "scatter3d",
      mode: "markers",
      scene,
      name: "hypothesis joints (coloured by spread)",
      legendgroup: "joints",
      showlegend: si === 0,
      x: hs.flatMap((h) => H36M_JOINTS.map((_, j) => h[j * 3])),
      y: hs.flatMap((h) => H36M_JOINTS.map((_, j) => h[j * 3 + 1])),
      z: hs.flatMap((h) => H36M_JOINTS.map((_, j) => h[j * 3 + 2])),
      text: hs.flatMap(() => H36M_JOINTS.map((n, j) => `${n}: spread ${spread[j].toFixed(0)} mm`)),
      hovertemplate: "%{text}<extra></extra>",
      marker: {
        size: 2.5,
        opacity: 1,
        line: { width: 0 },
        color: hs.flatMap(() => spread),
        coloraxis: "coloraxis",
      },
    } as Trace);
  });
  const all = [g, ...(alt ? [alt] : []), ...hs];
  const front = {
    ...poseScene({ x: [0, 0.44], y: [0, 0.92] }, all),
    camera: { eye: { x: 0.3, y: -2.3, z: 0.4 }, up: { x: 0, y: 0, z: 1 } },
  };
  const side = {
    ...poseScene({ x: [0.46, 0.9], y: [0, 0.92] }, all),
    camera: { eye: { x: 2.3, y: 0.3, z: 0.4 }, up: { x: 0, y: 0, z: 1 } },
  };
  // Each view hides the axis it looks along (its ticks would collapse onto one line).
  const edgeOn = { showticklabels: false, title: { text: "" } };
  return {
    data,
    layout: {
      title: { text: title },
      width: 1000,
      height: 600,
      margin: { l: 20, r: 90, t: 60, b: 70 },
      legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top" },
      // One colour scale for the joints of both views.
      coloraxis: {
        colorscale: "Viridis",
        cmin: 0,
        cmax: maxSpread,
        colorbar: { title: { text: "spread (mm)", side: "right" }, len: 0.6, thickness: 14, x: 1.0, xanchor: "left" },
      },
      scene: { ...front, yaxis: { ...front.yaxis, ...edgeOn } },
      scene2: {
        ...side,
        xaxis: { ...side.xaxis, ...edgeOn },
        yaxis: { ...side.yaxis, title: { text: "y: depth (mm)" } },
      },
      annotations: [
        { text: "front (as the camera sees it)", x: 0.22, y: 0.99, xref: "paper", yref: "paper", showarrow: false },
        {
          text: "side (depth increases to the right)",
          x: 0.68,
          y: 0.99,
          xref: "paper",
          yref: "paper",
          showarrow: false,
        },
      ],
    } as Partial<Layout>,
  };
}

/**
 * Figure: the rotation cycle of the 2D-only lifter on one pose, four panels: the normalized 2D input,
 * its lift (3D), the projection of the lift turned by an azimuth (the "new view" the critic judges),
 * and the lift of that view turned back, overlaid on the first lift. Poses are in the lifter's
 * units (2D scale 1); 3D in camera axes (x right, y down, z depth), shown with z as depth and y up.
 */
export function rotationCycleFigure(
  p2d: ArrayLike<number>,
  lift3d: ArrayLike<number>,
  view2d: ArrayLike<number>,
  back3d: ArrayLike<number>,
  title: string,
): Figure {
  for (const [n, a, d] of [
    ["input", p2d, 2],
    ["lift", lift3d, 3],
    ["view", view2d, 2],
    ["back", back3d, 3],
  ] as const) {
    if (a.length !== NUM_JOINTS * d)
      throw new Error(`rotationCycleFigure: ${n} must have [17, ${d}] values, got ${a.length}`);
  }
  const lift = cameraToDisplay(lift3d),
    back = cameraToDisplay(back3d);
  const lim =
    Math.max(
      ...Array.from(lift, Math.abs),
      ...Array.from(back, Math.abs),
      ...Array.from(p2d, Math.abs),
      ...Array.from(view2d, Math.abs),
    ) * 1.1;
  const axis2 = (t: string, y = false) => ({
    range: (y ? [lim, -lim] : [-lim, lim]) as [number, number],
    title: { text: t },
    zeroline: false,
  });
  const axis3 = (t: string) => ({
    title: { text: t },
    range: [-lim, lim] as [number, number],
    showbackground: true,
    backgroundcolor: "#f7f7f7",
    gridcolor: "#ddd",
  });
  const scene = (x: [number, number]) => ({
    domain: { x, y: [0, 0.92] as [number, number] },
    aspectmode: "cube" as const,
    xaxis: axis3("x"),
    yaxis: axis3("depth"),
    zaxis: axis3("up"),
    camera: { eye: { x: 2, y: -2, z: 0.75 }, up: { x: 0, y: 0, z: 1 } },
  });
  const label = (text: string, x: number): Partial<Annotation> => ({
    text,
    x,
    y: 1.0,
    xref: "paper",
    yref: "paper",
    showarrow: false,
    font: { size: 13 },
  });
  return {
    data: [
      ...skeleton2d(p2d, { name: "2D input", showLegend: false }),
      ...skeleton3d(lift, { name: "lift", scene: "scene", showLegend: false, width: 5 }),
      ...skeleton2d(view2d, { name: "new view", xaxis: "x2", yaxis: "y2", showLegend: false }),
      ...skeleton3d(lift, { name: "lift", color: COLORS.gt, scene: "scene2", width: 8 }),
      ...skeleton3d(back, { name: "cycle back", color: COLORS.alt, scene: "scene2", width: 4 }),
    ],
    layout: {
      title: { text: title },
      width: 1300,
      height: 450,
      margin: { l: 40, r: 10, t: 70, b: 70 },
      xaxis: { ...axis2("x"), domain: [0, 0.2] },
      yaxis: { ...axis2("y", true), scaleanchor: "x" },
      xaxis2: { ...axis2("x"), domain: [0.52, 0.72] },
      yaxis2: { ...axis2("y", true), scaleanchor: "x2", anchor: "x2" },
      scene: scene([0.22, 0.5]),
      scene2: scene([0.74, 1]),
      legend: { x: 1, xanchor: "right", y: -0.02, yanchor: "top", orientation: "h" },
      annotations: [
        label("1 · 2D input p", 0.1),
        label("2 · lift X", 0.36),
        label("3 · turned, projected: q", 0.62),
        label("4 · lift(q) turned back vs X", 0.87),
      ],
    },
  };
}
