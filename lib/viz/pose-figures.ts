/**
 * Pose figures. Bones and colours derive from lib/skeleton.ts (left joints blue-ish,
 * right red-ish, centre grey unless a colour is given). Each function returns a plotly
 * Figure (or traces) for `plot()` in lib/plot.ts.
 */
import type { Data, Layout } from "plotly.js-dist-min";
import { cameraPose, type CameraParams } from "../pose/camera";
import type { Figure } from "./plot";
import { BONES, H36M_JOINTS, jointSide, NUM_JOINTS } from "../pose/skeleton";

export const COLORS = { gt: "#7f7f7f", pred: "#1f77b4", error: "#d62728", left: "#1f77b4", right: "#d62728", center: "#444444", alt: "#ff7f0e" };

type Trace = Partial<Data>;

function bonePath(pose: ArrayLike<number>, dims: number, bones: readonly (readonly [number, number])[]): (number | null)[][] {
  const cols: (number | null)[][] = Array.from({ length: dims }, () => []);
  for (const [a, b] of bones) {
    for (let d = 0; d < dims; d++) cols[d].push(pose[a * dims + d], pose[b * dims + d], null);
  }
  return cols;
}

/** 3D skeleton traces. With `color` one colour; else left/right/centre colours. */
export function skeleton3d(pose: ArrayLike<number>, opts: { name?: string; color?: string; width?: number; showLegend?: boolean; legendGroup?: string; scene?: string } = {}): Trace[] {
  if (pose.length !== NUM_JOINTS * 3) throw new Error(`skeleton3d: expected [17, 3] values, got ${pose.length}`);
  const groups = opts.color ? [{ color: opts.color, bones: BONES }] : (["left", "right", "center"] as const).map((s) => ({ color: COLORS[s], bones: BONES.filter(([, c]) => jointSide(c) === s) }));
  const traces: Trace[] = groups.map((g, i) => {
    const [x, y, z] = bonePath(pose, 3, g.bones);
    return { type: "scatter3d", mode: "lines", x, y, z, line: { color: g.color, width: opts.width ?? 6 }, name: opts.name ?? "pose", showlegend: (opts.showLegend ?? true) && i === 0, legendgroup: opts.legendGroup ?? opts.name, hoverinfo: "skip", scene: opts.scene } as Trace;
  });
  traces.push({
    type: "scatter3d", mode: "markers", x: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 3]), y: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 3 + 1]), z: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 3 + 2]),
    marker: { size: 3, color: opts.color ?? COLORS.center }, text: [...H36M_JOINTS], hovertemplate: "%{text}<extra></extra>", showlegend: false, legendgroup: opts.legendGroup ?? opts.name, scene: opts.scene,
  } as Trace);
  return traces;
}

/** 2D skeleton traces (image coordinates: use `imageAxes` so y points down). */
export function skeleton2d(pose: ArrayLike<number>, opts: { name?: string; color?: string; xaxis?: string; yaxis?: string; showLegend?: boolean; dash?: string; visible?: ArrayLike<number> } = {}): Trace[] {
  if (pose.length !== NUM_JOINTS * 2) throw new Error(`skeleton2d: expected [17, 2] values, got ${pose.length}`);
  const groups = opts.color ? [{ color: opts.color, bones: BONES }] : (["left", "right", "center"] as const).map((s) => ({ color: COLORS[s], bones: BONES.filter(([, c]) => jointSide(c) === s) }));
  const traces: Trace[] = groups.map((g, i) => {
    const [x, y] = bonePath(pose, 2, g.bones);
    return { type: "scatter", mode: "lines", x, y, line: { color: g.color, width: 3, dash: opts.dash }, name: opts.name ?? "pose", showlegend: (opts.showLegend ?? true) && i === 0, legendgroup: opts.name, hoverinfo: "skip", xaxis: opts.xaxis, yaxis: opts.yaxis } as Trace;
  });
  traces.push({
    type: "scatter", mode: "markers", x: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 2]), y: Array.from({ length: NUM_JOINTS }, (_, j) => pose[j * 2 + 1]),
    marker: { size: 6, color: Array.from({ length: NUM_JOINTS }, (_, j) => (opts.visible && !opts.visible[j] ? "white" : opts.color ?? COLORS.center)), line: { width: 1, color: opts.color ?? COLORS.center } },
    text: [...H36M_JOINTS], hovertemplate: "%{text}: (%{x:.0f}, %{y:.0f}) px<extra></extra>", showlegend: false, legendgroup: opts.name, xaxis: opts.xaxis, yaxis: opts.yaxis,
  } as Trace);
  return traces;
}

