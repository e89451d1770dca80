/** Figure builders of lib/viz (no browser): projection, label placement, Fig 5.1.1, hypotheses, curves, sweeps, tables. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Figure } from "../lib/viz/plot";
import { withDefaults } from "../lib/viz/plot";
import { projectFigure, projectPoint, viewBasis, viewFromEye } from "../lib/viz/projection";
import { placeLabels, rectsOverlap, segmentHitsRect, type Rect } from "../lib/viz/label-placement";
import { hypothesesFigure, hypothesisSpreadMm, predictionGridFigure } from "../lib/viz/pose-figures";
import { sweepFigure } from "../lib/viz/run-figures";
import { curvesFigure, type EpochLogLike } from "../lib/viz/run-figures";
import { columnFormatter, dfToText, frame } from "../lib/viz/tables";
import { pose2d3dFigure } from "../lib/viz/pose-figures";
import { H36M_PARENTS, jointIndex, NUM_JOINTS } from "../lib/pose/skeleton";
import { mulberry32 } from "../lib/core/rng";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);
type AnyRec = Record<string, any>;

/** A standing camera-frame pose (x right, y down, z forward, mm), root at the origin, built from the parents. */
function standingPose(): Float64Array {
  const p = new Float64Array(NUM_JOINTS * 3);
  const offs: Record<string, [number, number, number]> = {
    RHip: [-130, 0, 0],
    RKnee: [0, 450, 10],
    RFoot: [0, 440, -20],
    LHip: [130, 0, 0],
    LKnee: [0, 450, 10],
    LFoot: [0, 440, -20],
    Spine: [0, -230, 0],
    Thorax: [0, -250, 0],
    "Neck/Nose": [0, -120, -60],
    Head: [0, -110, 20],
    LShoulder: [160, 0, 0],
    LElbow: [0, 280, 0],
    LWrist: [0, 250, 0],
    RShoulder: [-160, 0, 0],
    RElbow: [0, 280, 0],
    RWrist: [0, 250, 0],
  };
  for (let j = 1; j < NUM_JOINTS; j++) {
    const name = Object.keys(offs).find((n) => jointIndex(n as never) === j)!;
    for (let d = 0; d < 3; d++) p[j * 3 + d] = p[H36M_PARENTS[j] * 3 + d] + offs[name][d];
  }
  return p;
}

test("view basis: hand-computed axes, orthonormal for any view, eye → view", () => {
  const b0 = viewBasis({ azimuthDeg: 0, elevationDeg: 0 });
  // Camera on +x looking at the origin, z up: +y is to the right, +z up.
  b0.right.forEach((v, i) => close(v, [0, 1, 0][i]));
  b0.up.forEach((v, i) => close(v, [0, 0, 1][i]));
  assert.deepEqual(
    projectPoint([1, 2, 3], b0).map((v) => Math.round(v * 1e9) / 1e9),
    [2, 3],
  );
  // Camera on −y (in front of a person facing −y): +x to the right.
  const front = viewBasis({ azimuthDeg: -90, elevationDeg: 0 });
  assert.deepEqual(
    projectPoint([1, 2, 3], front).map((v) => Math.round(v * 1e9) / 1e9),
    [1, 3],
  );
  const r = mulberry32(3);
  for (let k = 0; k < 20; k++) {
    const { right, up, toward } = viewBasis({ azimuthDeg: 360 * r() - 180, elevationDeg: 180 * r() - 90 });
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    close(dot(right, right), 1, 1e-12);
    close(dot(up, up), 1, 1e-12);
    close(dot(right, up), 0, 1e-12);
    close(dot(right, toward), 0, 1e-12);
    close(dot(up, toward), 0, 1e-12);
    assert.ok(up[2] >= 0, "screen up never points down (z up)");
  }
  const v = viewFromEye({ x: 1.3, y: -1.3, z: 0.5 });
  close(v.azimuthDeg, -45, 1e-9);
  close(v.elevationDeg, (Math.atan2(0.5, Math.hypot(1.3, 1.3)) * 180) / Math.PI, 1e-9);
  assert.throws(() => viewBasis({ azimuthDeg: NaN, elevationDeg: 0 }), /finite/);
});

