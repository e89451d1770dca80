/**
 * A synthetic image modality made from 3D poses: the person as seen by an H36M camera, drawn as
 * shaded tapered capsules with a z-buffer, cropped around the person like a detector crop.
 *
 * Human3.6M images are not available, so this gives the crossmodal VAE an image of each pose.
 * Left limbs are blues, right limbs reds, the torso greens and the head yellow, so left and right
 * stay readable; a dark nose on the side the body faces tells front from back. What varies with
 * the seed: the colours within those ranges, body width (±10 %), the background (solid, gradient or
 * value noise, always of low saturation), the crop (a few pixels of shift and a few percent of
 * scale: the "camera jitter") and a little grey pixel noise.
 *
 * Geometry: camera-space joints (mm) are projected with the camera's full model
 * (`projectToImage`, with distortion). A capsule's radius in pixels is f·r/Z at each end. Each
 * pixel keeps the surface nearest the camera (depth = axis depth − r·√(1−s²), s the distance to the
 * axis over the radius), so occlusion is right whatever the drawing order.
 *
 * Crop: a square box around the projected joints, side = (largest extent of the joint box) ×
 * (1 + 2·marginFrac), centred on the box, then jittered. It is returned as {x0Px, y0Px, scale}:
 * an image point (u, v) in camera pixels lands at ((u − x0Px)·scale, (v − y0Px)·scale) in output
 * pixels, and output pixel (col, row) covers [col, col+1) × [row, row+1).
 *
 * Images are Float32Array [B, H, W, 3], RGB, row-major; values in [−1, 1] ("signed", the default,
 * for a Tanh decoder) or [0, 1] ("unit").
 *
 * Speed (bench/render-entry.ts, one core): about 6,000 images per CPU second at 64 px and 2,200 at
 * 128 px, batches of 64.
 */
import { mulberry32, type Random } from "../core/rng";
import { H36M_INTRINSICS, projectToImage, type CameraIntrinsics } from "../pose/camera";
import { H36M_JOINTS, jointIndex, NUM_JOINTS, type H36MJoint } from "../pose/skeleton";
import type { PoseSet } from "./dataset";

export type BackgroundKind = "solid" | "gradient" | "noise";
export type PartGroup = "leftArm" | "rightArm" | "leftLeg" | "rightLeg" | "torso" | "head" | "face";

/** One drawn body part: a capsule between two points on the segment from→to, tapered. */
export interface RenderPart {
  name: string;
  from: H36MJoint;
  to: H36MJoint;
  /** The capsule's axis runs from lerp(from, to, t0) to lerp(from, to, t1); t0 = t1 is a sphere. */
  t0: number;
  t1: number;
  /** Radius at each end of the axis, mm (before the per-sample body-width factor). */
  radiusMm: readonly [number, number];
  group: PartGroup;
  /** Shift of the axis along the body's facing direction, mm (the nose, so front and back differ). */
  forwardMm: number;
}

const part = (
  name: string,
  from: H36MJoint,
  to: H36MJoint,
  r0: number,
  r1: number,
  group: PartGroup,
  t0 = 0,
  t1 = 1,
  forwardMm = 0,
): RenderPart => ({ name, from, to, t0, t1, radiusMm: [r0, r1], group, forwardMm });

