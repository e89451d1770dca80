/**
 * Figures for photos lifted to 3D (lib/wild/lift.ts): the photo with its COCO keypoints on top (the photo is a
 * layout image from a PNG data URI, in photo-pixel coordinates), our 3D pose with its hypotheses and BlazePose's
 * 3D world landmarks in rotatable scenes, and a gallery grid for a thesis. 3D poses are shown in display
 * coordinates (x right, y depth, z up: the person stands upright).
 */
import type { Layout } from "plotly.js-dist-min";
import { cameraToDisplay } from "../pose/geometry";
import { BONES, jointIndex, NUM_JOINTS } from "../pose/skeleton";
import type { Keypoint2D } from "../wild/detector";
import type { LiftedPhoto } from "../wild/lift";
import { COCO_BONES } from "../wild/overlay";
import type { Figure } from "./figure";
import { COLORS, poseScene, skeleton3d } from "./pose-figures";

type Trace = Figure["data"][number];

const sideColor = (n: string) =>
  n.startsWith("left") ? COLORS.left : n.startsWith("right") ? COLORS.right : COLORS.center;

/** Axis suffix: "" for the first, "2", "3"… */
const ax = (k: number) => (k === 0 ? "" : String(k + 1));

/** COCO skeleton traces on photo axes: used keypoints filled, missing ones as hollow grey circles. */
export function keypointTraces(
  keypoints: readonly Keypoint2D[],
  used: ArrayLike<number>,
  axes: { x: string; y: string },
  showLegend = false,
): Trace[] {
  const byName = new Map(keypoints.map((k, i) => [k.name, { ...k, used: used[i] }]));
  const traces: Trace[] = [];
  for (const side of ["left", "right", "center"] as const) {
    const x: (number | null)[] = [],
      y: (number | null)[] = [];
    for (const [a, b] of COCO_BONES) {
      const ka = byName.get(a)!,
        kb = byName.get(b)!;
      if (!ka.used || !kb.used || sideColor(b) !== COLORS[side]) continue;
      x.push(ka.x, kb.x, null);
      y.push(ka.y, kb.y, null);
    }
    traces.push({
      type: "scatter",
      mode: "lines",
      x,
      y,
      xaxis: axes.x,
      yaxis: axes.y,
      line: { color: COLORS[side], width: 3 },
      hoverinfo: "skip",
      showlegend: false,
    } as Trace);
  }
  const pts = keypoints.map((k, i) => ({ ...k, u: used[i] }));
  const used1 = pts.filter((p) => p.u),
    missing = pts.filter((p) => !p.u);
  traces.push({
    type: "scatter",
    mode: "markers",
    xaxis: axes.x,
    yaxis: axes.y,
    name: "keypoints used",
    showlegend: showLegend,
    legendgroup: "used",
    x: used1.map((p) => p.x),
    y: used1.map((p) => p.y),
    text: used1.map((p) => `${p.name} ${p.score.toFixed(2)}`),
    hovertemplate: "%{text}<extra></extra>",
    marker: { size: 7, color: used1.map((p) => sideColor(p.name)), line: { color: "white", width: 1 } },
  } as Trace);
  traces.push({
    type: "scatter",
    mode: "markers",
    xaxis: axes.x,
    yaxis: axes.y,
    name: "missing (below threshold, or eyes/ears)",
    showlegend: showLegend,
    legendgroup: "missing",
    x: missing.map((p) => p.x),
    y: missing.map((p) => p.y),
    text: missing.map((p) => `${p.name} ${p.score.toFixed(2)}`),
    hovertemplate: "%{text}<extra></extra>",
    marker: { size: 6, color: "rgba(0,0,0,0)", line: { color: "#bbbbbb", width: 1.5 } },
  } as Trace);
  return traces;
}

/** The photo as a layout image filling photo-pixel axes (x right, y down). */
function photoImage(dataUri: string, w: number, h: number, axes: { x: string; y: string }): Record<string, unknown> {
  return {
    source: dataUri,
    xref: axes.x,
    yref: axes.y,
    x: 0,
    y: 0,
    sizex: w,
    sizey: h,
    sizing: "stretch",
    xanchor: "left",
    yanchor: "top",
    layer: "below",
  };
}