/**
 * A 3D scene with z up and equal scale on all axes, framing `poses` (flat [.., 3] arrays)
 * in a cube so nothing is clipped.
 */
export function poseScene(domain?: { x: [number, number]; y: [number, number] }, poses: ArrayLike<number>[] = []): Partial<Layout["scene"]> {
  const axis = (t: string, range?: [number, number]) => ({ title: { text: t }, showbackground: true, backgroundcolor: "#f7f7f7", gridcolor: "#ddd", zeroline: false, range });
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (const p of poses) for (let i = 0; i < p.length; i++) { const d = i % 3; lo[d] = Math.min(lo[d], p[i]); hi[d] = Math.max(hi[d], p[i]); }
  const half = poses.length ? Math.max(...[0, 1, 2].map((d) => hi[d] - lo[d])) / 2 * 1.1 + 50 : 0;
  const r = (d: number): [number, number] | undefined => (poses.length ? [(lo[d] + hi[d]) / 2 - half, (lo[d] + hi[d]) / 2 + half] : undefined);
  return {
    domain, aspectmode: poses.length ? "cube" : "data",
    xaxis: axis("x (mm)", r(0)), yaxis: axis("y (mm)", r(1)), zaxis: axis("z (mm)", r(2)),
    camera: { eye: { x: 1.75, y: -1.75, z: 0.65 }, up: { x: 0, y: 0, z: 1 } },
  };
}

/** Axis ranges (pixels) framing 2D poses with a margin, y down. */
export function framing2d(poses: ArrayLike<number>[], marginPx = 40): { x: [number, number]; y: [number, number] } {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const p of poses) for (let i = 0; i < p.length; i += 2) { x0 = Math.min(x0, p[i]); x1 = Math.max(x1, p[i]); y0 = Math.min(y0, p[i + 1]); y1 = Math.max(y1, p[i + 1]); }
  const half = Math.max(x1 - x0, y1 - y0) / 2 + marginPx, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return { x: [cx - half, cx + half], y: [cy + half, cy - half] };
}

/** Axis settings for image coordinates (y down, equal scale, pixel range). */
export function imageAxes(widthPx: number, heightPx: number, anchor = "y"): { x: Partial<Layout["xaxis"]>; y: Partial<Layout["yaxis"]> } {
  return {
    x: { range: [0, widthPx], title: { text: "u (px)" }, constrain: "domain", zeroline: false },
    y: { range: [heightPx, 0], title: { text: "v (px)" }, scaleanchor: anchor === "y" ? "x" : anchor.replace("y", "x") as never, zeroline: false },
  };
}

