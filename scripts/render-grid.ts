/**
 * Debug view of the image modality: renders a grid of samples from the mocap data and writes a PNG.
 *   node --import tsx scripts/render-grid.ts [out.png] [--size 64] [--n 16] [--seed 1] [--zoom 3]
 * Each tile is one renderBatch image; a dot marks the projected LWrist (white) and RWrist (black)
 * when --dots is given, to check sides by eye.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { captureMocap, loadMocap } from "../lib/data/dataset";
import { applyCrop, renderBatch } from "../lib/data/render";
import { H36M_INTRINSICS, projectToImage } from "../lib/pose/camera";
import { jointIndex, NUM_JOINTS } from "../lib/pose/skeleton";
import { mulberry32, sampleIndices } from "../lib/core/rng";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
/** RGB8 [h, w, 3] → PNG bytes. */
function encodePng(rgb: Uint8Array, w: number, h: number): Buffer {
  const raw = Buffer.alloc(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) raw.set(rgb.subarray(y * w * 3, (y + 1) * w * 3), y * (w * 3 + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

const out =
  process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : path.resolve("out", "render", "grid.png");
const size = arg("size", 64),
  n = arg("n", 16),
  seed = arg("seed", 1),
  zoom = arg("zoom", 3),
  dots = process.argv.includes("--dots");
const seqs = loadMocap({
  filter: (f) => /02_01|05_01|08_02|13_1[0-9]|dataset-1_(walk|run|dance|bow|punch|kick)_normal_001/.test(f),
});
const set = captureMocap(seqs, "train", { everyNth: 7, ignoreSplits: true });
const idx = sampleIndices(set.n, n, mulberry32(seed));
const { images, crops } = renderBatch(set, idx, { size }, seed);
const cols = Math.ceil(Math.sqrt(n)),
  rows = Math.ceil(n / cols),
  gap = 2;
const W = cols * (size * zoom + gap) + gap,
  H = rows * (size * zoom + gap) + gap;
const png = new Uint8Array(W * H * 3).fill(255);
for (let b = 0; b < n; b++) {
  const ox = gap + (b % cols) * (size * zoom + gap),
    oy = gap + Math.floor(b / cols) * (size * zoom + gap);
  const put = (x: number, y: number, c: number[]) => {
    const q = ((oy + y) * W + ox + x) * 3;
    png[q] = c[0];
    png[q + 1] = c[1];
    png[q + 2] = c[2];
  };
  for (let y = 0; y < size * zoom; y++)
    for (let x = 0; x < size * zoom; x++) {
      const q = ((b * size + Math.floor(y / zoom)) * size + Math.floor(x / zoom)) * 3;
      put(
        x,
        y,
        [0, 1, 2].map((c) => Math.round((images[q + c] + 1) * 127.5)),
      );
    }
  if (dots) {
    const i = idx[b];
    const uv = applyCrop(
      projectToImage(
        set.poses3d.subarray(i * NUM_JOINTS * 3, (i + 1) * NUM_JOINTS * 3),
        H36M_INTRINSICS[set.camera[i]],
      ),
      crops[b],
    );
    for (const [j, c] of [
      [jointIndex("LWrist"), [255, 255, 255]],
      [jointIndex("RWrist"), [0, 0, 0]],
    ] as const) {
      const cx = uv[j * 2] * zoom,
        cy = uv[j * 2 + 1] * zoom;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const x = Math.round(cx) + dx,
            y = Math.round(cy) + dy;
          if (x >= 0 && y >= 0 && x < size * zoom && y < size * zoom) put(x, y, [...c]);
        }
    }
  }
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, encodePng(png, W, H));
console.log(
  `${out}: ${n} samples at ${size} px (seed ${seed}) from ${set.n} poses; actions ${[...new Set(Array.from(idx, (i) => set.actions[set.action[i]]))].join(", ")}`,
);