function photoAxes(
  w: number,
  h: number,
  domainX: [number, number],
  domainY: [number, number],
  k: number,
): Record<string, unknown> {
  return {
    [`xaxis${ax(k)}`]: { domain: domainX, range: [0, w], visible: false, constrain: "domain" },
    [`yaxis${ax(k)}`]: {
      domain: domainY,
      range: [h, 0],
      visible: false,
      scaleanchor: `x${ax(k)}`,
      constrain: "domain",
    },
  };
}

/** The 3D skeleton as one line trace (a colour) in display coordinates. */
function lines3d(
  poseDisplay: ArrayLike<number>,
  color: string,
  width: number,
  name: string,
  scene: string,
  showLegend: boolean,
  joints?: ArrayLike<number>,
): Trace {
  const x: (number | null)[] = [],
    y: (number | null)[] = [],
    z: (number | null)[] = [];
  for (const [a, b] of BONES) {
    if (joints && (!joints[a] || !joints[b])) continue;
    x.push(poseDisplay[a * 3], poseDisplay[b * 3], null);
    y.push(poseDisplay[a * 3 + 1], poseDisplay[b * 3 + 1], null);
    z.push(poseDisplay[a * 3 + 2], poseDisplay[b * 3 + 2], null);
  }
  return {
    type: "scatter3d",
    mode: "lines",
    x,
    y,
    z,
    line: { color, width },
    name,
    showlegend: showLegend,
    legendgroup: name,
    scene,
    hoverinfo: "skip",
  } as Trace;
}

/**
 * BlazePose's H36M joints for plotting: Spine (which it lacks) drawn halfway between Hip and Thorax so the torso
 * is connected, Head (also lacking) hidden. Returns the pose and the mask of joints to draw.
 */
function blazeForPlot(bpMm: ArrayLike<number>): { pose: Float64Array; real: Uint8Array } {
  const pose = Float64Array.from(bpMm),
    real = new Uint8Array(NUM_JOINTS);
  const hip = jointIndex("Hip"),
    spine = jointIndex("Spine"),
    thorax = jointIndex("Thorax");
  if (!Number.isFinite(pose[spine * 3]))
    for (let d = 0; d < 3; d++) pose[spine * 3 + d] = (pose[hip * 3 + d] + pose[thorax * 3 + d]) / 2;
  for (let j = 0; j < NUM_JOINTS; j++) real[j] = Number.isFinite(pose[j * 3]) ? 1 : 0;
  for (let j = 0; j < NUM_JOINTS; j++) if (!real[j]) for (let d = 0; d < 3; d++) pose[j * 3 + d] = 0;
  return { pose, real };
}

/**
 * One photo: the photo with keypoints | our 3D pose (thick) and its hypotheses (thin) | BlazePose's 3D world
 * landmarks on the joints both have, aligned (translation only) at the hips. Person `person` of the photo.
 */
export function liftedPhotoFigure(r: LiftedPhoto, dataUri: string, title: string, person = 0): Figure {
  const p = r.people[person];
  if (!p) throw new Error(`liftedPhotoFigure: ${r.file} has ${r.people.length} lifted people, no person ${person}`);
  const a = { x: "x", y: "y" };
  const ours = cameraToDisplay(p.pose3dMm);
  const hyps = p.hypothesesMm.map((h) => cameraToDisplay(h));
  const data: Trace[] = [...keypointTraces(p.person.keypoints, p.used, a, true)];
  hyps.forEach((h, k) =>
    data.push(lines3d(h, "rgba(31,119,180,0.35)", 2, `${hyps.length} hypotheses`, "scene", k === 0)),
  );
  data.push(...skeleton3d(ours, { name: "ours (β-VAE, z = μ)", scene: "scene", width: 7 }));
  const all: ArrayLike<number>[] = [ours, ...hyps];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: title },
    width: 1200,
    height: 500,
    margin: { l: 10, r: 10, t: 60, b: 50 },
    legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top" },
    ...photoAxes(r.width, r.height, [0, 0.32], [0.08, 0.95], 0),
    images: [photoImage(dataUri, r.width, r.height, a)] as Layout["images"],
    scene: {
      ...poseScene({ x: [0.34, 0.66], y: [0.08, 0.95] }, all),
      camera: { eye: { x: 1.1, y: -2.3, z: 0.5 }, up: { x: 0, y: 0, z: 1 } },
    },
    annotations: [
      { text: "photo + COCO keypoints", x: 0.16, y: 1.0, xref: "paper", yref: "paper", showarrow: false },
      { text: "ours (3D, mm, upright)", x: 0.5, y: 1.0, xref: "paper", yref: "paper", showarrow: false },
    ],
  };
  if (p.blazepose) {
    const { pose, real } = blazeForPlot(p.blazepose.pose3dMm);
    const bp = cameraToDisplay(pose);
    data.push(lines3d(bp, COLORS.alt, 6, "BlazePose world landmarks", "scene2", true, real));
    data.push(lines3d(ours, "rgba(68,68,68,0.35)", 3, "ours (for reference)", "scene2", true, real));
    layout.scene2 = {
      ...poseScene({ x: [0.68, 1], y: [0.08, 0.95] }, [ours, bp.filter((_, i) => real[Math.floor(i / 3)] === 1)]),
      camera: { eye: { x: 1.1, y: -2.3, z: 0.5 }, up: { x: 0, y: 0, z: 1 } },
    };
    (layout.annotations as object[]).push({
      text: `BlazePose 3D · P-MPJPE to ours ${p.blazepose.pMpjpeMm.toFixed(0)} mm`,
      x: 0.84,
      y: 1.0,
      xref: "paper",
      yref: "paper",
      showarrow: false,
    });
  }
  return { data, layout };
}