/** Figure: one sample's 2D pose (image) beside its 3D pose (camera space, z up). */
export function pose2d3dFigure(pose2dPx: ArrayLike<number>, pose3dDisplay: ArrayLike<number>, cam: { resWidthPx: number; resHeightPx: number }, title: string, visible?: ArrayLike<number>): Figure {
  const ax = imageAxes(cam.resWidthPx, cam.resHeightPx);
  const f = framing2d([pose2dPx]);
  return {
    data: [...skeleton2d(pose2dPx, { name: "2D (pixels)", visible }), ...skeleton3d(pose3dDisplay, { name: "3D (mm)", scene: "scene", showLegend: false })],
    layout: {
      title: { text: title }, width: 950, height: 480, showlegend: false,
      xaxis: { ...ax.x, range: f.x, domain: [0, 0.45] }, yaxis: { ...ax.y, range: f.y },
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
    data.push({ type: "scatter3d", mode: "text+markers", x: [c[0]], y: [c[1]], z: [c[2]], text: [`cam ${i + 1} (${cam.id})`], textposition: "top center", marker: { size: 5, color: "#2ca02c", symbol: "square" }, name: cam.id, showlegend: false } as Trace);
    data.push({ type: "scatter3d", mode: "lines", x: [c[0], tip[0]], y: [c[1], tip[1]], z: [c[2], tip[2]], line: { color: "#2ca02c", width: 4 }, showlegend: false, hoverinfo: "skip" } as Trace);
  });
  // Floor outline of the capture area.
  const xs = cams.map((c) => c.translationMm[0]), ys = cams.map((c) => c.translationMm[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  data.push({ type: "scatter3d", mode: "lines", x: [x0, x1, x1, x0, x0], y: [y0, y0, y1, y1, y0], z: [0, 0, 0, 0, 0], line: { color: "#bbb", width: 2 }, showlegend: false, hoverinfo: "skip" } as Trace);
  const scene = poseScene({ x: [0.08, 1], y: [0, 1] });
  return {
    data,
    layout: {
      title: { text: title }, width: 800, height: 600,
      scene: { ...scene, zaxis: { ...scene?.zaxis, nticks: 4 }, aspectmode: "data", camera: { eye: { x: 2.0, y: -2.0, z: 1.5 }, up: { x: 0, y: 0, z: 1 } } },
    },
  };
}

/** Figure: two overlaid 3D poses (e.g. depth-ambiguous pair), with a shared 2D projection panel. */
export function twoPosesFigure(a3d: ArrayLike<number>, b3d: ArrayLike<number>, a2d: ArrayLike<number>, b2d: ArrayLike<number>, cam: { resWidthPx: number; resHeightPx: number }, names: [string, string], title: string): Figure {
  const ax = imageAxes(cam.resWidthPx, cam.resHeightPx);
  return {
    data: [
      ...skeleton3d(a3d, { name: names[0], color: COLORS.gt, scene: "scene" }),
      ...skeleton3d(b3d, { name: names[1], color: COLORS.alt, scene: "scene" }),
      ...skeleton2d(a2d, { name: `${names[0]} (projection)`, color: COLORS.gt, showLegend: false }),
      ...skeleton2d(b2d, { name: `${names[1]} (projection)`, color: COLORS.alt, dash: "dot", showLegend: false }),
    ],
    layout: {
      title: { text: title }, width: 950, height: 500,
      xaxis: { ...ax.x, domain: [0.62, 1], range: framing2d([a2d, b2d]).x }, yaxis: { ...ax.y, range: framing2d([a2d, b2d]).y },
      scene: poseScene({ x: [0, 0.58], y: [0, 1] }, [a3d, b3d]),
      legend: { x: 0, y: 0 },
    },
  };
}

/** Figure: Procrustes alignment: ground truth with the raw and the aligned prediction. */
export function procrustesFigure(gt: ArrayLike<number>, pred: ArrayLike<number>, aligned: ArrayLike<number>, title: string): Figure {
  return {
    data: [
      ...skeleton3d(gt, { name: "ground truth", color: COLORS.gt, scene: "scene" }),
      ...skeleton3d(pred, { name: "prediction", color: COLORS.pred, scene: "scene" }),
      ...skeleton3d(gt, { name: "ground truth", color: COLORS.gt, scene: "scene2", showLegend: false }),
      ...skeleton3d(aligned, { name: "aligned prediction", color: COLORS.alt, scene: "scene2" }),
    ],
    layout: {
      title: { text: title }, width: 950, height: 480, legend: { orientation: "h", y: -0.05 },
      scene: poseScene({ x: [0, 0.5], y: [0, 1] }, [gt, pred]), scene2: poseScene({ x: [0.5, 1], y: [0, 1] }, [gt, aligned]),
      annotations: [
        { text: "before (Protocol #1)", x: 0.25, y: 1.0, xref: "paper", yref: "paper", showarrow: false },
        { text: "after similarity alignment (Protocol #2)", x: 0.75, y: 1.0, xref: "paper", yref: "paper", showarrow: false },
      ],
    } as Partial<Layout>,
  };
}

/** Figure: per-joint standard deviations of the normalization statistics (2D px, 3D mm). */
export function normStatsFigure(joints2d: number[], std2d: ArrayLike<number>, joints3d: number[], std3d: ArrayLike<number>, title: string): Figure {
  const n2 = joints2d.map((j) => H36M_JOINTS[j]), n3 = joints3d.map((j) => H36M_JOINTS[j]);
  const comp = (a: ArrayLike<number>, dims: number, d: number) => Array.from({ length: a.length / dims }, (_, k) => a[k * dims + d]);
  return {
    data: [
      { type: "bar", x: n2, y: comp(std2d, 2, 0), name: "2D u (px)", marker: { color: "#9ecae1" } },
      { type: "bar", x: n2, y: comp(std2d, 2, 1), name: "2D v (px)", marker: { color: "#3182bd" } },
      { type: "bar", x: n3, y: comp(std3d, 3, 0), name: "3D x (mm)", marker: { color: "#fdae6b" }, yaxis: "y2", xaxis: "x2" },
      { type: "bar", x: n3, y: comp(std3d, 3, 1), name: "3D y (mm)", marker: { color: "#e6550d" }, yaxis: "y2", xaxis: "x2" },
      { type: "bar", x: n3, y: comp(std3d, 3, 2), name: "3D z (mm)", marker: { color: "#a63603" }, yaxis: "y2", xaxis: "x2" },
    ] as Trace[],
    layout: {
      title: { text: title }, width: 950, height: 600, barmode: "group",
      grid: { rows: 2, columns: 1, pattern: "independent" },
      yaxis: { title: { text: "std of 2D input (px)" } }, yaxis2: { title: { text: "std of root-centred 3D (mm)" } },
    } as Partial<Layout>,
  };
}
