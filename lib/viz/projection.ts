/**
 * Print versions of 3D figures: every `scatter3d` trace of a plotly figure is projected
 * orthographically onto the screen plane of a chosen view (azimuth, elevation; z up) and
 * drawn as 2D scatter lines and markers, so its SVG and PDF are true vectors. Each 3D scene
 * becomes a pair of equal-scale 2D axes at the scene's place, with a floor grid, an axis
 * triad and a scale bar standing in for the 3D box.
 *
 * View: the camera sits at azimuth `azimuthDeg` (from +x towards +y) and elevation
 * `elevationDeg` (above the x-y plane) and looks at the scene's centre; screen right is
 * `forward × z`, screen up `right × forward`. Plotly's `scene.camera.eye` gives the default,
 * so the print view matches the interactive view's first frame (without its perspective).
 */
import type { Annotation, Data, Layout } from "plotly.js-dist-min";
import type { Figure } from "./figure";
import { textWidthPx } from "./label-placement";

export interface View {
  /** Degrees from +x towards +y of the direction from the scene's centre to the camera. */
  azimuthDeg: number;
  /** Degrees above the x-y plane (z up); clamped to ±89. */
  elevationDeg: number;
}

type V3 = [number, number, number];
type Trace = Record<string, any>;

/** Plotly's trace types that draw in a 3D scene. */
export const TRACE_TYPES_3D = ["scatter3d", "mesh3d", "surface", "cone", "streamtube", "isosurface", "volume"];

/** True when any trace of the figure draws in a 3D scene. */
export function is3dFigure(fig: Figure): boolean {
  return fig.data.some((d) => TRACE_TYPES_3D.includes(String((d as { type?: string }).type)));
}

/** The view of a plotly camera eye (relative to the scene centre, z up). */
export function viewFromEye(eye: { x?: number; y?: number; z?: number }): View {
  const x = eye.x ?? 1.25,
    y = eye.y ?? 1.25,
    z = eye.z ?? 1.25;
  return {
    azimuthDeg: (Math.atan2(y, x) * 180) / Math.PI,
    elevationDeg: (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI,
  };
}

/** Screen axes of a view: `right` and `up` (unit, orthogonal) and `toward` (scene → camera). */
export function viewBasis(view: View): { right: V3; up: V3; toward: V3 } {
  if (!Number.isFinite(view.azimuthDeg) || !Number.isFinite(view.elevationDeg)) {
    throw new Error(
      `view: azimuthDeg and elevationDeg must be finite numbers, got ${view.azimuthDeg}, ${view.elevationDeg}`,
    );
  }
  const az = (view.azimuthDeg * Math.PI) / 180;
  const el = (Math.max(-89, Math.min(89, view.elevationDeg)) * Math.PI) / 180;
  const toward: V3 = [Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)];
  // right = forward × z with forward = −toward; up = right × forward.
  const right: V3 = [-Math.sin(az), Math.cos(az), 0];
  const f: V3 = [-toward[0], -toward[1], -toward[2]];
  const up: V3 = [
    right[1] * f[2] - right[2] * f[1],
    right[2] * f[0] - right[0] * f[2],
    right[0] * f[1] - right[1] * f[0],
  ];
  return { right, up, toward };
}

/** Orthographic screen coordinates (right, up) of a point. */
export function projectPoint(p: readonly number[], basis: { right: V3; up: V3 }): [number, number] {
  const { right: r, up: u } = basis;
  return [p[0] * r[0] + p[1] * r[1] + p[2] * r[2], p[0] * u[0] + p[1] * u[1] + p[2] * u[2]];
}