/** The body parts, in label order (a label map holds these indices; −1 is background). */
export const RENDER_PARTS: readonly RenderPart[] = [
  part("pelvis", "LHip", "RHip", 95, 95, "torso", 0.1, 0.9),
  part("belly", "Hip", "Spine", 120, 120, "torso"),
  part("chest", "Spine", "Thorax", 120, 130, "torso", 0, 0.85),
  part("shoulders", "LShoulder", "RShoulder", 70, 70, "torso", 0.05, 0.95),
  part("neck", "Thorax", "Neck/Nose", 50, 45, "torso", 0, 0.6),
  part("head", "Neck/Nose", "Head", 100, 100, "head", 0.4, 0.4),
  part("nose", "Neck/Nose", "Head", 30, 30, "face", 0.3, 0.3, 88),
  part("lThigh", "LHip", "LKnee", 82, 58, "leftLeg"),
  part("lShin", "LKnee", "LFoot", 58, 45, "leftLeg"),
  part("rThigh", "RHip", "RKnee", 82, 58, "rightLeg"),
  part("rShin", "RKnee", "RFoot", 58, 45, "rightLeg"),
  part("lUpperArm", "LShoulder", "LElbow", 50, 42, "leftArm"),
  part("lForearm", "LElbow", "LWrist", 42, 45, "leftArm"),
  part("rUpperArm", "RShoulder", "RElbow", 50, 42, "rightArm"),
  part("rForearm", "RElbow", "RWrist", 42, 45, "rightArm"),
];

/** Index of a part in RENDER_PARTS by name (for label maps). */
export function partIndex(name: string): number {
  const i = RENDER_PARTS.findIndex((p) => p.name === name);
  if (i < 0) throw new Error(`unknown render part "${name}"; parts are ${RENDER_PARTS.map((p) => p.name).join(", ")}`);
  return i;
}

/** Hue ranges (degrees), saturation and value ranges of each group's colour. */
const PALETTE: Record<PartGroup, { hue: [number, number]; sat: [number, number]; val: [number, number] }> = {
  leftArm: { hue: [200, 235], sat: [0.65, 0.9], val: [0.8, 1] },
  leftLeg: { hue: [210, 245], sat: [0.6, 0.85], val: [0.55, 0.75] },
  rightArm: { hue: [-12, 12], sat: [0.65, 0.9], val: [0.85, 1] },
  rightLeg: { hue: [-5, 20], sat: [0.6, 0.85], val: [0.6, 0.8] },
  torso: { hue: [95, 150], sat: [0.45, 0.7], val: [0.55, 0.8] },
  head: { hue: [42, 58], sat: [0.5, 0.7], val: [0.85, 1] },
  face: { hue: [20, 40], sat: [0.4, 0.6], val: [0.25, 0.4] },
};
const GROUPS = Object.keys(PALETTE) as PartGroup[];

/** Options of the renderer. Every field is optional; the defaults are in DEFAULT_RENDER_OPTIONS. */
export interface RenderOptions {
  /** Side of the square output image, pixels (an integer in 16–512; 64–128 is meant for training). */
  size: number;
  /** Margin around the joints' box on each side, as a fraction of its largest extent (0–2). */
  marginFrac: number;
  /** Largest shift of the crop centre, output pixels (uniform in ±jitterPx per axis). */
  jitterPx: number;
  /** Largest relative change of the crop side (uniform in ±jitterScale; 0–0.5). */
  jitterScale: number;
  /** Background kind, or "mixed" for a seeded choice per sample. */
  background: BackgroundKind | "mixed";
  /** Value range of the images: "signed" is [−1, 1] (for a Tanh decoder), "unit" is [0, 1]. */
  range: "signed" | "unit";
  /** Seeded colour and body-width variation; false gives every sample the palette's mid colours. */
  colourJitter: boolean;
  /** Standard deviation of the per-pixel grey noise, in [0, 1] units (0–0.2). */
  noise: number;
  /** Draw the person; false gives the same sample's background alone (tests, figures). */
  person: boolean;
  /** Also return a part-label map [B, H, W] (index in RENDER_PARTS, −1 for background). */
  labels: boolean;
}

export const DEFAULT_RENDER_OPTIONS: Readonly<RenderOptions> = {
  size: 64,
  marginFrac: 0.12,
  jitterPx: 2,
  jitterScale: 0.05,
  background: "mixed",
  range: "signed",
  colourJitter: true,
  noise: 0.015,
  person: true,
  labels: false,
};

