/** Checks over every BVH file of the shared data (HPE_DATA_DIR; CI: ../shared/data). */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseBvh } from "../lib/data/formats/bvh";
import { captureMocap, loadMocap, mocapFolders } from "../lib/data/dataset";
import { bvhToH36m, listBvhFiles, loadBvhSequence } from "../lib/data/mocap";
import { jointIndex } from "../lib/pose/skeleton";
import { splitOf } from "../lib/data/splits";
import { mocapDataDir, scratchDir } from "./helpers";

const data = mocapDataDir();
const skip = data.skip;
const has = (set: string) => !data.skip && fs.existsSync(path.join(data.dir, set));
const noBandai = has("bandai-namco-motion") ? skip : "no bandai-namco-motion folder";

/** Joint pairs on one rigid bone of the source rigs (both ends are real BVH joints). */
const RIGID = [
  ["Hip", "RHip"],
  ["RHip", "RKnee"],
  ["RKnee", "RFoot"],
  ["Hip", "LHip"],
  ["LHip", "LKnee"],
  ["LKnee", "LFoot"],
  ["LShoulder", "LElbow"],
  ["LElbow", "LWrist"],
  ["RShoulder", "RElbow"],
  ["RElbow", "RWrist"],
] as const;

function boneLengths(poses: Float32Array, frames: number, a: number, b: number): Float64Array {
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const p = (j: number, d: number) => poses[(f * 17 + j) * 3 + d];
    out[f] = Math.hypot(p(a, 0) - p(b, 0), p(a, 1) - p(b, 1), p(a, 2) - p(b, 2));
  }
  return out;
}

test("every shared BVH file loads; bones are rigid at the native rate; feet are near the floor", {
  skip,
  timeout: 300_000,
}, () => {
  const files = ["cmu-mocap", "bandai-namco-motion"].filter(has).flatMap((d) => listBvhFiles(path.join(data.dir, d)));
  if (has("cmu-mocap") && has("bandai-namco-motion"))
    assert.ok(files.length >= 150, `expected the 161 shared files, found ${files.length}`);
  for (const f of files) {
    const bvh = parseBvh(fs.readFileSync(f, "utf8"), f);
    // Head above the pelvis in the first frame (every clip starts upright).
    // At the native rate (no interpolation) bone lengths are constant: these are retargeted rigs.
    const { poses, frames } = bvhToH36m(bvh, { fps: 1 / bvh.frameTimeS });
    assert.ok(poses[jointIndex("Head") * 3 + 2] > poses[2] + 300, `${path.basename(f)}: head not above the pelvis`);
    for (const [a, b] of RIGID) {
      const l = boneLengths(poses, frames, jointIndex(a), jointIndex(b));
      const min = Math.min(...l),
        max = Math.max(...l);
      assert.ok(
        max - min < 0.05,
        `${path.basename(f)} ${a}-${b}: length varies ${min.toFixed(3)}–${max.toFixed(3)} mm`,
      );
      assert.ok(min > 50 && max < 600, `${path.basename(f)} ${a}-${b}: implausible length ${min} mm`);
    }
    // Feet: the lower ankle (about 6–12 cm above the sole) touches the floor (z = 0) in a good
    // share of frames and stays low in most. CMU subject 3 walks on uneven terrain (steps up
    // and down), so there is no single floor there.
    if (/^03_/.test(path.basename(f))) continue;
    const low: number[] = [];
    for (let i = 0; i < frames; i++)
      low.push(Math.min(poses[(i * 17 + jointIndex("RFoot")) * 3 + 2], poses[(i * 17 + jointIndex("LFoot")) * 3 + 2]));
    low.sort((x, y) => x - y);
    const p5 = low[Math.floor(low.length * 0.05)],
      median = low[Math.floor(low.length / 2)];
    assert.ok(p5 > -60 && p5 < 150, `${path.basename(f)}: 5th percentile of the lowest ankle at ${p5.toFixed(0)} mm`);
    assert.ok(median < 300, `${path.basename(f)}: median lowest ankle at ${median.toFixed(0)} mm`);
  }
});