test("projectFigure turns scatter3d into 2D lines at the view, keeps 2D panels, equal scale, and refuses meshes", () => {
  const fig: Figure = {
    data: [
      { type: "scatter", x: [0, 1], y: [0, 1] },
      {
        type: "scatter3d",
        mode: "lines",
        x: [0, 100, null],
        y: [0, 0, null],
        z: [0, 1000, null],
        line: { color: "#123456", width: 5 },
        name: "bone",
        scene: "scene",
      } as AnyRec,
    ],
    layout: {
      width: 800,
      height: 500,
      xaxis: { domain: [0, 0.4] },
      scene: { domain: { x: [0.5, 1], y: [0, 1] }, aspectmode: "data", xaxis: { title: { text: "x (mm)" } } },
    },
  };
  const p = projectFigure(fig, { azimuthDeg: -90, elevationDeg: 0 });
  const L = p.layout as AnyRec;
  assert.equal(L.scene, undefined, "the 3D scene is gone");
  assert.ok(!p.data.some((d) => (d as AnyRec).type === "scatter3d"));
  assert.equal(
    (p.data.find((d) => (d as AnyRec).x?.[1] === 1 && (d as AnyRec).xaxis === undefined) as AnyRec).type,
    "scatter",
    "the 2D trace keeps its axes",
  );
  const bone = p.data.find((d) => (d as AnyRec).name === "bone") as AnyRec;
  assert.equal(bone.type, "scatter");
  assert.equal(bone.xaxis, "x2", "new axes are numbered after the figure's own");
  // Front view: screen x = world x, screen y = world z.
  assert.deepEqual(
    bone.x.map((v: number | null) => (v === null ? null : Math.round(v))),
    [0, 100, null],
  );
  assert.deepEqual(
    bone.y.map((v: number | null) => (v === null ? null : Math.round(v))),
    [0, 1000, null],
  );
  assert.equal(bone.line.color, "#123456");
  // Equal scale: data units per pixel equal along x2 and y2.
  const xa = L.xaxis2,
    ya = L.yaxis2,
    m = { l: 60, r: 20, t: 50, b: 50 };
  const ux = (xa.range[1] - xa.range[0]) / ((800 - m.l - m.r) * (xa.domain[1] - xa.domain[0]));
  const uy = (ya.range[1] - ya.range[0]) / ((500 - m.t - m.b) * (ya.domain[1] - ya.domain[0]));
  close(ux, uy, 1e-9 * ux);
  assert.ok(
    L.annotations.some((a: AnyRec) => /azimuth -90°, elevation 0°/.test(a.text)),
    "the view is stated",
  );
  assert.ok(
    L.annotations.some((a: AnyRec) => /^\d+ mm$/.test(a.text)),
    "a scale bar in the scene's unit",
  );
  assert.throws(
    () => projectFigure({ data: [{ type: "mesh3d", x: [0], y: [0], z: [0] } as AnyRec] }),
    /mesh3d trace cannot be drawn/,
  );
  // The figure of Fig 3.2.2 keeps its image panel on x/y and gets its 3D panel on x2/y2.
  const pose = standingPose();
  const fig322 = projectFigure(
    pose2d3dFigure(
      new Float64Array(34).map((_, i) => 400 + i),
      pose,
      { resWidthPx: 1000, resHeightPx: 1000 },
      "t",
    ),
  );
  assert.ok((fig322.layout as AnyRec).xaxis.title, "image axes keep their titles");
  assert.ok(fig322.data.some((d) => (d as AnyRec).xaxis === "x2"));
});

test("segment/rectangle tests and label placement: no overlaps, inside bounds, clear of bones when possible", () => {
  const r: Rect = [0, 0, 10, 10];
  assert.ok(segmentHitsRect([-5, 5, 15, 5], r), "crossing");
  assert.ok(segmentHitsRect([2, 2, 3, 3], r), "inside");
  assert.ok(!segmentHitsRect([-5, -5, -1, 20], r), "left of it");
  assert.ok(!segmentHitsRect([11, 0, 20, 10], r), "right of it");
  assert.ok(rectsOverlap([0, 0, 10, 10], [5, 5, 15, 15]) && !rectsOverlap([0, 0, 10, 10], [10, 0, 20, 10]));
  // Five labels on nearly one point, a bone through it: all placed, no two overlap, none on the bone.
  const labels = Array.from({ length: 5 }, (_, k) => ({ x: 100 + k, y: 100, width: 24, height: 13 }));
  const bone: [number, number, number, number] = [100, 20, 100, 180];
  const bounds: Rect = [0, 0, 200, 200];
  const placed = placeLabels(labels, [bone], bounds);
  assert.ok(placed.every((p) => p.placed));
  for (let a = 0; a < placed.length; a++) {
    const b = placed[a].box;
    assert.ok(b[0] >= 0 && b[1] >= 0 && b[2] <= 200 && b[3] <= 200, "inside bounds");
    assert.ok(!segmentHitsRect(bone, b), `label ${a} clear of the bone`);
    for (let c = a + 1; c < placed.length; c++)
      assert.ok(!rectsOverlap(b, placed[c].box), `labels ${a} and ${c} overlap`);
  }
  // No room at all: the label is dropped rather than drawn over another.
  const tight = placeLabels(
    [
      { x: 5, y: 5, width: 8, height: 8 },
      { x: 5, y: 5, width: 8, height: 8 },
    ],
    [],
    [0, 0, 20, 20],
    { radii: [1] },
  );
  assert.equal(tight.filter((p) => p.placed).length, 1);
});