/** The crop of one image: camera pixel (u, v) → output pixel ((u − x0Px)·scale, (v − y0Px)·scale). */
export interface CropTransform {
  x0Px: number;
  y0Px: number;
  /** Output pixels per camera pixel. */
  scale: number;
}

/** Map camera pixels [P, 2] through a crop to output pixels [P, 2]. */
export function applyCrop(uvPx: ArrayLike<number>, crop: CropTransform): Float64Array {
  const out = new Float64Array(uvPx.length);
  for (let i = 0; i < uvPx.length; i += 2) {
    out[i] = (uvPx[i] - crop.x0Px) * crop.scale;
    out[i + 1] = (uvPx[i + 1] - crop.y0Px) * crop.scale;
  }
  return out;
}

function checkOptions(o: RenderOptions): void {
  const bad = (field: keyof RenderOptions, want: string) =>
    new Error(`render opts.${field}: expected ${want}, got ${String(o[field])}`);
  if (!Number.isInteger(o.size) || o.size < 16 || o.size > 512)
    throw bad("size", "an integer number of pixels in 16–512");
  if (!(o.marginFrac >= 0 && o.marginFrac <= 2)) throw bad("marginFrac", "a number in 0–2");
  if (!(o.jitterPx >= 0 && o.jitterPx <= o.size / 4))
    throw bad("jitterPx", `pixels in 0–${o.size / 4} (a quarter of the size)`);
  if (!(o.jitterScale >= 0 && o.jitterScale <= 0.5)) throw bad("jitterScale", "a number in 0–0.5");
  if (!["solid", "gradient", "noise", "mixed"].includes(o.background))
    throw bad("background", `"solid", "gradient", "noise" or "mixed"`);
  if (o.range !== "signed" && o.range !== "unit") throw bad("range", `"signed" or "unit"`);
  if (!(o.noise >= 0 && o.noise <= 0.2)) throw bad("noise", "a number in 0–0.2");
}

function resolveOptions(opts: Partial<RenderOptions>): RenderOptions {
  for (const k of Object.keys(opts)) {
    if (!(k in DEFAULT_RENDER_OPTIONS)) {
      throw new Error(
        `render opts: unknown option "${k}"; options are ${Object.keys(DEFAULT_RENDER_OPTIONS).join(", ")}`,
      );
    }
  }
  const o = { ...DEFAULT_RENDER_OPTIONS, ...opts };
  checkOptions(o);
  return o;
}