test("resampled to 50 fps, bones stay within 2% (linear interpolation shortens chords slightly)", {
  skip: noBandai,
}, () => {
  const s = loadBvhSequence(path.join(data.dir, "bandai-namco-motion", "dataset-2_wave-both-hands_normal_016.bvh"));
  assert.equal(s.fps, 50);
  for (const [a, b] of RIGID) {
    const l = boneLengths(s.poses, s.frames, jointIndex(a), jointIndex(b));
    assert.ok((Math.max(...l) - Math.min(...l)) / Math.max(...l) < 0.02, `${a}-${b}`);
  }
});

test("warm-up frames are skipped as the manifest says and labels come from it", { skip }, () => {
  const f = path.join(data.dir, "cmu-mocap", "02_01.bvh");
  const s = loadBvhSequence(f);
  // 344 frames at 120 fps, skipping 10: (343 − 10)/120 s → floor(2.775 × 50) + 1 = 139 samples.
  assert.equal(s.frames, 139);
  assert.deepEqual([s.subject, s.action, s.sourceAction, s.dataset], ["cmu-02", "Walking", "walk", "cmu"]);
  if (has("bandai-namco-motion")) {
    const b = loadBvhSequence(path.join(data.dir, "bandai-namco-motion", "dataset-1_bow_angry_001.bvh"));
    assert.deepEqual([b.subject, b.action, b.sourceAction], ["bandai-P1", "Greeting", "bow"]);
  }
  // A file without a manifest still loads, with the profile's default warm-up and file-name labels.
  const lone = scratchDir("mocap-lone");
  fs.copyFileSync(f, path.join(lone, "02_01.bvh"));
  const l = loadBvhSequence(path.join(lone, "02_01.bvh"));
  assert.equal(l.frames, 139);
  assert.deepEqual([l.subject, l.action], ["cmu-02", "Other"]);
});

test("virtual capture: ≥ 99% of projected joints fall inside the image, per file and split", {
  skip,
  timeout: 300_000,
}, () => {
  const seqs = loadMocap({ dir: data.dir });
  const sequencesOf: Record<string, Set<string>> = {};
  for (const split of ["train", "val", "test"] as const) {
    const set = captureMocap(seqs, split);
    sequencesOf[split] = new Set(set.sequences);
    assert.ok(set.n > (split === "val" ? 100 : 1000), `${split}: ${set.n} samples`);
    for (let q = 0; q < set.sequences.length; q++) {
      let vis = 0,
        all = 0;
      for (let i = 0; i < set.n; i++) {
        if (set.sequence[i] !== q) continue;
        for (let j = 0; j < 17; j++) {
          vis += set.visible[i * 17 + j];
          all++;
        }
      }
      assert.ok(vis / all >= 0.99, `${set.sequences[q]}: ${((100 * vis) / all).toFixed(1)}% inside`);
    }
    // Subjects never cross splits; rigs are those of the split.
    for (const s of set.subjects) assert.equal(splitOf(s), split === "val" ? "train" : split);
    assert.deepEqual(
      [...new Set(set.rigs)].every((r) =>
        (split === "test" ? ["S9", "S11"] : ["S1", "S5", "S6", "S7", "S8"]).includes(r),
      ),
      true,
    );
  }
  // Validation holds out whole sequences of training subjects: no sequence is in two splits.
  for (const [a, b] of [
    ["train", "val"],
    ["train", "test"],
    ["val", "test"],
  ]) {
    assert.deepEqual(
      [...sequencesOf[a]].filter((s) => sequencesOf[b].has(s)),
      [],
      `${a} ∩ ${b}`,
    );
  }
});

test("a missing data folder says where data is looked for and how to get it", () => {
  assert.throws(
    () => mocapFolders("/nonexistent/hpe-data"),
    /no motion capture found in \/nonexistent\/hpe-data \(looked for cmu-mocap\/ and bandai-namco-motion\/.*npm run fetch-data.*HPE_DATA_DIR/,
  );
});