/**
 * A thesis gallery: per photo, the photo with its keypoints and our lifted 3D pose seen from the front, two
 * photos per row. `photos` are lifted photos with their PNG data URIs; the first lifted person of each.
 */
export function galleryFigure(
  photos: { lifted: LiftedPhoto; dataUri: string; label: string }[],
  title: string,
): Figure {
  const shown = photos.filter((p) => p.lifted.people.length);
  if (!shown.length) throw new Error("galleryFigure: no photo has a lifted person");
  const perRow = 2,
    rows = Math.ceil(shown.length / perRow),
    rowH = 300;
  const data: Trace[] = [];
  const layout: Partial<Layout> & Record<string, unknown> = {
    title: { text: title },
    width: 1100,
    height: rows * rowH + 80,
    margin: { l: 10, r: 10, t: 60, b: 10 },
    showlegend: false,
    images: [],
    annotations: [],
  };
  const gapY = 0.06 / rows;
  shown.forEach((ph, i) => {
    const row = Math.floor(i / perRow),
      col = i % perRow;
    const y1 = 1 - row / rows - gapY,
      y0 = 1 - (row + 1) / rows + gapY / 2;
    const x0 = col / perRow,
      xm = x0 + 0.5 / perRow,
      x1 = (col + 1) / perRow;
    const a = { x: `x${ax(i)}`, y: `y${ax(i)}` };
    const p = ph.lifted.people[0];
    Object.assign(layout, photoAxes(ph.lifted.width, ph.lifted.height, [x0 + 0.005, xm - 0.005], [y0, y1], i));
    (layout.images as object[]).push(photoImage(ph.dataUri, ph.lifted.width, ph.lifted.height, a));
    data.push(...keypointTraces(p.person.keypoints, p.used, a));
    const scene = `scene${ax(i)}`;
    const pose = cameraToDisplay(p.pose3dMm);
    data.push(...skeleton3d(pose, { name: ph.label, scene, width: 5, showLegend: false }));
    layout[scene] = {
      ...poseScene({ x: [xm, x1 - 0.01], y: [y0, y1] }, [pose]),
      xaxis: { visible: false },
      yaxis: { visible: false },
      zaxis: { visible: false },
      camera: { eye: { x: 0.35, y: -2.0, z: 0.25 }, up: { x: 0, y: 0, z: 1 } },
    };
    // Keep the cube framing of poseScene on the hidden axes.
    const framed = poseScene(undefined, [pose]) as Record<string, { range?: [number, number] }>;
    for (const k of ["xaxis", "yaxis", "zaxis"])
      (layout[scene] as Record<string, object>)[k] = { visible: false, range: framed[k].range };
    (layout.annotations as object[]).push({
      text: ph.label,
      x: (x0 + x1) / 2,
      y: y1 + gapY * 0.6,
      xref: "paper",
      yref: "paper",
      showarrow: false,
      font: { size: 11 },
    });
  });
  return { data, layout };
}
