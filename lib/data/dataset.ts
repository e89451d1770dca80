/**
 * Datasets as flat pose sets: every (sequence, camera, frame) is one sample with its
 * camera-space 3D pose (mm), its 2D pose (pixels), a per-joint visibility mask, and labels.
 *
 * Sources: the open mocap in HPE_DATA_DIR (CMU, Bandai Namco) seen through virtual H36M
 * cameras, and Human3.6M itself (converted data_3d_h36m file) seen through its real cameras.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { virtualCapture, captureViews } from "./capture";
import { h36mCameras } from "../pose/camera";
import { loadH36m3d } from "./h36m";
import { loadBvhFolder, type MocapSequence } from "./mocap";
import { dataDir } from "../core/paths";
import type { LoaderLimits } from "./limits";
import { NUM_JOINTS } from "../pose/skeleton";
import { SPLITS, splitOf, type SplitName, validationFiles } from "./splits";
import { pickRows } from "../core/arrays";

/** Where data is read: `HPE_DATA_DIR`, or `data/` in the project (lib/core/paths.ts). */
export { dataDir };

/** The mocap folders found in the data folder, or an error saying where data is looked for and how to get it. */
export function mocapFolders(dir = dataDir()): { cmu?: string; bandai?: string } {
  const missing = () =>
    new Error(
      `no motion capture found in ${dir} (looked for cmu-mocap/ and bandai-namco-motion/ with .bvh files). ` +
        `Get the open CMU set with \`npm run fetch-data\` (downloads into data/), or point HPE_DATA_DIR at a folder that has them ` +
        `(for example HPE_DATA_DIR=/path/to/mocap). See environment.md.`,
    );
  if (!fs.existsSync(dir)) throw missing();
  const has = (sub: string) => {
    const d = path.join(dir, sub);
    return fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith(".bvh")) ? d : undefined;
  };
  const found = { cmu: has("cmu-mocap"), bandai: has("bandai-namco-motion") };
  if (!found.cmu && !found.bandai) throw missing();
  return found;
}

/** Load the shared mocap sequences (both sets when present), resampled to 50 fps. `limits`: see lib/data/limits.ts. */
export function loadMocap(
  opts: {
    dir?: string;
    sources?: ("cmu" | "bandai")[];
    filter?: (file: string) => boolean;
    limits?: Partial<LoaderLimits>;
  } = {},
): MocapSequence[] {
  const folders = mocapFolders(opts.dir);
  const want = opts.sources ?? ["cmu", "bandai"];
  const seqs: MocapSequence[] = [];
  for (const s of want) {
    const d = folders[s];
    if (d) seqs.push(...loadBvhFolder(d, { filter: opts.filter, limits: opts.limits }));
  }
  if (!seqs.length) throw new Error(`no sequences for sources ${want.join(", ")} in ${opts.dir ?? dataDir()}`);
  return seqs;
}

/** A flat set of samples. Arrays are indexed by sample i. */
export interface PoseSet {
  n: number;
  /** Camera-space 3D poses [n, 17, 3], mm. */
  poses3d: Float32Array;
  /** 2D poses [n, 17, 2], pixels. */
  poses2d: Float32Array;
  /** 1 where a 2D joint is observed, [n, 17]. */
  visible: Uint8Array;
  /** Label indices and their names. */
  action: Int32Array;
  actions: string[];
  sourceAction: Int32Array;
  sourceActions: string[];
  subject: Int32Array;
  subjects: string[];
  /** Camera index 0..3 and the H36M subject whose camera rig captured it. */
  camera: Int8Array;
  rig: Int32Array;
  rigs: string[];
  sequence: Int32Array;
  sequences: string[];
  frame: Int32Array;
}

class PoseSetBuilder {
  private chunks: {
    p3: Float32Array;
    p2: Float32Array;
    vis: Uint8Array;
    n: number;
    labels: [number, number, number, number, number, number];
  }[] = [];
  private dicts = {
    action: new Map<string, number>(),
    sourceAction: new Map<string, number>(),
    subject: new Map<string, number>(),
    rig: new Map<string, number>(),
    sequence: new Map<string, number>(),
  };

  private id(kind: keyof PoseSetBuilder["dicts"], name: string): number {
    const d = this.dicts[kind];
    if (!d.has(name)) d.set(name, d.size);
    return d.get(name)!;
  }

  add(
    p3: Float32Array,
    p2: Float32Array,
    vis: Uint8Array,
    l: { action: string; sourceAction: string; subject: string; rig: string; sequence: string; camera: number },
  ): void {
    const n = p3.length / (NUM_JOINTS * 3);
    this.chunks.push({
      p3,
      p2,
      vis,
      n,
      labels: [
        this.id("action", l.action),
        this.id("sourceAction", l.sourceAction),
        this.id("subject", l.subject),
        this.id("rig", l.rig),
        this.id("sequence", l.sequence),
        l.camera,
      ],
    });
  }