/** A per-sample seed from the batch seed and the sample's index (so a sample renders alike in any batch). */
function sampleSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function hsv(hDeg: number, s: number, v: number): [number, number, number] {
  const h = (((hDeg % 360) + 360) % 360) / 60,
    c = v * s,
    x = c * (1 - Math.abs((h % 2) - 1)),
    m = v - c;
  const sector = Math.min(5, Math.floor(h));
  const [r, g, b] = [
    [c, x, 0],
    [x, c, 0],
    [0, c, x],
    [0, x, c],
    [x, 0, c],
    [c, 0, x],
  ][sector];
  return [r + m, g + m, b + m];
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
const uniform = (r: Random, lo: number, hi: number) => lo + (hi - lo) * r();

/** Everything random about one sample, drawn in a fixed order (independent of opts.person). */
interface SampleLook {
  background: BackgroundKind;
  bg0: [number, number, number];
  bg1: [number, number, number];
  /** Gradient direction (unit), or the value-noise lattice (NOISE_CELLS+1)² in [0, 1]. */
  gradDir: [number, number];
  lattice: Float32Array;
  colours: Record<PartGroup, [number, number, number]>;
  widthFactor: number;
  shift: [number, number];
  scaleJitter: number;
  noiseSeed: number;
}

const NOISE_CELLS = 4;

function drawLook(r: Random, o: RenderOptions): SampleLook {
  const kinds: BackgroundKind[] = ["solid", "gradient", "noise"];
  const kindDraw = r();
  const background = o.background === "mixed" ? kinds[Math.min(2, Math.floor(kindDraw * 3))] : o.background;
  const bgColour = (): [number, number, number] => hsv(uniform(r, 0, 360), uniform(r, 0, 0.25), uniform(r, 0.15, 0.85));
  const bg0 = bgColour(),
    bg1 = bgColour();
  const angle = uniform(r, 0, 2 * Math.PI);
  const lattice = new Float32Array((NOISE_CELLS + 1) ** 2);
  for (let i = 0; i < lattice.length; i++) lattice[i] = r();
  const colours = {} as Record<PartGroup, [number, number, number]>;
  for (const g of GROUPS) {
    const p = PALETTE[g];
    const t = o.colourJitter ? [r(), r(), r()] : [0.5, 0.5, 0.5];
    colours[g] = hsv(lerp(p.hue[0], p.hue[1], t[0]), lerp(p.sat[0], p.sat[1], t[1]), lerp(p.val[0], p.val[1], t[2]));
  }
  const widthFactor = o.colourJitter ? uniform(r, 0.9, 1.12) : 1;
  const shift: [number, number] = [uniform(r, -1, 1) * o.jitterPx, uniform(r, -1, 1) * o.jitterPx];
  const scaleJitter = 1 + uniform(r, -1, 1) * o.jitterScale;
  const noiseSeed = Math.floor(r() * 2 ** 32);
  const gradDir: [number, number] = [Math.cos(angle), Math.sin(angle)];
  return { background, bg0, bg1, gradDir, lattice, colours, widthFactor, shift, scaleJitter, noiseSeed };
}

/** Value-noise lattice cell and smoothstep weight of each pixel centre along one axis, per image size. */
const latticeAxes = new Map<number, { cell: Int32Array; weight: Float32Array }>();
function latticeAxis(size: number): { cell: Int32Array; weight: Float32Array } {
  let a = latticeAxes.get(size);
  if (!a) {
    a = { cell: new Int32Array(size), weight: new Float32Array(size) };
    for (let i = 0; i < size; i++) {
      const f = ((i + 0.5) / size) * NOISE_CELLS,
        k = Math.min(NOISE_CELLS - 1, Math.floor(f)),
        t = f - k;
      a.cell[i] = k;
      a.weight[i] = t * t * (3 - 2 * t);
    }
    latticeAxes.set(size, a);
  }
  return a;
}

function paintBackground(img: Float32Array, off: number, size: number, look: SampleLook): void {
  const [a0, a1, a2] = look.bg0,
    [b0, b1, b2] = look.bg1;
  if (look.background === "solid") {
    for (let p = 0; p < size * size; p++) {
      const q = off + p * 3;
      img[q] = a0;
      img[q + 1] = a1;
      img[q + 2] = a2;
    }
    return;
  }
  const L = look.lattice,
    n1 = NOISE_CELLS + 1;
  const [gx, gy] = look.gradDir;
  const { cell, weight } = latticeAxis(size);
  for (let y = 0; y < size; y++) {
    const iy = cell[y],
      sy = weight[y];
    for (let x = 0; x < size; x++) {
      let t: number;
      if (look.background === "gradient") {
        t = 0.5 + 0.5 * (gx * (((x + 0.5) / size) * 2 - 1) + gy * (((y + 0.5) / size) * 2 - 1)) * Math.SQRT1_2;
      } else {
        const ix = cell[x],
          sx = weight[x],
          k = iy * n1 + ix;
        t = lerp(lerp(L[k], L[k + 1], sx), lerp(L[k + n1], L[k + n1 + 1], sx), sy);
      }
      const q = off + (y * size + x) * 3;
      img[q] = a0 + (b0 - a0) * t;
      img[q + 1] = a1 + (b1 - a1) * t;
      img[q + 2] = a2 + (b2 - a2) * t;
    }
  }
}

/** Light direction (towards the light) in camera axes: x right, y down, z forward; from the upper left, camera side. */
const LIGHT = ((l: number[]) => l.map((v) => v / Math.hypot(l[0], l[1], l[2])))([-0.45, -0.65, -0.62]);
const AMBIENT = 0.35;

/** One z-buffer per image size, reused across calls (the renderer is synchronous). */
const depthBuffers = new Map<number, Float32Array>();
function depthBuffer(size: number): Float32Array {
  let d = depthBuffers.get(size);
  if (!d) {
    d = new Float32Array(size * size);
    depthBuffers.set(size, d);
  }
  return d;
}

const PART_JOINTS = RENDER_PARTS.map((p) => [jointIndex(p.from), jointIndex(p.to)] as const);

/** Check one pose [17, 3] (camera mm): finite, in front of the camera. `where` names the field and sample. */
function checkPose(pose: ArrayLike<number>, off: number, where: string): void {
  for (let j = 0; j < NUM_JOINTS; j++) {
    for (let d = 0; d < 3; d++) {
      const v = pose[off + j * 3 + d];
      if (!Number.isFinite(v)) {
        throw new Error(
          `${where} joint ${H36M_JOINTS[j]} (${j}): coordinate ${"xyz"[d]} is ${v}, expected a finite number of mm`,
        );
      }
    }
    const z = pose[off + j * 3 + 2];
    if (!(z > 0)) {
      throw new Error(
        `${where} joint ${H36M_JOINTS[j]} (${j}): Z = ${z} mm, expected the joint in front of the camera (Z > 0)`,
      );
    }
  }
}

/** Where one image is drawn: its slice of the batch buffers (element offset off, pixel offset loff) and the z-buffer. */
interface Canvas {
  img: Float32Array;
  off: number;
  labels: Int8Array | null;
  loff: number;
  size: number;
  depth: Float32Array;
}

/** A tapered capsule: end points and radii in output pixels (x, y, r), axis depth z and radius rm in mm. */
interface Capsule {
  x0: number;
  y0: number;
  r0: number;
  z0: number;
  rm0: number;
  x1: number;
  y1: number;
  r1: number;
  z1: number;
  rm1: number;
}

/**
 * Render the camera-space pose at pose[poff..poff+51) into a canvas ([size, size, 3], values in opts.range).
 * Returns the crop. The pose must already be checked.
 */
function renderInto(
  pose: ArrayLike<number>,
  poff: number,
  cam: CameraIntrinsics,
  o: RenderOptions,
  seed: number,
  cv: Canvas,
): CropTransform {
  const { img, off, labels, loff, size, depth } = cv;
  const look = drawLook(mulberry32(seed), o);
  const cam3d = new Float64Array(NUM_JOINTS * 3);
  for (let i = 0; i < NUM_JOINTS * 3; i++) cam3d[i] = pose[poff + i];
  const uv = projectToImage(cam3d, cam);

  // Crop: square around the projected joints, with margin, then jittered.
  let minU = Infinity,
    maxU = -Infinity,
    minV = Infinity,
    maxV = -Infinity;
  for (let j = 0; j < NUM_JOINTS; j++) {
    minU = Math.min(minU, uv[j * 2]);
    maxU = Math.max(maxU, uv[j * 2]);
    minV = Math.min(minV, uv[j * 2 + 1]);
    maxV = Math.max(maxV, uv[j * 2 + 1]);
  }
  const side = Math.max(maxU - minU, maxV - minV, 1) * (1 + 2 * o.marginFrac) * look.scaleJitter;
  const scale = size / side;
  const crop: CropTransform = {
    x0Px: (minU + maxU) / 2 - side / 2 - look.shift[0] / scale,
    y0Px: (minV + maxV) / 2 - side / 2 - look.shift[1] / scale,
    scale,
  };

  paintBackground(img, off, size, look);
  depth.fill(Infinity);
  if (labels) labels.fill(-1, loff, loff + size * size);

  if (o.person) {
    const fx = cam.focalLengthPx[0];
    const forward = facingDirection(cam3d);
    for (let pi = 0; pi < RENDER_PARTS.length; pi++) {
      const p = RENDER_PARTS[pi],
        [ja, jb] = PART_JOINTS[pi];
      // Axis end points: output pixels (through the projected joints, so distortion is kept), depth and radius.
      let ax = lerp(uv[ja * 2], uv[jb * 2], p.t0),
        ay = lerp(uv[ja * 2 + 1], uv[jb * 2 + 1], p.t0);
      let bx = lerp(uv[ja * 2], uv[jb * 2], p.t1),
        by = lerp(uv[ja * 2 + 1], uv[jb * 2 + 1], p.t1);
      let za = lerp(cam3d[ja * 3 + 2], cam3d[jb * 3 + 2], p.t0),
        zb = lerp(cam3d[ja * 3 + 2], cam3d[jb * 3 + 2], p.t1);
      if (p.forwardMm !== 0) {
        if (!forward) continue;
        const ends = new Float64Array(6);
        for (let d = 0; d < 3; d++) {
          ends[d] = lerp(cam3d[ja * 3 + d], cam3d[jb * 3 + d], p.t0) + forward[d] * p.forwardMm;
          ends[3 + d] = lerp(cam3d[ja * 3 + d], cam3d[jb * 3 + d], p.t1) + forward[d] * p.forwardMm;
        }
        if (!(ends[2] > 0 && ends[5] > 0)) continue;
        const e = projectToImage(ends, cam);
        [ax, ay, bx, by, za, zb] = [e[0], e[1], e[2], e[3], ends[2], ends[5]];
      }
      const rm0 = p.radiusMm[0] * look.widthFactor,
        rm1 = p.radiusMm[1] * look.widthFactor;
      drawCapsule(cv, pi, look.colours[p.group], {
        x0: (ax - crop.x0Px) * scale,
        y0: (ay - crop.y0Px) * scale,
        r0: ((fx * rm0) / za) * scale,
        z0: za,
        rm0,
        x1: (bx - crop.x0Px) * scale,
        y1: (by - crop.y0Px) * scale,
        r1: ((fx * rm1) / zb) * scale,
        z1: zb,
        rm1,
      });
    }
  }
  // Grey pixel noise (uniform, standard deviation o.noise, from a xorshift32 stream), clamping and the value range.
  const amp = (o.noise * Math.sqrt(12)) / 4294967296,
    signed = o.range === "signed";
  let h = look.noiseSeed | 1;
  for (let p = 0; p < size * size; p++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    const n = amp * ((h >>> 0) - 2147483648);
    for (let q = off + p * 3, c = 0; c < 3; c++, q++) {
      const v = img[q] + n,
        u = v < 0 ? 0 : v > 1 ? 1 : v;
      img[q] = signed ? u * 2 - 1 : u;
    }
  }
  return crop;
}

const L_HIP = jointIndex("LHip"),
  R_HIP = jointIndex("RHip"),
  HIP = jointIndex("Hip"),
  THORAX = jointIndex("Thorax");
const L_SHOULDER = jointIndex("LShoulder"),
  R_SHOULDER = jointIndex("RShoulder");

/** The way the body faces (unit, camera axes): left × up, left from the hips and shoulders; null if degenerate. */
function facingDirection(p: Float64Array): [number, number, number] | null {
  const l = [0, 1, 2].map((d) => p[L_HIP * 3 + d] - p[R_HIP * 3 + d] + p[L_SHOULDER * 3 + d] - p[R_SHOULDER * 3 + d]);
  const u = [0, 1, 2].map((d) => p[THORAX * 3 + d] - p[HIP * 3 + d]);
  const f = [l[1] * u[2] - l[2] * u[1], l[2] * u[0] - l[0] * u[2], l[0] * u[1] - l[1] * u[0]];
  const n = Math.hypot(f[0], f[1], f[2]);
  return n > 1e-6 * Math.hypot(...l) * Math.hypot(...u) && n > 0 ? [f[0] / n, f[1] / n, f[2] / n] : null;
}

/** Rasterize one tapered capsule with z-buffer and cylinder shading (all lengths in output pixels, depths in mm). */
function drawCapsule(cv: Canvas, label: number, colour: readonly number[], cap: Capsule): void {
  const { img, off, depth, labels, loff, size } = cv;
  const { x0, y0, r0, z0, rm0, x1, y1, r1, z1, rm1 } = cap;
  // Bounding box of the two end discs, clipped to the image.
  const xa = Math.max(0, Math.floor(Math.min(x0 - r0, x1 - r1)));
  const xb = Math.min(size - 1, Math.ceil(Math.max(x0 + r0, x1 + r1)));
  const ya = Math.max(0, Math.floor(Math.min(y0 - r0, y1 - r1)));
  const yb = Math.min(size - 1, Math.ceil(Math.max(y0 + r0, y1 + r1)));
  if (xa > xb || ya > yb) return;
  const dx = x1 - x0,
    dy = y1 - y0,
    len2 = dx * dx + dy * dy,
    inv = len2 > 1e-12 ? 1 / len2 : 0;
  const [cr, cg, cb] = colour;
  for (let y = ya; y <= yb; y++) {
    const py = y + 0.5 - y0;
    for (let x = xa; x <= xb; x++) {
      const px = x + 0.5 - x0;
      let t = (px * dx + py * dy) * inv;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - t * dx,
        ey = py - t * dy,
        d2 = ex * ex + ey * ey,
        r = r0 + (r1 - r0) * t;
      if (d2 >= r * r) continue;
      const d = Math.sqrt(d2),
        s = d / r,
        c = Math.sqrt(1 - s * s);
      const z = z0 + (z1 - z0) * t - (rm0 + (rm1 - rm0) * t) * c;
      const k = y * size + x;
      if (z >= depth[k]) continue;
      depth[k] = z;
      // Outward normal: s along the in-image direction away from the axis, −c towards the camera.
      const nx = d > 1e-9 ? (ex / d) * s : 0,
        ny = d > 1e-9 ? (ey / d) * s : 0;
      const diffuse = nx * LIGHT[0] + ny * LIGHT[1] - c * LIGHT[2];
      const shade = AMBIENT + (1 - AMBIENT) * (diffuse > 0 ? diffuse : 0);
      const q = off + k * 3;
      img[q] = cr * shade;
      img[q + 1] = cg * shade;
      img[q + 2] = cb * shade;
      if (labels) labels[loff + k] = label;
    }
  }
}

/** One rendered image (or batch): images [B, H, W, 3], crops, and part labels [B, H, W] when asked for. */
export interface RenderResult {
  images: Float32Array;
  crops: CropTransform[];
  labels?: Int8Array;
  size: number;
}

/**
 * Render one camera-space pose `poseCamMm` [17, 3] (mm) through the intrinsics of `camera` (an H36M
 * camera index 0–3, or intrinsics). Deterministic for (seed, index): `renderBatch` renders sample i
 * with the same look as `renderPose(pose_i, camera_i, opts, seed, i)`.
 */
export function renderPose(
  poseCamMm: ArrayLike<number>,
  camera: number | CameraIntrinsics,
  opts: Partial<RenderOptions> = {},
  seed = 0,
  index = 0,
): RenderResult {
  const o = resolveOptions(opts);
  if (poseCamMm.length !== NUM_JOINTS * 3) {
    const want = `${NUM_JOINTS} joints × 3 = ${NUM_JOINTS * 3} values (camera mm)`;
    throw new Error(`renderPose poseCamMm: expected ${want}, got ${poseCamMm.length}`);
  }
  checkPose(poseCamMm, 0, "renderPose poseCamMm");
  const cam = intrinsicsOf(camera, "renderPose camera");
  const images = new Float32Array(o.size * o.size * 3);
  const labels = o.labels ? new Int8Array(o.size * o.size) : null;
  const cv: Canvas = { img: images, off: 0, labels, loff: 0, size: o.size, depth: depthBuffer(o.size) };
  const crop = renderInto(poseCamMm, 0, cam, o, sampleSeed(seed, index), cv);
  return { images, crops: [crop], size: o.size, ...(labels ? { labels } : {}) };
}

function intrinsicsOf(camera: number | CameraIntrinsics, where: string): CameraIntrinsics {
  if (typeof camera !== "number") return camera;
  if (!Number.isInteger(camera) || camera < 0 || camera >= H36M_INTRINSICS.length) {
    throw new Error(`${where}: expected an H36M camera index 0–${H36M_INTRINSICS.length - 1}, got ${camera}`);
  }
  return H36M_INTRINSICS[camera];
}

/** Largest batch buffer (floats) renderBatch allocates: 2²⁸ floats = 1 GiB. */
const MAX_FLOATS = 2 ** 28;

/**
 * Render samples `indices` of a pose set: each sample's camera-space pose (set.poses3d, mm) through
 * its H36M camera (set.camera). Returns images [B, H, W, 3] (range per opts.range; "signed" [−1, 1] by
 * default), one crop per image, and labels [B, H, W] when opts.labels. Deterministic for a seed; the
 * look of a sample depends on (seed, its index in the set), not on its place in the batch.
 */
export function renderBatch(
  set: Pick<PoseSet, "n" | "poses3d" | "camera">,
  indices: ArrayLike<number>,
  opts: Partial<RenderOptions> = {},
  seed = 0,
): RenderResult {
  const o = resolveOptions(opts);
  const per = NUM_JOINTS * 3;
  if (set.poses3d.length !== set.n * per) {
    const want = `[n=${set.n}, ${NUM_JOINTS}, 3] = ${set.n * per} values`;
    throw new Error(`renderBatch set.poses3d: expected ${want}, got ${set.poses3d.length}`);
  }
  if (set.camera.length !== set.n) {
    throw new Error(`renderBatch set.camera: expected ${set.n} camera indices, got ${set.camera.length}`);
  }
  const B = indices.length,
    px = o.size * o.size;
  if (B * px * 3 > MAX_FLOATS) {
    throw new Error(
      `renderBatch indices: ${B} images of ${o.size}² px exceed ${MAX_FLOATS} floats; render in smaller batches`,
    );
  }
  for (let b = 0; b < B; b++) {
    const i = indices[b];
    if (!Number.isInteger(i) || i < 0 || i >= set.n) {
      throw new Error(`renderBatch indices[${b}]: expected an integer sample index in 0–${set.n - 1}, got ${i}`);
    }
    checkPose(set.poses3d, i * per, `renderBatch set.poses3d sample ${i}`);
    intrinsicsOf(set.camera[i], `renderBatch set.camera[${i}]`);
  }
  const images = new Float32Array(B * px * 3);
  const labels = o.labels ? new Int8Array(B * px) : null;
  const crops: CropTransform[] = new Array(B);
  const cv: Canvas = { img: images, off: 0, labels, loff: 0, size: o.size, depth: depthBuffer(o.size) };
  for (let b = 0; b < B; b++) {
    const i = indices[b];
    cv.off = b * px * 3;
    cv.loff = b * px;
    crops[b] = renderInto(set.poses3d, i * per, H36M_INTRINSICS[set.camera[i]], o, sampleSeed(seed, i), cv);
  }
  return { images, crops, size: o.size, ...(labels ? { labels } : {}) };
}
