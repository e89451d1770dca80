/**
 * A seeded fuzz campaign over the data loaders: mutated copies of real BVH files, and of
 * .npy/.npz files written here (Human3.6M 3D and 2D layouts). Each case writes one file, loads
 * it with the loader a user would call, and records how it ended:
 * - `ok`: loaded, and every number in the output is finite;
 * - `typed`: an `InputError` whose `file` is the case's file and whose message starts with it;
 * - `untyped`: anything else thrown (or an `InputError` that does not name the file);
 * - `nonfinite`: loaded, but NaN/Inf in the output.
 * Case i of seed s is the same file on every run (its generator is seeded by (s, i)).
 * Used by tests/fuzz.test.ts (a few hundred cases) and scripts/fuzz.ts (the full campaign).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isInputError } from "../../lib/core/errors";
import { mulberry32, normal, type Random } from "../../lib/core/rng";
import { formatNpy, readNpy, zipArchive, type NpyData } from "../../lib/data/formats/npy";
import { loadH36m2d, loadH36m3d } from "../../lib/data/h36m";
import { loadBvhSequence } from "../../lib/data/mocap";

export type Target = "bvh" | "npy" | "npz3d" | "npz2d";
export type Outcome = "ok" | "typed" | "untyped" | "nonfinite";

export interface CaseResult {
  index: number;
  target: Target;
  mutation: string;
  file: string;
  outcome: Outcome;
  /** Error message (first 200 characters) for errors. */
  message?: string;
  /** Wall-clock time of the load. */
  ms: number;
  /** CPU time (user + system) of the load: the bound that holds on a busy machine. */
  cpuMs: number;
  /** Peak resident set size of the process so far, bytes. */
  maxRssBytes: number;
}

export interface CampaignOptions {
  seed: number;
  cases: number;
  /** Scratch folder for the case files (each is deleted after its case). */
  dir: string;
  /** Real BVH files to mutate; BVH cases are left out when empty. */
  bvhFiles: string[];
  /** Called after each case (progress, early checks). */
  onCase?: (r: CaseResult) => void;
  /** Keep the files of cases that did not end in `ok`/`typed` (for a bug report). */
  keepFailures?: boolean;
}

export interface Summary {
  cases: number;
  ok: number;
  typed: number;
  untyped: number;
  nonfinite: number;
  maxMs: number;
  maxCpuMs: number;
  maxRssBytes: number;
  byTarget: Record<string, { cases: number; ok: number; typed: number; untyped: number; nonfinite: number }>;
  failures: CaseResult[];
}

