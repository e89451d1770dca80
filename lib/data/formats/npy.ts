/**
 * NumPy .npy / .npz reading and writing, without Python.
 *
 * Supported dtypes: float32/64, int8/16/32, uint8/16/32, bool (little-endian, C order).
 * **Pickled object arrays (dtype 'O') are refused**: hpe3d never unpickles, because
 * unpickling runs arbitrary code. VideoPose3D's `data_3d_h36m.npz` stores a pickled dict;
 * convert it once with `scripts/convert_h36m.py` (see environment.md).
 * Every error is an `InputError` naming the file (and the archive entry) and what was expected.
 * Declared sizes are checked against the file and against `LoaderLimits` before anything is
 * allocated or decompressed.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { writeFileAtomic } from "../../core/io";
import { InputError, quote } from "../../core/errors";
import { raiseHint, resolveLimits, type LoaderLimits } from "../limits";

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

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

/** Options of the .npy/.npz readers. */
export interface NpyReadOptions {
  /** Resource limits (file size, total uncompressed size); see lib/data/limits.ts. */
  limits?: Partial<LoaderLimits>;
  /** Refuse float arrays that hold NaN or ±Infinity (an `InputError` naming the entry and index). */
  finite?: boolean;
}

/** "3, 4" → [3, 4]; "5," → [5]; "" → []; anything else ("(,,,)", "-1", "2,,3") → undefined. */
function parseShape(text: string): number[] | undefined {
  if (!text.trim()) return [];
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // "(5,)"
  return parts.every((p) => /^\d+$/.test(p)) ? parts.map(Number) : undefined;
}

/** Check a float array is finite; `at` places the entry in the error. */
function checkFiniteArray(a: NdArray, file: string, at?: string): void {
  if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) return;
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]))
      throw new InputError(
        file,
        "data",
        `element ${i} of shape [${a.shape.join(", ")}] is not finite (${a.data[i]})`,
        at,
      );
  }
}

/**
 * Parse one .npy buffer. `where` names the file (and entry) in errors. The result may share
 * memory with `buf` (no copy when the payload is aligned, as numpy writes it).
 */
export function parseNpy(buf: Uint8Array, where: string): NdArray {
  return parseNpyIn(buf, where);
}

function parseNpyIn(buf: Uint8Array, file: string, at?: string): NdArray {
  const fail = (field: string, detail: string) => new InputError(file, field, detail, at);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (buf.length < 10 || !magic.every((b, i) => buf[i] === b))
    throw fail("magic", "not a .npy array (bad magic bytes)");
  const major = buf[6];
  if (major < 1 || major > 3)
    throw fail("version", `unsupported .npy format version ${major}.${buf[7]} (expected 1.0, 2.0 or 3.0)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (major > 1 && buf.length < 12) throw fail("header", "truncated .npy header");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (buf.length < headerStart + headerLen)
    throw fail("header", `truncated .npy header: declares ${headerLen} bytes, ${buf.length - headerStart} present`);
  const header = Buffer.from(buf.subarray(headerStart, headerStart + headerLen)).toString(
    major === 3 ? "utf8" : "latin1",
  );
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fail("header", `unreadable .npy header ${quote(header.trim())}`);
  if (descr.includes("O")) {
    throw fail(
      "descr",
      `holds a pickled object array (dtype '${quote(descr).slice(1, -1)}'); hpe3d refuses to unpickle (it can run arbitrary code). ` +
        `If this is VideoPose3D's data_3d_h36m.npz or data_2d_h36m_*.npz, convert it once with ` +
        `\`python3 scripts/convert_h36m.py <file>\` (see environment.md).`,
    );
  }
  const dt = DTYPES[descr === "<f4" || descr === "=f4" ? "<f4" : descr.replace(/^=/, "<")];
  if (!dt)
    throw fail(
      "descr",
      `unsupported dtype ${quote(descr)}; expected one of ${Object.keys(DTYPES).join(", ")} (little-endian)`,
    );
  if (fortran === "True")
    throw fail("fortran_order", "Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
  const shape = parseShape(shapeText);
  if (!shape)
    throw fail(
      "shape",
      `bad shape (${quote(shapeText).slice(1, -1)}); expected non-negative integers separated by commas`,
    );
  if (shape.length > 32) throw fail("shape", `${shape.length} dimensions; at most 32 are supported`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * dt.bytes;
  const have = buf.length - dataStart;
  if (have < need)
    throw fail("shape", `truncated data: shape [${shape.join(", ")}] ${descr} needs ${need} bytes, file has ${have}`);
  if (have > need)
    throw fail(
      "shape",
      `shape [${shape.join(", ")}] ${descr} needs ${need} bytes, but ${have} follow the header (${have - need} extra)`,
    );
  // View the payload in place when it is aligned (numpy pads headers to 64 bytes); copy otherwise.
  if ((buf.byteOffset + dataStart) % dt.bytes === 0)
    return { dtype: descr, shape, data: dt.make(buf.buffer as ArrayBuffer, buf.byteOffset + dataStart, count) };
  const copy = new ArrayBuffer(need);
  new Uint8Array(copy).set(buf.subarray(dataStart, dataStart + need));
  return { dtype: descr, shape, data: dt.make(copy, 0, count) };
}

/** Serialize an array as .npy (version 1.0). */
export function formatNpy(arr: { data: NpyData; shape: number[] }): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length)
    throw new Error(`formatNpy: shape [${arr.shape}] has ${count} elements, data has ${arr.data.length}`);
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

