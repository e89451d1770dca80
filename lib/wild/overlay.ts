/**
 * Keypoints drawn onto the photo (an SVG layer composited by sharp), written as PNG: for checking by eye.
 * Boxes in grey, COCO-17 skeletons in colour (person's left in blue, right in orange), BlazePose's
 * landmarks as small green dots. Keypoints below `minScore` are not drawn.
 */
import sharp from "sharp";
import type { CocoKeypoint } from "../pose/skeleton";
import type { Detection } from "./detector";
import type { RgbImage } from "./images";

/** COCO-17 limbs by name. */
export const COCO_BONES: readonly (readonly [CocoKeypoint, CocoKeypoint])[] = [
  ["left_shoulder", "right_shoulder"],
  ["left_hip", "right_hip"],
  ["left_shoulder", "left_hip"],
  ["right_shoulder", "right_hip"],
  ["left_shoulder", "left_elbow"],
  ["left_elbow", "left_wrist"],
  ["right_shoulder", "right_elbow"],
  ["right_elbow", "right_wrist"],
  ["left_hip", "left_knee"],
  ["left_knee", "left_ankle"],
  ["right_hip", "right_knee"],
  ["right_knee", "right_ankle"],
  ["nose", "left_eye"],
  ["nose", "right_eye"],
  ["left_eye", "left_ear"],
  ["right_eye", "right_ear"],
];

const side = (n: string) => (n.startsWith("left") ? "#1f77ff" : n.startsWith("right") ? "#ff7f0e" : "#ffffff");

/** The SVG layer for one detection. */
export function detectionSvg(det: Detection, minScore = 0.3): string {
  const s = Math.max(det.width, det.height) / 400; // stroke scale
  const parts: string[] = [`<svg width="${det.width}" height="${det.height}" xmlns="http://www.w3.org/2000/svg">`];
  for (const p of det.people) {
    const b = p.box;
    parts.push(
      `<rect x="${b.xMin}" y="${b.yMin}" width="${b.xMax - b.xMin}" height="${b.yMax - b.yMin}" fill="none" ` +
        `stroke="#cccccc" stroke-width="${s}" stroke-dasharray="${4 * s}"/>`,
      `<text x="${b.xMin + 2 * s}" y="${b.yMin + 10 * s}" font-size="${9 * s}" fill="#ffff00">${p.boxScore.toFixed(2)}</text>`,
    );
    for (const l of p.blazepose?.landmarks ?? []) {
      if (l.visibility >= minScore) parts.push(`<circle cx="${l.x}" cy="${l.y}" r="${1.2 * s}" fill="#00ff66"/>`);
    }
    const byName = new Map(p.keypoints.map((k) => [k.name, k]));
    for (const [a, c] of COCO_BONES) {
      const ka = byName.get(a)!,
        kc = byName.get(c)!;
      if (ka.score < minScore || kc.score < minScore) continue;
      parts.push(
        `<line x1="${ka.x}" y1="${ka.y}" x2="${kc.x}" y2="${kc.y}" stroke="${side(c)}" stroke-width="${1.5 * s}"/>`,
      );
    }
    for (const k of p.keypoints) {
      if (k.score < minScore) continue;
      const style = `fill="${side(k.name)}" stroke="#000" stroke-width="${0.4 * s}"`;
      parts.push(`<circle cx="${k.x}" cy="${k.y}" r="${2 * s}" ${style}/>`);
    }
  }
  parts.push("</svg>");
  return parts.join("");
}

/** Write the photo with its detection drawn on it as a PNG. */
export async function writeOverlayPng(file: string, img: RgbImage, det: Detection, minScore = 0.3): Promise<void> {
  if (img.width !== det.width || img.height !== det.height) {
    throw new Error(
      `writeOverlayPng ${file}: image is ${img.width}×${img.height} but the detection is ${det.width}×${det.height}`,
    );
  }
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .composite([{ input: Buffer.from(detectionSvg(det, minScore)) }])
    .png()
    .toFile(file);
}