const pick = <T>(r: Random, a: readonly T[]): T => a[Math.floor(r() * a.length)];
const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** The generator of case `index` under `seed`. */
export function caseRandom(seed: number, index: number): Random {
  return mulberry32((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

// ---------------------------------------------------------------- byte-level mutations

function truncate(r: Random, b: Buffer): Buffer {
  return b.subarray(0, int(r, 0, Math.max(0, b.length - 1)));
}

function flipBytes(r: Random, b: Buffer, from = 0, to = b.length): Buffer {
  const out = Buffer.from(b);
  const n = int(r, 1, 8);
  for (let k = 0; k < n && to > from; k++)
    out[int(r, from, to - 1)] = pick(r, [0x00, 0xff, 0x80, 0x2e, 0x2d, 0x20, 0x0a, 0x39, int(r, 0, 255)]);
  return out;
}

function insertAt(r: Random, b: Buffer, insert: Buffer): Buffer {
  const at = int(r, 0, b.length);
  return Buffer.concat([b.subarray(0, at), insert, b.subarray(at)]);
}

// ---------------------------------------------------------------- BVH

const HUGE_NUMBERS = [
  "1e39",
  "-3.5e38",
  "3.4e38",
  "1e38",
  "3e38",
  "1e308",
  "1e309",
  "-1e309",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x1F",
  "0b101",
  "0o17",
  "1e-320",
  "1..2",
  "١٢",
  "",
];

function bvhMutation(r: Random, text: string): { name: string; data: Buffer } {
  const lines = text.split("\n");
  const kinds = [
    "truncate",
    "flip",
    "frames",
    "frametime",
    "offset",
    "deleteline",
    "dupjoint",
    "channels",
    "values",
    "rows",
    "nul",
    "longline",
    "combo",
    "benign",
    "benign",
  ];
  const kind = pick(r, kinds);
  const edit = (k: string, ls: string[]): string[] => {
    const out = ls.slice();
    const hier = Math.max(
      1,
      out.findIndex((l) => l.trim() === "MOTION"),
    );
    const rows0 = hier + 3;
    switch (k) {
      case "frames": {
        const i = out.findIndex((l) => l.startsWith("Frames:"));
        const n = Number(out[i]?.split(/\s+/)[1] ?? 1);
        if (i >= 0)
          out[i] =
            `Frames: ${pick(r, [0, 1, n - 1, n + 1, 2 * n, 999_999, 100_000_000, "99999999999999999999", -5, "1e3", "abc", "0x10", ""])}`;
        break;
      }
      case "frametime": {
        const i = out.findIndex((l) => l.startsWith("Frame Time:"));
        if (i >= 0)
          out[i] =
            `Frame Time: ${pick(r, ["1000", "100", "1", "0.9", "0", "-0.0083", "Infinity", "NaN", "1e-9", "0.0005", "0x1F", "1e309", ""])}`;
        break;
      }
      case "offset": {
        const idx = out.map((l, i) => (l.trim().startsWith("OFFSET") ? i : -1)).filter((i) => i >= 0);
        if (idx.length) {
          const i = pick(r, idx);
          const parts = out[i].trim().split(/\s+/);
          parts[int(r, 1, 3)] = pick(r, HUGE_NUMBERS);
          out[i] = parts.join(" ");
        }
        break;
      }
      case "deleteline":
        out.splice(int(r, 0, Math.min(out.length - 1, hier + 2)), 1);
        break;
      case "dupjoint": {
        const idx = out.map((l, i) => (/^\s*(JOINT|ROOT)\s/.test(l) ? i : -1)).filter((i) => i >= 0);
        if (idx.length > 1) {
          const a = pick(r, idx),
            b = pick(r, idx);
          out[a] = out[a].replace(
            /(JOINT|ROOT)\s+.*/,
            (_m, kw) => `${kw} ${out[b].trim().split(/\s+/).slice(1).join(" ")}`,
          );
        }
        break;
      }
      case "channels": {
        const idx = out.map((l, i) => (l.trim().startsWith("CHANNELS") ? i : -1)).filter((i) => i >= 0);
        if (idx.length) {
          const i = pick(r, idx);
          const parts = out[i].trim().split(/\s+/);
          const v = int(r, 0, 3);
          if (v === 0 && parts.length > 3)
            parts[3] = parts[2]; // duplicate channel name
          else if (v === 1) parts[1] = String(pick(r, [0, 7, 1000000, -1]));
          else if (v === 2) parts.push("Xrotation");
          else parts[1] = pick(r, ["3.0", "0x3", "three"]);
          out[i] = parts.join(" ");
        }
        break;
      }
      case "values": {
        const n = int(r, 1, 4);
        for (let k = 0; k < n && rows0 < out.length - 1; k++) {
          const i = int(r, rows0, out.length - 1);
          const parts = out[i].trim().split(/\s+/);
          if (parts.length) parts[int(r, 0, parts.length - 1)] = pick(r, HUGE_NUMBERS);
          out[i] = parts.join(" ");
        }
        break;
      }
      case "benign": {
        // Edits a correct loader accepts: line endings, blank lines, slow or fast frame rates, large finite values.
        const v = int(r, 0, 4);
        if (v === 0) return out.map((l) => l.replace(/\r?$/, "\r"));
        if (v === 1) out.push("", "   ", "");
        if (v === 2) {
          const i = out.findIndex((l) => l.startsWith("Frame Time:"));
          if (i >= 0) out[i] = `Frame Time: ${pick(r, ["1", "0.5", "0.001", "0.0125"])}`;
        }
        if (v === 3 && rows0 < out.length - 1) {
          const i = int(r, rows0, out.length - 1);
          const parts = out[i].trim().split(/\s+/);
          if (parts.length > 3) parts[int(r, 3, parts.length - 1)] = pick(r, ["1e5", "-1e30", "720", "+.5", "3.4e38"]); // rotations (degrees)
          out[i] = parts.join(" ");
        }
        if (v === 4) for (let i = rows0; i < out.length; i++) out[i] = out[i].replace(/ /g, "\t");
        break;
      }
      case "rows": {
        const v = int(r, 0, 3);
        if (v === 0 && rows0 < out.length - 1) out.splice(int(r, rows0, out.length - 1), int(r, 1, 5));
        else if (v === 1 && rows0 < out.length - 1) {
          const i = int(r, rows0, out.length - 2);
          out.splice(i, 0, out[i]);
        } else if (v === 2)
          out.push(pick(r, ["garbage", "0 0 0", "MOTION", "\u0000\u0000", out[out.length - 2] ?? "1"]));
        else if (rows0 < out.length - 1) {
          const i = int(r, rows0, out.length - 1);
          out[i] = `${out[i]} 0`;
        }
        break;
      }
    }
    return out;
  };
  const bytes = (ls: string[]) => Buffer.from(ls.join("\n"), "utf8");
  switch (kind) {
    case "truncate":
      return { name: kind, data: truncate(r, Buffer.from(text, "utf8")) };
    case "flip":
      return { name: kind, data: flipBytes(r, Buffer.from(text, "utf8")) };
    case "nul":
      return { name: kind, data: insertAt(r, Buffer.from(text, "utf8"), Buffer.alloc(int(r, 1, 4096))) };
    case "longline":
      return {
        name: kind,
        data: insertAt(r, Buffer.from(text, "utf8"), Buffer.from(`\n${"7".repeat(int(r, 100_000, 2_000_000))}\n`)),
      };
    case "combo": {
      let ls = lines;
      const names: string[] = [];
      for (let k = int(r, 2, 3); k > 0; k--) {
        const k2 = pick(r, ["frames", "frametime", "offset", "deleteline", "dupjoint", "channels", "values", "rows"]);
        names.push(k2);
        ls = edit(k2, ls);
      }
      return { name: `combo(${names.join("+")})`, data: bytes(ls) };
    }
    default:
      return { name: kind, data: bytes(edit(kind, lines)) };
  }
}

// ---------------------------------------------------------------- npy

const DTYPES = ["<f4", "<f8", "<i4", "|u1", "<i2"] as const;

function randomArray(r: Random, dtype: string, n: number): NpyData {
  const vals = Array.from({ length: n }, () => normal(r) * 100);
  if (dtype === "<f4") return Float32Array.from(vals);
  if (dtype === "<f8") return Float64Array.from(vals);
  if (dtype === "<i4") return Int32Array.from(vals, Math.round);
  if (dtype === "<i2") return Int16Array.from(vals, Math.round);
  return Uint8Array.from(vals, (v) => Math.abs(Math.round(v)) % 256);
}

const SHAPE_EDITS = [
  ",,,",
  "100000000000, 3",
  "99999999999999999999,",
  "-1,",
  "3,,4",
  "",
  "0,",
  "1e3,",
  "2147483648, 2147483648",
  "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33",
  "4294967296,",
  "3",
  " 5 , ",
];
const DESCR_EDITS = [">f4", "|O", "<f2", "<c8", "<U10", "x", "<f4'", "", "O"];

/** Edit the header text of a .npy buffer (version 1.0), keeping its length field consistent. */
function editNpyHeader(b: Buffer, f: (h: string) => string): Buffer {
  const len = b.readUInt16LE(8);
  const h = f(b.subarray(10, 10 + len).toString("latin1"));
  const hb = Buffer.from(h, "latin1");
  const lenBuf = Buffer.alloc(2);
  lenBuf.writeUInt16LE(Math.min(hb.length, 0xffff));
  return Buffer.concat([b.subarray(0, 8), lenBuf, hb, b.subarray(10 + len)]);
}

function npyMutation(r: Random): { name: string; data: Buffer } {
  const dtype = pick(r, DTYPES);
  const shape = Array.from({ length: int(r, 0, 3) }, () => int(r, 0, 6));
  const n = shape.reduce((a, b) => a * b, 1);
  const data = randomArray(r, dtype, n);
  const kind = pick(r, [
    "none",
    "truncate",
    "flip",
    "flipheader",
    "shape",
    "descr",
    "headerlen",
    "version",
    "nonfinite",
    "append",
    "nul",
  ]);
  if (kind === "nonfinite" && (dtype === "<f4" || dtype === "<f8") && n > 0) {
    data[int(r, 0, n - 1)] = pick(r, [NaN, Infinity, -Infinity, dtype === "<f4" ? 3e38 : 1e308]);
  }
  const base = Buffer.from(formatNpy({ data, shape }));
  switch (kind) {
    case "truncate":
      return { name: kind, data: truncate(r, base) };
    case "flip":
      return { name: kind, data: flipBytes(r, base) };
    case "flipheader":
      return { name: kind, data: flipBytes(r, base, 0, Math.min(base.length, 128)) };
    case "shape":
      return {
        name: kind,
        data: editNpyHeader(base, (h) => h.replace(/'shape': \([^)]*\)/, `'shape': (${pick(r, SHAPE_EDITS)})`)),
      };
    case "descr":
      return {
        name: kind,
        data: editNpyHeader(base, (h) => h.replace(/'descr': '[^']*'/, `'descr': '${pick(r, DESCR_EDITS)}'`)),
      };
    case "headerlen": {
      const b = Buffer.from(base);
      b.writeUInt16LE(pick(r, [0, 1, 9, 0xffff, int(r, 0, 300)]), 8);
      return { name: kind, data: b };
    }
    case "version": {
      const b = Buffer.from(base);
      b[6] = pick(r, [0, 2, 3, 4, 255]);
      return { name: kind, data: b };
    }
    case "append":
      return { name: kind, data: Buffer.concat([base, Buffer.alloc(int(r, 1, 64), 7)]) };
    case "nul":
      return {
        name: kind,
        data: editNpyHeader(base, (h) => h.replace("'shape'", `'shape${"\u0000".repeat(int(r, 1, 4000))}'`)),
      };
    default:
      return { name: kind, data: base };
  }
}

// ---------------------------------------------------------------- npz (zip)

const ACTIONS = ["Walking 1", "Eating", "Directions", "TakingPhoto 2", "SittingDown"];

function h36mEntries(
  r: Random,
  two: boolean,
): { name: string; data: Buffer; values: Float32Array | Float64Array; shape: number[] }[] {
  const out: { name: string; data: Buffer; values: Float32Array | Float64Array; shape: number[] }[] = [];
  const n = int(r, 1, 4);
  for (let k = 0; k < n; k++) {
    const frames = int(r, 1, 12);
    const shape = two ? [frames, 17, 2] : [frames, pick(r, [32, 32, 17]), 3];
    const count = shape.reduce((a, b) => a * b, 1);
    const f8 = r() < 0.2;
    const values = f8 ? new Float64Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = two ? 500 + 200 * normal(r) : 0.5 * normal(r);
    const name = two
      ? `S${pick(r, [1, 5, 9])}/${pick(r, ACTIONS)}/${k % 4}.npy`
      : `S${pick(r, [1, 5, 9, 11])}/${ACTIONS[k % ACTIONS.length]}.npy`;
    out.push({ name, data: Buffer.from(formatNpy({ data: values, shape })), values, shape });
  }
  if (two) {
    const meta = Buffer.from('{"layout_name": "h36m", "num_joints": 17}');
    out.unshift({
      name: "metadata.npy",
      data: Buffer.from(formatNpy({ data: Uint8Array.from(meta), shape: [meta.length] })),
      values: new Float32Array(0),
      shape: [],
    });
  }
  return out;
}

/** Offsets of the central directory records and the end record of a zip made by zipArchive. */
function zipLayout(b: Buffer): { cds: number[]; eocd: number } {
  const cds: number[] = [];
  let eocd = -1;
  for (let i = 0; i + 4 <= b.length; i++) {
    const sig = b.readUInt32LE(i);
    if (sig === 0x02014b50) cds.push(i);
    else if (sig === 0x06054b50) eocd = i;
  }
  return { cds, eocd };
}

function npzMutation(r: Random, two: boolean): { name: string; data: Buffer } {
  const entries = h36mEntries(r, two);
  const compress = r() < 0.7;
  const kind = pick(r, [
    "none",
    "truncate",
    "flip",
    "flipcd",
    "field",
    "hugesize",
    "bomb",
    "dup",
    "nonfinite",
    "inner",
    "metadata",
    "key",
    "many",
  ]);
  const build = () =>
    zipArchive(
      entries.map((e) => ({ name: e.name, data: e.data })),
      compress,
    );
  switch (kind) {
    case "truncate":
      return { name: kind, data: truncate(r, build()) };
    case "flip":
      return { name: kind, data: flipBytes(r, build()) };
    case "flipcd": {
      const b = build();
      const { cds } = zipLayout(b);
      return { name: kind, data: flipBytes(r, b, cds[0] ?? 0) };
    }
    case "field": {
      const b = build();
      const { cds, eocd } = zipLayout(b);
      const cd = pick(r, cds);
      const v = pick(r, [0, 1, 0xffff, 0xffffffff, 0xfffffff0, int(r, 0, b.length * 2)]);
      const [name, at, bytes] = pick(r, [
        ["size", cd + 24, 4],
        ["csize", cd + 20, 4],
        ["offset", cd + 42, 4],
        ["namelen", cd + 28, 2],
        ["extralen", cd + 30, 2],
        ["method", cd + 10, 2],
        ["count", eocd + 10, 2],
        ["cdoffset", eocd + 16, 4],
        ["lnamelen", 26, 2],
      ] as [string, number, number][]);
      if (bytes === 2) b.writeUInt16LE(v & 0xffff, at);
      else b.writeUInt32LE(v >>> 0, at);
      return { name: `field(${name}=${v})`, data: b };
    }
    case "hugesize": {
      const b = build();
      for (const cd of zipLayout(b).cds) b.writeUInt32LE(pick(r, [0xfffffff0, 0x7fffffff, 0x40000001]), cd + 24);
      return { name: kind, data: b };
    }
    case "bomb": {
      // An entry whose deflate stream inflates to 8 MB while it declares a few hundred bytes.
      const zeros = Buffer.alloc(8_000_000);
      const b = zipArchive([{ name: two ? "metadata.npy" : "S1/Walking 1.npy", data: zeros }], true);
      const { cds } = zipLayout(b);
      const declared = pick(r, [0, 1, 300, 1000]);
      b.writeUInt32LE(declared, cds[0] + 24);
      b.writeUInt32LE(declared, 22);
      return { name: `bomb(declared ${declared})`, data: b };
    }
    case "dup": {
      if (entries.length > 1) entries[entries.length - 1].name = entries[entries.length - 2].name;
      else entries.push({ ...entries[0] });
      return { name: kind, data: build() };
    }
    case "nonfinite": {
      const e = entries[entries.length - 1];
      const bad = pick(
        r,
        e.values instanceof Float64Array
          ? [NaN, Infinity, -Infinity, 1e39, 1e308]
          : [NaN, Infinity, -Infinity, 1e38, 3e38],
      );
      e.values[int(r, 0, e.values.length - 1)] = bad;
      e.data = Buffer.from(formatNpy({ data: e.values, shape: e.shape }));
      return { name: `nonfinite(${bad})`, data: build() };
    }
    case "inner": {
      // Mutate the .npy inside an entry; the archive's CRC is recomputed, so only the npy parser can catch it.
      const e = entries[entries.length - 1];
      const v = int(r, 0, 3);
      if (v === 0)
        e.data = editNpyHeader(e.data, (h) => h.replace(/'shape': \([^)]*\)/, `'shape': (${pick(r, SHAPE_EDITS)})`));
      else if (v === 1)
        e.data = editNpyHeader(e.data, (h) => h.replace(/'descr': '[^']*'/, `'descr': '${pick(r, DESCR_EDITS)}'`));
      else if (v === 2) e.data = truncate(r, e.data);
      else e.data = flipBytes(r, e.data);
      return { name: `inner(${v})`, data: build() };
    }
    case "metadata": {
      const text = pick(r, [
        "null",
        "[]",
        '{"layout_name": "h36m", "num_joints": 1e9}',
        '{"layout_name": "coco"}',
        "\u0000\u0000",
        "{",
        '"h36m"',
        `{"layout_name": "${"x".repeat(5000)}"}`,
      ]);
      const meta = Buffer.from(text);
      const m = {
        name: "metadata.npy",
        data: Buffer.from(formatNpy({ data: Uint8Array.from(meta), shape: [meta.length] })),
        values: new Float32Array(0),
        shape: [],
      };
      if (entries[0]?.name === "metadata.npy") entries[0] = m;
      else entries.unshift(m);
      return { name: kind, data: build() };
    }
    case "key": {
      entries[entries.length - 1].name = pick(r, [
        "S1.npy",
        "X1/Walking.npy",
        `S1/${"\u0000".repeat(300)}.npy`,
        "S1/Dancing 2.npy",
        "S1/Walking/7.npy",
        "metadata.npy",
        "S1/.npy",
        `S1/${"é".repeat(5000)}.npy`,
      ]);
      return { name: kind, data: build() };
    }
    case "many": {
      const base = entries[entries.length - 1];
      const list = Array.from({ length: int(r, 100, 5000) }, (_, i) => ({
        name: `S1/Walking ${i}.npy`,
        data: base.data,
      }));
      return { name: `many(${list.length})`, data: zipArchive(list, compress) };
    }
    default:
      return { name: kind, data: build() };
  }
}

// ---------------------------------------------------------------- running

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** Load `file` with the target's loader; true when every output number is finite. */
function load(target: Target, file: string): boolean {
  if (target === "bvh") return allFinite(loadBvhSequence(file).poses);
  if (target === "npy") return allFinite(readNpy(file, { finite: true }).data);
  if (target === "npz3d") return loadH36m3d(file).every((s) => allFinite(s.poses));
  const d = loadH36m2d(file);
  return d.keys().every((k) => {
    const parts = k.split("/"); // subject/action/camera
    return allFinite(d.get(parts[0], parts.slice(1, -1).join("/"), Number(parts[parts.length - 1])));
  });
}

const textCache = new Map<string, string>();

/** Write case `index` of `seed` into `dir`; returns its target, mutation and file. */
export function makeCase(
  seed: number,
  index: number,
  dir: string,
  bvhFiles: string[],
): { target: Target; mutation: string; file: string } {
  const r = caseRandom(seed, index);
  const targets: Target[] = bvhFiles.length ? ["bvh", "bvh", "npy", "npz3d", "npz2d"] : ["npy", "npz3d", "npz2d"];
  const target = pick(r, targets);
  let m: { name: string; data: Buffer };
  let ext = ".npz";
  if (target === "bvh") {
    const src = pick(r, bvhFiles);
    if (!textCache.has(src)) textCache.set(src, fs.readFileSync(src, "utf8"));
    m = bvhMutation(r, textCache.get(src)!);
    m.name = `${path.basename(src)}:${m.name}`;
    ext = ".bvh";
  } else if (target === "npy") {
    m = npyMutation(r);
    ext = ".npy";
  } else m = npzMutation(r, target === "npz2d");
  const file = path.join(dir, `case-${seed}-${index}${ext}`);
  fs.writeFileSync(file, m.data);
  return { target, mutation: m.name, file };
}

/** Run one case: write its file, load it, classify the ending. */
export function runCase(
  seed: number,
  index: number,
  dir: string,
  bvhFiles: string[],
  keepFailures = false,
): CaseResult {
  const { target, mutation, file } = makeCase(seed, index, dir, bvhFiles);
  const t0 = performance.now(),
    c0 = process.cpuUsage();
  let outcome: Outcome, message: string | undefined;
  try {
    outcome = load(target, file) ? "ok" : "nonfinite";
  } catch (e) {
    message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    outcome = isInputError(e) && e.file === file && e.message.startsWith(file) ? "typed" : "untyped";
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (!keepFailures || outcome === "ok" || outcome === "typed") fs.rmSync(file, { force: true });
  return {
    index,
    target,
    mutation,
    file,
    outcome,
    message: message?.slice(0, 200),
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** Run cases 0..cases-1 of `seed` and summarize. */
export function runCampaign(opts: CampaignOptions): Summary {
  fs.mkdirSync(opts.dir, { recursive: true });
  const s: Summary = {
    cases: 0,
    ok: 0,
    typed: 0,
    untyped: 0,
    nonfinite: 0,
    maxMs: 0,
    maxCpuMs: 0,
    maxRssBytes: 0,
    byTarget: {},
    failures: [],
  };
  for (let i = 0; i < opts.cases; i++) {
    const res = runCase(opts.seed, i, opts.dir, opts.bvhFiles, opts.keepFailures);
    s.cases++;
    s[res.outcome]++;
    s.byTarget[res.target] ??= { cases: 0, ok: 0, typed: 0, untyped: 0, nonfinite: 0 };
    const t = s.byTarget[res.target];
    t.cases++;
    t[res.outcome]++;
    s.maxMs = Math.max(s.maxMs, res.ms);
    s.maxCpuMs = Math.max(s.maxCpuMs, res.cpuMs);
    s.maxRssBytes = Math.max(s.maxRssBytes, res.maxRssBytes);
    if (res.outcome === "untyped" || res.outcome === "nonfinite") s.failures.push(res);
    opts.onCase?.(res);
  }
  return s;
}

/** The summary as a text table. */
export function formatSummary(s: Summary): string {
  const rows = [["target", "cases", "ok", "typed errors", "untyped errors", "non-finite"]];
  for (const [k, t] of Object.entries(s.byTarget))
    rows.push([k, ...[t.cases, t.ok, t.typed, t.untyped, t.nonfinite].map(String)]);
  rows.push(["all", ...[s.cases, s.ok, s.typed, s.untyped, s.nonfinite].map(String)]);
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c ? v.padStart(w[c]) : v.padEnd(w[c]))).join("  ");
  return [
    line(rows[0]),
    ...rows.slice(1).map(line),
    "",
    `max ms per case: ${s.maxMs.toFixed(0)} wall, ${s.maxCpuMs.toFixed(0)} CPU`,
    `max RSS: ${(s.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
  ].join("\n");
}