/** A "nice" step (1, 2 or 5 × 10^k) near `x`. */
export function niceStep(x: number): number {
  const e = 10 ** Math.floor(Math.log10(x));
  const m = x / e;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * e;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const arr = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : [];

interface SceneBox {
  /** Extent of the data (the print view frames the data, not the 3D box around it). */
  lo: V3;
  hi: V3;
  /** Per-axis factor that turns data units into drawn units (1 when the scene has equal scale). */
  scale: V3;
}

function sceneBox(scene: Record<string, any>, traces: Trace[]): SceneBox {
  const lo: V3 = [Infinity, Infinity, Infinity],
    hi: V3 = [-Infinity, -Infinity, -Infinity];
  const keys = ["x", "y", "z"] as const;
  for (const t of traces) {
    keys.forEach((k, d) => {
      for (const v of arr(t[k])) {
        const n = num(v);
        if (n !== null) {
          lo[d] = Math.min(lo[d], n);
          hi[d] = Math.max(hi[d], n);
        }
      }
    });
  }
  const rlo = [...lo] as V3,
    rhi = [...hi] as V3;
  keys.forEach((k, d) => {
    const r = scene?.[`${k}axis`]?.range;
    if (Array.isArray(r) && r.length === 2 && num(r[0]) !== null && num(r[1]) !== null) {
      rlo[d] = Math.min(r[0], r[1]);
      rhi[d] = Math.max(r[0], r[1]);
    }
    for (const [a, b] of [
      [lo, hi],
      [rlo, rhi],
    ]) {
      if (!Number.isFinite(a[d])) {
        a[d] = -1;
        b[d] = 1;
      }
      if (b[d] - a[d] < 1e-9) {
        a[d] -= 0.5;
        b[d] += 0.5;
      }
    }
  });
  // Scale as plotly draws the scene: from its axis ranges (where set) and aspect mode.
  const span = rlo.map((l, d) => rhi[d] - l) as V3;
  const big = Math.max(...span);
  const mode = scene?.aspectmode ?? "auto";
  let aspect: V3;
  if (mode === "cube") aspect = [1, 1, 1];
  else if (mode === "manual" && scene?.aspectratio)
    aspect = [scene.aspectratio.x ?? 1, scene.aspectratio.y ?? 1, scene.aspectratio.z ?? 1];
  else if (mode === "data" || Math.max(...span) / Math.min(...span) <= 4)
    aspect = span.map((s) => s / big) as V3; // plotly's "auto"
  else aspect = [1, 1, 1];
  const amax = Math.max(...aspect);
  const scale = span.map((s, d) => (aspect[d] / amax) * (big / s)) as V3;
  return { lo, hi, scale };
}

/** Copy the drawing style of a scatter3d trace onto a 2D scatter trace. */
function style2d(t: Trace, lineScale: number): Trace {
  const out: Trace = {};
  for (const k of [
    "mode",
    "name",
    "showlegend",
    "legendgroup",
    "legendrank",
    "text",
    "textposition",
    "hovertemplate",
    "hoverinfo",
    "opacity",
    "visible",
    "customdata",
    "textfont",
    "hovertext",
  ]) {
    if (t[k] !== undefined) out[k] = t[k];
  }
  const line = t.line as Record<string, unknown> | undefined;
  if (line)
    out.line = {
      color: line.color,
      width: typeof line.width === "number" ? line.width * lineScale : undefined,
      dash: line.dash,
    };
  const marker = t.marker as Record<string, unknown> | undefined;
  if (marker) out.marker = { ...marker };
  return out;
}

/**
 * The 2D print version of a figure whose 3D content is scatter3d traces. `views` gives the
 * view of every scene (one View) or per scene id ({scene: …, scene2: …}); a scene without
 * one uses its `camera.eye`. Throws if the figure holds a 3D trace type other than scatter3d.
 */
export function projectFigure(fig: Figure, views?: View | Record<string, View>): Figure {
  const layout = { ...(fig.layout ?? {}) } as Partial<Layout> & Record<string, any>;
  const others = fig.data.filter((d) => !TRACE_TYPES_3D.includes(String((d as Trace).type)));
  const bad = fig.data.find(
    (d) => TRACE_TYPES_3D.includes(String((d as Trace).type)) && (d as Trace).type !== "scatter3d",
  );
  if (bad)
    throw new Error(`projectFigure: a ${(bad as Trace).type} trace cannot be drawn as 2D vectors (only scatter3d can)`);
  const sceneIds = [
    ...new Set(
      fig.data.filter((d) => (d as Trace).type === "scatter3d").map((d) => String((d as Trace).scene ?? "scene")),
    ),
  ].sort();
  // New 2D axes are numbered after the figure's own cartesian axes.
  let axisNo = 1;
  for (const k of Object.keys(layout)) {
    const m = /^[xy]axis(\d*)$/.exec(k);
    if (m) axisNo = Math.max(axisNo, Number(m[1] || 1));
  }
  for (const d of others)
    for (const k of ["xaxis", "yaxis"]) {
      const m = /^[xy](\d*)$/.exec(String((d as Trace)[k] ?? ""));
      if (m) axisNo = Math.max(axisNo, Number(m[1] || 1));
    }
  const usesCartesian = others.length > 0 || Object.keys(layout).some((k) => /^[xy]axis\d*$/.test(k));
  if (!usesCartesian) axisNo = 0;
  const data: Trace[] = others.map((d) => ({ ...(d as Trace) }));
  const annotations: Partial<Annotation>[] = [...((layout.annotations as Partial<Annotation>[]) ?? [])];
  const width = Number(layout.width ?? 700),
    height = Number(layout.height ?? 450);
  const margin = { l: 60, r: 20, t: 50, b: 50, ...(layout.margin ?? {}) } as {
    l: number;
    r: number;
    t: number;
    b: number;
  };
  const tracesOf = (sid: string) =>
    fig.data.filter(
      (d) => (d as Trace).type === "scatter3d" && String((d as Trace).scene ?? "scene") === sid,
    ) as Trace[];
  // One scale bar length for all scenes: a nice quarter of the largest data extent.
  const extents = sceneIds.map((sid) => {
    const b = sceneBox(layout[sid] ?? {}, tracesOf(sid));
    return Math.max(...b.hi.map((h, d) => (h - b.lo[d]) * b.scale[d]));
  });
  const barLength = niceStep(0.25 * Math.max(...extents));
  for (const sid of sceneIds) {
    const scene = (layout[sid] ?? {}) as Record<string, any>;
    const traces = tracesOf(sid);
    const view =
      views && "azimuthDeg" in views
        ? (views as View)
        : ((views as Record<string, View> | undefined)?.[sid] ?? viewFromEye(scene.camera?.eye ?? {}));
    const basis = viewBasis(view);
    const box = sceneBox(scene, traces);
    const drawn = (p: readonly number[]) =>
      projectPoint([p[0] * box.scale[0], p[1] * box.scale[1], p[2] * box.scale[2]], basis);
    axisNo += 1;
    const n = axisNo === 1 ? "" : String(axisNo);
    const xa = `x${n}`,
      ya = `y${n}`;
    for (const t of traces) {
      const xs = arr(t.x),
        ys = arr(t.y),
        zs = arr(t.z);
      const u: (number | null)[] = [],
        v: (number | null)[] = [];
      for (let i = 0; i < xs.length; i++) {
        const p = [num(xs[i]), num(ys[i]), num(zs[i])];
        if (p.some((c) => c === null)) {
          u.push(null);
          v.push(null);
          continue;
        }
        const [a, b] = drawn(p as number[]);
        u.push(a);
        v.push(b);
      }
      data.push({ type: "scatter", x: u, y: v, xaxis: xa, yaxis: ya, ...style2d(t, 0.6) });
    }
    // Screen extent of the scene box, and a square frame around it in drawn units.
    const corners: [number, number][] = [];
    for (let c = 0; c < 8; c++)
      corners.push(
        drawn([c & 1 ? box.hi[0] : box.lo[0], c & 2 ? box.hi[1] : box.lo[1], c & 4 ? box.hi[2] : box.lo[2]]),
      );
    let u0 = Math.min(...corners.map((c) => c[0])),
      u1 = Math.max(...corners.map((c) => c[0]));
    let v0 = Math.min(...corners.map((c) => c[1])),
      v1 = Math.max(...corners.map((c) => c[1]));
    // Room left of the data for the axis triad, and below it for the scale bar.
    const len = 0.1 * Math.max(u1 - u0, v1 - v0);
    const pad = 0.04 * Math.max(u1 - u0, v1 - v0);
    u0 -= 3.2 * len;
    u1 += pad;
    v0 -= pad + 0.5 * len;
    v1 += pad;
    // Floor grid (z = lowest) at nice steps, behind everything.
    const step = niceStep(Math.max(box.hi[0] - box.lo[0], box.hi[1] - box.lo[1]) / 3);
    const gx: (number | null)[] = [],
      gy: (number | null)[] = [];
    const line3 = (a: number[], b: number[]) => {
      const p = drawn(a),
        q = drawn(b);
      gx.push(p[0], q[0], null);
      gy.push(p[1], q[1], null);
    };
    for (let x = Math.ceil(box.lo[0] / step) * step; x <= box.hi[0] + 1e-9; x += step)
      line3([x, box.lo[1], box.lo[2]], [x, box.hi[1], box.lo[2]]);
    for (let y = Math.ceil(box.lo[1] / step) * step; y <= box.hi[1] + 1e-9; y += step)
      line3([box.lo[0], y, box.lo[2]], [box.hi[0], y, box.lo[2]]);
    data.unshift({
      type: "scatter",
      mode: "lines",
      x: gx,
      y: gy,
      xaxis: xa,
      yaxis: ya,
      line: { color: "#e3e3e3", width: 1 },
      hoverinfo: "skip",
      showlegend: false,
    });
    // Axis triad at the lower left of the panel; its labels are the scene's axis titles.
    const o: [number, number] = [u0 + 1.6 * len, v0 + 1.4 * len];
    const unitDirs: V3[] = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    ["x", "y", "z"].forEach((k, d) => {
      const [du, dv] = projectPoint(unitDirs[d], basis);
      const title = scene[`${k}axis`]?.title?.text ?? scene[`${k}axis`]?.title ?? k;
      const short = String(title).replace(/\s*\(.*\)\s*$/, "");
      const tip: [number, number] = [o[0] + len * du, o[1] + len * dv];
      data.push({
        type: "scatter",
        mode: "lines",
        x: [o[0], tip[0]],
        y: [o[1], tip[1]],
        xaxis: xa,
        yaxis: ya,
        line: { color: "#555", width: 1.2 },
        hoverinfo: "skip",
        showlegend: false,
      });
      if (Math.hypot(du, dv) > 0.15) {
        annotations.push({
          x: o[0] + 1.35 * len * du,
          y: o[1] + 1.35 * len * dv,
          xref: xa as never,
          yref: ya as never,
          text: short,
          showarrow: false,
          font: { size: 11, color: "#555" },
        });
      }
    });
    // Scale bar (only when the scene has one scale for all axes).
    const uniform = box.scale.every((s) => Math.abs(s - box.scale[0]) < 1e-6 * Math.max(1, box.scale[0]));
    const titles = ["x", "y", "z"].map((k) => String(scene[`${k}axis`]?.title?.text ?? scene[`${k}axis`]?.title ?? ""));
    const unit = titles.map((t) => /\(([^)]+)\)/.exec(t)?.[1]).find(Boolean);
    if (uniform) {
      const bar = barLength / box.scale[0];
      const bx = u1 - pad - bar * box.scale[0],
        by = v0 + 0.2 * len;
      data.push({
        type: "scatter",
        mode: "lines",
        x: [bx, bx + bar * box.scale[0]],
        y: [by, by],
        xaxis: xa,
        yaxis: ya,
        line: { color: "#333", width: 2 },
        hoverinfo: "skip",
        showlegend: false,
      });
      annotations.push({
        x: bx + (bar * box.scale[0]) / 2,
        y: by,
        xref: xa as never,
        yref: ya as never,
        yanchor: "bottom",
        text: `${Number(bar.toPrecision(6))}${unit ? ` ${unit}` : ""}`,
        showarrow: false,
        font: { size: 11, color: "#333" },
      });
    }
    const dom = scene.domain ?? {};
    const xd: [number, number] = Array.isArray(dom.x) ? dom.x : [0, 1];
    const yd: [number, number] = Array.isArray(dom.y) ? dom.y : [0, 1];
    // Equal scale: widen the range on the looser side so one unit is the same on screen in x and y.
    const pw = (width - margin.l - margin.r) * (xd[1] - xd[0]),
      ph = (height - margin.t - margin.b) * (yd[1] - yd[0]);
    // Text drawn at data points (camera names) needs room on the page too: widen the range around it.
    const texts: { u: number; v: number; w: number }[] = [];
    for (const t of data.filter((d) => d.xaxis === xa && String(d.mode ?? "").includes("text"))) {
      const tx = arr(t.text),
        size = Number(t.textfont?.size ?? 13);
      arr(t.x).forEach((u, i) => {
        const v = arr(t.y)[i];
        if (num(u) !== null && num(v) !== null && tx[i])
          texts.push({ u: u as number, v: v as number, w: textWidthPx(String(tx[i]), size) });
      });
    }
    for (let it = 0; it < 3 && texts.length; it++) {
      const upp = Math.max((u1 - u0) / pw, (v1 - v0) / ph);
      for (const t of texts) {
        u0 = Math.min(u0, t.u - (t.w / 2 + 4) * upp);
        u1 = Math.max(u1, t.u + (t.w / 2 + 4) * upp);
        v0 = Math.min(v0, t.v - 22 * upp);
        v1 = Math.max(v1, t.v + 22 * upp);
      }
    }
    const su = (u1 - u0) / pw,
      sv = (v1 - v0) / ph;
    if (su > sv) {
      const c = (v0 + v1) / 2,
        h = (su * ph) / 2;
      v0 = c - h;
      v1 = c + h;
    } else {
      const c = (u0 + u1) / 2,
        h = (sv * pw) / 2;
      u0 = c - h;
      u1 = c + h;
    }
    const hidden = { visible: false, showgrid: false, zeroline: false, fixedrange: false };
    layout[`xaxis${n}`] = { ...hidden, domain: xd, range: [u0, u1], anchor: ya };
    layout[`yaxis${n}`] = { ...hidden, domain: yd, range: [v0, v1], anchor: xa, scaleanchor: xa, scaleratio: 1 };
    annotations.push({
      x: xd[1],
      y: yd[0],
      xref: "paper",
      yref: "paper",
      xanchor: "right",
      yanchor: "top",
      showarrow: false,
      font: { size: 10, color: "#777" },
      text: `orthographic view: azimuth ${Math.round(view.azimuthDeg)}°, elevation ${Math.round(view.elevationDeg)}°`,
    });
    delete layout[sid];
  }
  layout.annotations = annotations;
  return { data: data as Partial<Data>[], layout, config: fig.config };
}