test("Fig 5.1.1: 25 panels with front and side views at one scale, errors from the poses, labels apart", () => {
  const k = 25,
    pose = standingPose();
  const gt = new Float64Array(k * NUM_JOINTS * 3),
    pred = new Float64Array(k * NUM_JOINTS * 3);
  for (let p = 0; p < k; p++)
    for (let i = 0; i < NUM_JOINTS * 3; i++) {
      gt[p * 51 + i] = pose[i];
      // Panel p: every joint 30 mm right and 40 mm deeper (50 mm error), plus joint-specific depth for the wrists.
      const j = Math.floor(i / 3),
        d = i % 3;
      pred[p * 51 + i] = pose[i] + (d === 0 ? 30 : d === 2 ? 40 + (j === jointIndex("LWrist") ? 300 : 0) : 0);
    }
  const fig = predictionGridFigure(
    gt,
    pred,
    Array.from({ length: k }, (_, i) => `s${i}`),
  );
  const L = fig.layout as AnyRec;
  const xaxes = Object.keys(L).filter((key) => /^xaxis\d*$/.test(key));
  assert.equal(xaxes.length, 50, "two views per panel");
  // LWrist error √(30² + 340²) = 341.3 mm; the others 50 mm; mean = (16·50 + 341.3)/17.
  const lw = Math.hypot(30, 340),
    mean = (16 * 50 + lw) / 17;
  const titles = L.annotations.filter((a: AnyRec) => a.xref === "paper" && /^s\d+ · /.test(a.text));
  assert.equal(titles.length, 25);
  assert.equal(titles[0].text, `s0 · ${mean.toFixed(0)} mm`);
  const labels = L.annotations.filter((a: AnyRec) => a.showarrow);
  assert.ok(
    labels.some((a: AnyRec) => a.text === lw.toFixed(0)),
    "the largest error is labelled",
  );
  // Same px per mm in the front and the side view and vertically (domain fraction × plot size / range span).
  const plotW = L.width - L.margin.l - L.margin.r,
    plotH = L.height - L.margin.t - L.margin.b;
  const pxmm = (ax: AnyRec, size: number) => ((ax.domain[1] - ax.domain[0]) * size) / (ax.range[1] - ax.range[0]);
  close(pxmm(L.xaxis, plotW), pxmm(L.xaxis2, plotW), 1e-9);
  close(pxmm(L.xaxis, plotW), pxmm(L.yaxis, plotH), 1e-9);
  // The person is upright: the head is drawn above the feet (display y = −camera y).
  const headY = -pose[jointIndex("Head") * 3 + 1],
    footY = -pose[jointIndex("LFoot") * 3 + 1];
  assert.ok(headY > footY && L.yaxis.range[0] <= footY && L.yaxis.range[1] >= headY);
  // Labels of one panel do not overlap (centre offsets at least a label apart in x or y).
  const p0 = labels.filter((a: AnyRec) => a.xref === "x");
  for (let a = 0; a < p0.length; a++)
    for (let b = a + 1; b < p0.length; b++) {
      const dxPx = (p0[a].x - p0[b].x) * pxmm(L.xaxis, plotW) + (p0[a].ax - p0[b].ax);
      const dyPx = -(p0[a].y - p0[b].y) * pxmm(L.yaxis, plotH) + (p0[a].ay - p0[b].ay);
      assert.ok(Math.abs(dxPx) >= 20 || Math.abs(dyPx) >= 12, `labels ${p0[a].text} and ${p0[b].text} overlap`);
    }
  assert.match(
    L.annotations.at(-1).text,
    /Panel<br>?\s?title|Panel title|panel title/i,
    "the caption explains the panel title",
  );
  assert.throws(() => predictionGridFigure(gt, pred.subarray(51), ["a"]), /expected gt and pred of \[1, 17, 3\]/);
});

