/**
 * Photos in: decode JPEG, PNG or WebP files to 8-bit RGB with sharp (libvips), upright.
 *
 * - The header is read first and the pixel count checked before any pixel buffer is allocated
 *   (`maxMegapixels`, default 50): a huge image is refused with a clear error.
 * - EXIF orientation is applied (`autoOrient`), so width/height are those of the upright photo.
 * - Alpha is dropped, grey and CMYK are converted to sRGB: the result always has 3 channels.
 * - A corrupt file, a truncated one or a file that is not an image gives a one-line error naming it.
 * No TF.js here: the detector turns an `RgbImage` into a tensor.
 */
import * as fs from "node:fs";
import sharp, { type Metadata, type OutputInfo } from "sharp";

/** Default pixel limit: 50 megapixels (an 8-bit RGB buffer of 150 MB). */
export const MAX_MEGAPIXELS = 50;

/** Formats `readImage` accepts (sharp's names). */
export const IMAGE_FORMATS = ["jpeg", "png", "webp"] as const;

/** File name endings that `listImages` picks up. */
export const IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"] as const;

/** A decoded, upright photo. */
export interface RgbImage {
  /** Where it was read from (for messages). */
  file: string;
  /** Width and height in pixels, after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** Pixels, row-major, [height, width, 3] RGB, 0–255. */
  data: Uint8Array;
  /** The EXIF orientation tag that was applied (1 = none). */
  exifOrientation: number;
}

export interface ReadImageOptions {
  /** Refuse images with more pixels than this many millions (default `MAX_MEGAPIXELS`). */
  maxMegapixels?: number;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0].trim();
}

/**
 * Read one photo. Throws `<file>: <what is wrong>` for a missing, non-image, corrupt or oversize file.
 */
export async function readImage(file: string, opts: ReadImageOptions = {}): Promise<RgbImage> {
  const maxMp = opts.maxMegapixels ?? MAX_MEGAPIXELS;
  if (!(maxMp > 0)) throw new Error(`readImage: maxMegapixels must be > 0, got ${maxMp}`);
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  if (!fs.statSync(file).isFile()) throw new Error(`${file}: not a file`);
  if (fs.statSync(file).size === 0) throw new Error(`${file}: empty file, expected a JPEG, PNG or WebP image`);
  const maxPixels = Math.floor(maxMp * 1e6);
  // The header is read without a limit, to say the size; limitInputPixels then guards the decode inside
  // libvips as well. failOn "error" rejects truncated or corrupt data.
  const input = (limitInputPixels: number | false) =>
    sharp(file, { limitInputPixels, failOn: "error", autoOrient: false });

  let meta: Metadata;
  try {
    meta = await input(false).metadata();
  } catch (e) {
    throw new Error(`${file}: not a readable image (expected JPEG, PNG or WebP): ${firstLine(e)}`);
  }
  if (!meta.format || !(IMAGE_FORMATS as readonly string[]).includes(meta.format)) {
    throw new Error(
      `${file}: image format "${meta.format}" is not supported; expected one of ${IMAGE_FORMATS.join(", ")}`,
    );
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!(w > 0 && h > 0)) throw new Error(`${file}: the header gives no image size (width ${w}, height ${h})`);
  if (w * h > maxPixels) {
    const mp = ((w * h) / 1e6).toFixed(1);
    throw new Error(`${file}: ${w}×${h} is ${mp} megapixels, over the limit of ${maxMp}; downscale it first`);
  }

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await input(maxPixels)
      .autoOrient()
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(`${file}: corrupt or truncated ${meta.format} data: ${firstLine(e)}`);
  }
  const { info, data } = decoded;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new Error(
      `${file}: decoded to ${info.width}×${info.height}×${info.channels} (${data.length} bytes); expected 3 channels`,
    );
  }
  return {
    file,
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    exifOrientation: meta.orientation ?? 1,
  };
}

/** Image files of a folder (by extension), sorted by name. Throws when the folder is missing. */
export function listImages(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder`);
  return fs
    .readdirSync(dir)
    .filter((f) => (IMAGE_EXTENSIONS as readonly string[]).some((ext) => f.toLowerCase().endsWith(ext)))
    .sort()
    .map((f) => `${dir}/${f}`);
}

/**
 * The image scaled down (Lanczos, by sharp) so that its longer side is at most `maxSide`; returned as is
 * when it already fits. `scale` is new size / old size; photo pixel (x, y) becomes ((x + ½)·scale − ½, …).
 */
export async function fitWithin(img: RgbImage, maxSide: number): Promise<{ image: RgbImage; scale: number }> {
  if (!(maxSide >= 1)) throw new Error(`fitWithin: maxSide must be ≥ 1, got ${maxSide}`);
  const longer = Math.max(img.width, img.height);
  if (longer <= maxSide) return { image: img, scale: 1 };
  const width = Math.max(1, Math.round((img.width * maxSide) / longer));
  const height = Math.max(1, Math.round((img.height * maxSide) / longer));
  const raw = { width: img.width, height: img.height, channels: 3 as const };
  const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw })
    .resize(width, height, { fit: "fill" })
    .raw()
    .toBuffer();
  const image = { ...img, width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  return { image, scale: width / img.width };
}

/** Write an RGB image as PNG (for overlays and checks). */
export async function writePng(file: string, img: Pick<RgbImage, "width" | "height" | "data">): Promise<void> {
  const { width, height, data } = img;
  if (data.length !== width * height * 3) {
    throw new Error(
      `writePng ${file}: expected ${width}×${height}×3 = ${width * height * 3} bytes, got ${data.length}`,
    );
  }
  await sharp(Buffer.from(data.buffer, data.byteOffset, data.length), { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

/** The image as a PNG data URI, scaled down to a longer side of at most `maxSide` px (for inline figures). */
export async function pngDataUri(img: RgbImage, maxSide = 640): Promise<string> {
  const { image } = await fitWithin(img, maxSide);
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}