/** Read a file whole after checking its size against `limits.maxArrayFileBytes`. */
function readLimited(file: string, limits: LoaderLimits): Buffer {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new InputError(file, "file", "file not found");
    throw new InputError(file, "file", `cannot read (${(e as Error).message})`);
  }
  if (size > limits.maxArrayFileBytes) {
    throw new InputError(
      file,
      "size",
      `file size ${size} bytes exceeds the limit of ${limits.maxArrayFileBytes} bytes (maxArrayFileBytes); ${raiseHint("maxArrayFileBytes")}`,
    );
  }
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new InputError(file, "file", `cannot read (${(e as Error).message})`);
  }
}

/** Read a .npy file. */
export function readNpy(file: string, opts: NpyReadOptions = {}): NdArray {
  const a = parseNpyIn(readLimited(file, resolveLimits(opts.limits)), file);
  if (opts.finite) checkFiniteArray(a, file);
  return a;
}

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function zipEntries(buf: Buffer, file: string, limits: LoaderLimits): ZipEntry[] {
  const fail = (field: string, detail: string) => new InputError(file, field, detail);
  const u64 = (at: number, what: string) => {
    if (at < 0 || at + 8 > buf.length)
      throw fail("zip64", `corrupt zip64 ${what}: offset ${at} is outside the ${buf.length}-byte file`);
    return Number(buf.readBigUInt64LE(at));
  };
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail("end of archive", "not a .npz (zip) archive, or truncated: no end-of-archive record");
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20; // zip64 end-of-central-directory locator
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw fail("zip64", "corrupt zip64 archive: no zip64 locator");
    const z64 = u64(loc + 8, "end record offset");
    count = u64(z64 + 32, "entry count");
    cdOffset = u64(z64 + 48, "directory offset");
  }
  // Each central directory record takes at least 46 bytes: bound the count by the file.
  if (count * 46 > buf.length)
    throw fail("entries", `declares ${count} entries, more than a ${buf.length}-byte file can hold`);
  if (count > limits.maxNpzEntries) {
    throw fail(
      "entries",
      `declares ${count} entries, over the limit of ${limits.maxNpzEntries} (maxNpzEntries); ${raiseHint("maxNpzEntries")}`,
    );
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50)
      throw fail("central directory", `corrupt zip central directory (entry ${k})`);
    const nameLen = buf.readUInt16LE(p + 28),
      extraLen = buf.readUInt16LE(p + 30),
      commentLen = buf.readUInt16LE(p + 32);
    if (p + 46 + nameLen + extraLen + commentLen > buf.length)
      throw fail("central directory", `corrupt zip central directory (entry ${k} runs past the end)`);
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
      const id = buf.readUInt16LE(x),
        len = buf.readUInt16LE(x + 2);
      if (x + 4 + len > xEnd) throw fail("central directory", `corrupt extra field in entry ${quote(e.name)}`);
      if (id === 1) {
        let q = x + 4;
        const take = () => {
          if (q + 8 > x + 4 + len) throw fail("zip64", `zip64 field of entry ${quote(e.name)} is too short`);
          const v = u64(q, "size field");
          q += 8;
          return v;
        };
        if (e.size === 0xffffffff) e.size = take();
        if (e.compressedSize === 0xffffffff) e.compressedSize = take();
        if (e.localOffset === 0xffffffff) e.localOffset = take();
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
 * Before anything is decompressed, the declared sizes are checked: together at most
 * `limits.maxNpzBytes`, stored entries as long as their data; a deflate stream that grows
 * past its declared size is stopped there. Duplicate entry names are refused.
 */
export function readNpz(file: string, opts: NpyReadOptions = {}): Map<string, NdArray> {
  const limits = resolveLimits(opts.limits);
  const buf = readLimited(file, limits);
  const entries = zipEntries(buf, file, limits);
  const seen = new Set<string>();
  let total = 0;
  for (const e of entries) {
    const key = e.name.replace(/\.npy$/, "");
    if (seen.has(key))
      throw new InputError(file, "entries", `duplicate entry ${quote(e.name)}: each array name may appear once`);
    seen.add(key);
    total += e.size;
    if (total > limits.maxNpzBytes) {
      throw new InputError(
        file,
        "entry size",
        `entries declare ${total} bytes uncompressed (up to ${quote(e.name)}), over the limit of ${limits.maxNpzBytes} (maxNpzBytes); ${raiseHint("maxNpzBytes")}`,
      );
    }
  }
  const out = new Map<string, NdArray>();
  for (const e of entries) {
    const at = `[${e.name}]`;
    const fail = (field: string, detail: string) => new InputError(file, field, detail, at);
    const lh = e.localOffset;
    if (lh + 30 > buf.length || buf.readUInt32LE(lh) !== 0x04034b50)
      throw fail("local header", "corrupt zip entry header");
    const start = lh + 30 + buf.readUInt16LE(lh + 26) + buf.readUInt16LE(lh + 28);
    if (start > buf.length)
      throw fail("local header", `corrupt zip entry header: its name and extra field run past the end of the file`);
    if (start + e.compressedSize > buf.length) {
      const left = buf.length - start;
      throw fail(
        "compressed size",
        `truncated: entry needs ${e.compressedSize} bytes, archive ends ${left} bytes after its start`,
      );
    }
    const raw = buf.subarray(start, start + e.compressedSize);
    let data: Buffer;
    if (e.method === 0) {
      if (e.size !== e.compressedSize)
        throw fail("entry size", `stored entry declares ${e.size} bytes but holds ${e.compressedSize}`);
      data = raw;
    } else if (e.method === 8) {
      try {
        // One output buffer of the declared size (+1 byte to see overrun); the stream stops
        // as soon as it would grow past the declared size.
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size), chunkSize: Math.max(64, e.size + 1) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
          throw fail("entry size", `decompresses to more than its declared ${e.size} bytes: the archive is corrupt`);
        }
        throw fail("compressed data", `corrupt compressed data (${(err as Error).message})`);
      }
    } else throw fail("method", `unsupported zip compression method ${e.method} (expected stored or deflate)`);
    if (data.length !== e.size) throw fail("entry size", `size ${data.length} differs from the archive's ${e.size}`);
    if (zlib.crc32(data) >>> 0 !== e.crc >>> 0) throw fail("crc", "CRC mismatch: the file is corrupt");
    const arr = parseNpyIn(data, file, at);
    if (opts.finite) checkFiniteArray(arr, file, at);
    out.set(e.name.replace(/\.npy$/, ""), arr);
  }
  return out;
}

/** A zip archive of `entries` (stored or deflated) with their CRCs; the entries' contents may be anything. */
export function zipArchive(entries: { name: string; data: Buffer }[], compress: boolean): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const body = compress ? zlib.deflateRawSync(e.data) : e.data;
    const crc = zlib.crc32(e.data) >>> 0;
    if (offset + 30 + name.length + body.length > 0xfffffffe)
      throw new Error("zipArchive: archives over 4 GiB are not supported");
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(compress ? 8 : 0, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(compress ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    centrals.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

/** Write arrays as a .npz archive (deflated unless `compress: false`), atomically. */
export function writeNpz(
  file: string,
  arrays: Record<string, { data: NpyData; shape: number[] }>,
  opts: { compress?: boolean } = {},
): void {
  const entries = Object.entries(arrays).map(([key, arr]) => ({
    name: `${key}.npy`,
    data: Buffer.from(formatNpy(arr)),
  }));
  let zip: Buffer;
  try {
    zip = zipArchive(entries, opts.compress ?? true);
  } catch (e) {
    throw new Error(`writeNpz ${file}: ${(e as Error).message.replace(/^zipArchive: /, "")}`);
  }
  writeFileAtomic(file, zip);
}