test("hypotheses figure: upright display coordinates, spread per joint, one legend entry per kind with matching colours", () => {
  const pose = standingPose();
  const d = 40;
  const hyps = [-1, 1].map((s) => Float64Array.from(pose, (v, i) => v + (i % 3 === 2 ? s * d : 0)));
  const spread = hypothesisSpreadMm(hyps);
  spread.forEach((v) => close(v, d, 1e-9));
  const fig = hypothesesFigure(pose, hyps, "t");
  const gtLine = fig.data.find((t) => (t as AnyRec).name === "ground truth") as AnyRec;
  const head = jointIndex("Head"),
    foot = jointIndex("LFoot");
  // Display z (up) = −camera y: the head is above the feet.
  const zs: number[] = gtLine.z.filter((v: number | null) => v !== null);
  close(Math.max(...zs), -pose[head * 3 + 1], 1e-9);
  close(Math.min(...zs), -pose[foot * 3 + 1], 1e-9);
  const legend = fig.data.filter((t) => (t as AnyRec).showlegend !== false) as AnyRec[];
  assert.deepEqual(
    legend.map((t) => t.name),
    ["ground truth", "2 hypotheses", "hypothesis joints (coloured by spread)"],
  );
  const hypLines = fig.data.filter((t) => (t as AnyRec).name === "2 hypotheses") as AnyRec[];
  assert.ok(
    hypLines.every((t) => t.line.color === legend[1].line.color),
    "legend colour = line colour",
  );
  const joints = legend[2];
  assert.deepEqual(
    joints.marker.color.slice(0, 17).map((v: number) => Math.round(v)),
    Array(17).fill(d),
  );
});

function log(epochs: number, kl = true): EpochLogLike[] {
  return Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    step: 10 * (e + 1),
    seconds: 1,
    samplesPerSec: 100,
    etaSeconds: epochs - e - 1,
    terms: (kl
      ? { loss: 1 / (e + 1) + 0.05, recon: 1 / (e + 1), kl: 50 + e }
      : { loss: 1 / (e + 1), recon: 1 / (e + 1) }) as Record<string, number>,
    values: { beta: 0.001, lr: 0.001 * 0.9 ** e },
    val: { p1: 120 - e },
  }));
}

test("curves: a panel for every loss term (KL included), validation apart, integer epoch ticks, a one-epoch run visible", () => {
  const fig = curvesFigure(log(12), "t");
  const names = fig.data.map((t) => (t as AnyRec).name);
  assert.deepEqual(names, [
    "total loss",
    "reconstruction (MSE)",
    "KL(q(z|x) ‖ N(0, I))",
    "validation P1 (MPJPE)",
    "learning rate (schedule)",
  ]);
  const L = fig.layout as AnyRec;
  const kl = fig.data[2] as AnyRec;
  assert.deepEqual(
    kl.y,
    log(12).map((h) => h.terms.kl),
    "KL values plotted as logged",
  );
  assert.equal(L.showlegend, false, "panel titles instead of a legend");
  for (const k of Object.keys(L).filter((key) => /^xaxis\d*$/.test(key))) {
    assert.equal(L[k].tickformat, "d");
    assert.ok(Number.isInteger(L[k].dtick) && L[k].dtick >= 1);
  }
  assert.equal(L.yaxis4.title.text, "mm", "validation metric on its own mm axis");
  const one = curvesFigure(log(1), "t");
  assert.ok((one.data[0] as AnyRec).mode.includes("markers"));
  assert.deepEqual((one.layout as AnyRec).xaxis.range, [0.5, 1.5]);
  const ae = curvesFigure(log(5, false), "t");
  assert.ok(!ae.data.some((t) => /KL/.test(String((t as AnyRec).name))));
  assert.throws(() => curvesFigure([{ epoch: 1, loss: 1 } as never], "t"), /terms record \(EpochLogLike\)/);
  assert.throws(() => curvesFigure([], "t"), /empty/);
});

test("sweeps tick at the swept values only; tables share decimals per column; axes get automargin", () => {
  const s = sweepFigure([1e-3, 1e-1], [{ name: "P1", y: [1, 2] }], "β", "t", true);
  const xa = (s.layout as AnyRec).xaxis;
  assert.deepEqual(xa.tickvals, [1e-3, 1e-1]);
  assert.deepEqual(xa.ticktext, ["0.001", "0.1"]);
  assert.throws(() => sweepFigure([0, 1], [], "x", "t", true), /positive/);
  const mm = columnFormatter("P1 (mm)", [124.727, 50, null]);
  assert.deepEqual([mm(124.727), mm(50), mm(null)], ["124.7", "50.0", ""]);
  const beta = columnFormatter("beta", [1e-4, 0.1, 1], 2);
  assert.deepEqual([beta(1e-4), beta(0.1), beta(1)], ["0.0001", "0.1", "1"]);
  const n = columnFormatter("frames", [3, 10]);
  assert.equal(n(10), "10");
  const text = dfToText(
    frame([
      { model: "a", "β-VAE P1": 124.727, kl: 53.5333 },
      { model: "b", "β-VAE P1": 50, kl: 1 },
    ]),
    3,
  );
  assert.match(text, /124\.7 +53\.533/);
  assert.match(text, /50\.0 +1\.000/);
  const d = withDefaults({ data: [{ type: "scatter", x: [1], y: [1] }], layout: { yaxis2: { title: { text: "t" } } } })
    .layout as AnyRec;
  assert.equal(d.xaxis.automargin, true);
  assert.equal(d.yaxis2.automargin, true);
});