  build(): PoseSet {
    const n = this.chunks.reduce((s, c) => s + c.n, 0);
    const set: PoseSet = {
      n,
      poses3d: new Float32Array(n * NUM_JOINTS * 3),
      poses2d: new Float32Array(n * NUM_JOINTS * 2),
      visible: new Uint8Array(n * NUM_JOINTS),
      action: new Int32Array(n),
      actions: [...this.dicts.action.keys()],
      sourceAction: new Int32Array(n),
      sourceActions: [...this.dicts.sourceAction.keys()],
      subject: new Int32Array(n),
      subjects: [...this.dicts.subject.keys()],
      camera: new Int8Array(n),
      rig: new Int32Array(n),
      rigs: [...this.dicts.rig.keys()],
      sequence: new Int32Array(n),
      sequences: [...this.dicts.sequence.keys()],
      frame: new Int32Array(n),
    };
    let o = 0;
    for (const c of this.chunks) {
      set.poses3d.set(c.p3, o * NUM_JOINTS * 3);
      set.poses2d.set(c.p2, o * NUM_JOINTS * 2);
      set.visible.set(c.vis, o * NUM_JOINTS);
      const [a, sa, s, r, q, cam] = c.labels;
      set.action.fill(a, o, o + c.n);
      set.sourceAction.fill(sa, o, o + c.n);
      set.subject.fill(s, o, o + c.n);
      set.rig.fill(r, o, o + c.n);
      set.sequence.fill(q, o, o + c.n);
      set.camera.fill(cam, o, o + c.n);
      for (let f = 0; f < c.n; f++) set.frame[o + f] = f;
      o += c.n;
    }
    return set;
  }
}

/**
 * Virtual H36M capture of mocap sequences, for one split. Each sequence goes to the
 * camera rig of one H36M subject of that split (round robin over the split's rigs, in file
 * order), and is seen by its 4 cameras. Sequences of subjects in the other split are skipped,
 * unless `ignoreSplits` (evaluation on a folder the project has never seen).
 */
export function captureMocap(
  seqs: MocapSequence[],
  split: SplitName,
  opts: { everyNth?: number; ignoreSplits?: boolean } = {},
): PoseSet {
  const rigs = SPLITS.virtualCameras[split];
  const b = new PoseSetBuilder();
  const heldOut = opts.ignoreSplits ? new Set<string>() : validationFiles(seqs);
  const inSplit = (s: MocapSequence) => {
    if (opts.ignoreSplits) return true;
    if (split === "test") return splitOf(s.subject) === "test";
    return splitOf(s.subject) === "train" && heldOut.has(s.file) === (split === "val");
  };
  let k = 0;
  for (const s of seqs) {
    if (!inSplit(s)) continue;
    const rig = rigs[k++ % rigs.length];
    const { views } = virtualCapture(s.poses, rig, s.file);
    const step = opts.everyNth ?? 1;
    for (const v of views) {
      const idx = Array.from({ length: Math.ceil(s.frames / step) }, (_, i) => i * step);
      b.add(pick(v.poses3dCamMm, idx, 3), pick(v.poses2dPx, idx, 2), pick(v.visible, idx, 1), {
        action: s.action,
        sourceAction: s.sourceAction,
        subject: s.subject,
        rig,
        sequence: path.basename(s.file),
        camera: v.cameraIndex,
      });
    }
  }
  return b.build();
}

/** Frames `frames` (in order) of per-joint data with `dims` values per joint; all frames: `a` itself. */
function pick<T extends Float32Array | Uint8Array>(a: T, frames: number[], dims: number): T {
  const per = NUM_JOINTS * dims;
  return frames.length * per === a.length ? a : pickRows(a, frames, per);
}

/**
 * Human3.6M from a converted data_3d_h36m file, Protocol 1 split: each sequence seen by
 * its own subject's 4 real cameras (2D = ground-truth projection).
 */
export function loadH36mSplit(
  file: string,
  split: SplitName,
  opts: { everyNth?: number; limits?: Partial<LoaderLimits> } = {},
): PoseSet {
  const subjects = SPLITS.h36m[split === "test" ? "test" : "train"];
  const b = new PoseSetBuilder();
  const seqs = loadH36m3d(file, { subjects, limits: opts.limits });
  // Validation: held-out sequences of the training subjects, by the same rule as mocap.
  const heldOut = validationFiles(seqs.map((s) => ({ subject: s.subject, file: `${s.subject}/${s.sourceAction}` })));
  for (const s of seqs) {
    if (split !== "test" && heldOut.has(`${s.subject}/${s.sourceAction}`) !== (split === "val")) continue;
    const step = opts.everyNth ?? 1;
    const idx = Array.from({ length: Math.ceil(s.frames / step) }, (_, i) => i * step);
    const poses = pick(s.poses, idx, 3);
    for (const v of captureViews(poses, h36mCameras(s.subject), `${file} [${s.subject}/${s.sourceAction}]`)) {
      b.add(v.poses3dCamMm, v.poses2dPx, v.visible, {
        action: s.action,
        sourceAction: s.sourceAction,
        subject: s.subject,
        rig: s.subject,
        sequence: `${s.subject}/${s.sourceAction}`,
        camera: v.cameraIndex,
      });
    }
  }
  return b.build();
}

/** Frames per (label, label) pair, e.g. per subject and action, for dataset tables. */
export function countBy(
  set: PoseSet,
  rows: "subject" | "action" | "sourceAction",
  cols: "subject" | "action" | "sourceAction",
): { row: string; col: string; frames: number }[] {
  const names = { subject: set.subjects, action: set.actions, sourceAction: set.sourceActions };
  const counts = new Map<string, number>();
  for (let i = 0; i < set.n; i++) {
    const k = `${set[rows][i]}\u0000${set[cols][i]}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([k, frames]) => {
      const [r, c] = k.split("\u0000").map(Number);
      return { row: names[rows][r], col: names[cols][c], frames };
    })
    .sort((a, b) => a.row.localeCompare(b.row) || a.col.localeCompare(b.col));
}
