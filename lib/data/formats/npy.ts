/**
 * NumPy .npy / .npz reading and writing, without Python.
 *
 * Supported dtypes: float32/64, int8/16/32, uint8/16/32, bool (little-endian, C order).
 * **Pickled object arrays (dtype 'O') are refused**: hpe3d never unpickles, because
 * unpickling runs arbitrary code. VideoPose3D's `data_3d_h36m.npz` stores a pickled dict;
 * convert it once with `scripts/convert_h36m.py` (see environment.md).
 * Every error names the file (and the archive entry) and what was expected.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { writeFileAtomic } from "../../core/io";

export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export interface NdArray {
  dtype: string;
  shape: number[];
  data: NpyData;
}

const DTYPES: Record<string, { bytes: number; make: (b: ArrayBuffer, o: number, n: number) => NpyData }> = {
  "<f4": { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  "<f8": { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  "|i1": { bytes: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  "<i2": { bytes: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  "<i4": { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  "|u1": { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  "<u2": { bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  "<u4": { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  "|b1": { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
};

function dtypeOf(a: NpyData): string {
  if (a instanceof Float32Array) return "<f4";
  if (a instanceof Float64Array) return "<f8";
  if (a instanceof Int8Array) return "|i1";
  if (a instanceof Int16Array) return "<i2";
  if (a instanceof Int32Array) return "<i4";
  if (a instanceof Uint8Array) return "|u1";
  if (a instanceof Uint16Array) return "<u2";
  return "<u4";
}

/** Parse one .npy buffer. `where` names the file (and entry) in errors. */
export function parseNpy(buf: Uint8Array, where: string): NdArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (buf.length < 10 || !magic.every((b, i) => buf[i] === b)) throw new Error(`${where}: not a .npy array (bad magic bytes)`);
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (buf.length < headerStart + headerLen) throw new Error(`${where}: truncated .npy header`);
  const header = Buffer.from(buf.subarray(headerStart, headerStart + headerLen)).toString("latin1");
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${where}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  if (descr.includes("O")) {
    throw new Error(
      `${where}: holds a pickled object array (dtype '${descr}'); hpe3d refuses to unpickle (it can run arbitrary code). ` +
        `If this is VideoPose3D's data_3d_h36m.npz or data_2d_h36m_*.npz, convert it once with ` +
        `\`python3 scripts/convert_h36m.py <file>\` (see environment.md).`,
    );
  }
  const dt = DTYPES[descr === "<f4" || descr === "=f4" ? "<f4" : descr.replace(/^=/, "<")];
  if (!dt) throw new Error(`${where}: unsupported dtype '${descr}'; expected one of ${Object.keys(DTYPES).join(", ")} (little-endian)`);
  if (fortran === "True") throw new Error(`${where}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${where}: bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * dt.bytes;
  if (buf.length - dataStart < need) {
    throw new Error(`${where}: truncated data: shape [${shape.join(", ")}] ${descr} needs ${need} bytes, file has ${buf.length - dataStart}`);
  }
  // Copy into an aligned buffer (the payload offset is not always a multiple of the element size).
  const copy = new ArrayBuffer(need);
  new Uint8Array(copy).set(buf.subarray(dataStart, dataStart + need));
  return { dtype: descr, shape, data: dt.make(copy, 0, count) };
}

/** Serialize an array as .npy (version 1.0). */
export function formatNpy(arr: { data: NpyData; shape: number[] }): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) throw new Error(`formatNpy: shape [${arr.shape}] has ${count} elements, data has ${arr.data.length}`);
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(", ")})`;
  let header = `{'descr': '${dtypeOf(arr.data)}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const out = new Uint8Array(10 + header.length + arr.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), 10 + header.length);
  return out;
}

/** Read a .npy file. */
export function readNpy(file: string): NdArray {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  return parseNpy(fs.readFileSync(file), file);
}

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function zipEntries(buf: Buffer, file: string): ZipEntry[] {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file}: not a .npz (zip) archive, or truncated: no end-of-archive record`);
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20; // zip64 end-of-central-directory locator
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new Error(`${file}: corrupt zip64 archive`);
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt zip central directory (entry ${k})`);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    const e: ZipEntry = {
      name: buf.subarray(p + 46, p + 46 + nameLen).toString("utf8"),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
    };
    // zip64 extra field (id 1) holds the 64-bit values that are 0xffffffff above.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = buf.readUInt16LE(x), len = buf.readUInt16LE(x + 2);
      if (id === 1) {
        let q = x + 4;
        if (e.size === 0xffffffff) { e.size = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (e.compressedSize === 0xffffffff) { e.compressedSize = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (e.localOffset === 0xffffffff) e.localOffset = Number(buf.readBigUInt64LE(q));
      }
      x += 4 + len;
    }
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * Read a .npz archive (stored or deflated entries). Returns arrays by key (the entry
 * name without `.npy`). CRCs are checked, so a corrupt file is an error, not bad numbers.
 */
export function readNpz(file: string): Map<string, NdArray> {
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
  const buf = fs.readFileSync(file);
  const out = new Map<string, NdArray>();
  for (const e of zipEntries(buf, file)) {
    const where = `${file} [${e.name}]`;
    const lh = e.localOffset;
    if (lh + 30 > buf.length || buf.readUInt32LE(lh) !== 0x04034b50) throw new Error(`${where}: corrupt zip entry header`);
    const start = lh + 30 + buf.readUInt16LE(lh + 26) + buf.readUInt16LE(lh + 28);
    if (start + e.compressedSize > buf.length) throw new Error(`${where}: truncated: entry needs ${e.compressedSize} bytes, archive ends ${buf.length - start} bytes after its start`);
    const raw = buf.subarray(start, start + e.compressedSize);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (err) {
        throw new Error(`${where}: corrupt compressed data (${(err as Error).message})`);
      }
    } else throw new Error(`${where}: unsupported zip compression method ${e.method} (expected stored or deflate)`);
    if (data.length !== e.size) throw new Error(`${where}: size ${data.length} differs from the archive's ${e.size}`);
    if (zlib.crc32(data) >>> 0 !== e.crc >>> 0) throw new Error(`${where}: CRC mismatch: the file is corrupt`);
    out.set(e.name.replace(/\.npy$/, ""), parseNpy(data, where));
  }
  return out;
}

/** Write arrays as a .npz archive (deflated unless `compress: false`), atomically. */
export function writeNpz(file: string, arrays: Record<string, { data: NpyData; shape: number[] }>, opts: { compress?: boolean } = {}): void {
  const compress = opts.compress ?? true;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [key, arr] of Object.entries(arrays)) {
    const name = Buffer.from(`${key}.npy`, "utf8");
    const data = Buffer.from(formatNpy(arr));
    const body = compress ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32(data) >>> 0;
    if (offset + 30 + name.length + body.length > 0xfffffffe) throw new Error(`writeNpz ${file}: archives over 4 GiB are not supported`);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(compress ? 8 : 0, 8);
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(body.length, 18); lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(20, 4); cd.writeUInt16LE(20, 6); cd.writeUInt16LE(compress ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16); cd.writeUInt32LE(body.length, 20); cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    centrals.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(arrays).length, 8); end.writeUInt16LE(Object.keys(arrays).length, 10);
  end.writeUInt32LE(cdBuf.length, 12); end.writeUInt32LE(offset, 16);
  writeFileAtomic(file, Buffer.concat([...locals, cdBuf, end]));
}
