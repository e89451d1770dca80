/**
 * Download of open motion capture into the data folder, with resume (HTTP Range on a
 * `.part` file), sha256 checks and atomic renames:
 * - CMU (BVH conversion; free licence), always: lib/data/cmu-mocap.json lists files and
 *   checksums; its `url_template` names the source (`{subject}` = two-digit subject,
 *   `{file}` = file name). `HPE_CMU_URL` overrides it.
 * - Bandai Namco Research Motion Dataset (CC BY-NC 4.0: non-commercial), opt-in:
 *   lib/data/bandai-namco-motion.json (`{source_path}` = the file's path in the source
 *   repository at the pinned commit). `HPE_BANDAI_URL` overrides it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../core/io";
import { rootRequire } from "../core/paths";
import { setting } from "../core/settings";

export interface FetchEntry {
  file: string;
  /** CMU subject number (`{subject}` in the URL template). */
  subject?: number;
  /** Path in the source repository (`{source_path}` in the URL template). */
  source_path?: string;
  bytes: number;
  sha256: string;
}

export interface CmuManifest {
  source: { url_template: string };
  files: (FetchEntry & Record<string, unknown>)[];
}

export function cmuManifest(): CmuManifest {
  return rootRequire("./lib/data/cmu-mocap.json") as CmuManifest;
}

export interface BandaiManifest {
  dataset: string;
  source: { repository: string; commit: string; url_template: string };
  license: { name: string; url: string; attribution: string; citation: string };
  files: (FetchEntry & Record<string, unknown>)[];
}

export function bandaiManifest(): BandaiManifest {
  return rootRequire("./lib/data/bandai-namco-motion.json") as BandaiManifest;
}

/** The licence notice printed before the Bandai Namco download (and kept in its README). */
export function bandaiLicenceNotice(m: BandaiManifest = bandaiManifest()): string {
  return [
    `${m.dataset}`,
    `Licence: ${m.license.name}, ${m.license.url}`,
    "NON-COMMERCIAL use only. Do not redistribute it with this project. Keep this attribution with the files and any results:",
    `  ${m.license.attribution}`,
    `Please cite: ${m.license.citation}`,
  ].join("\n");
}

export function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** True when the file exists with the expected size and checksum. */
export function isComplete(file: string, e: FetchEntry): boolean {
  return fs.existsSync(file) && fs.statSync(file).size === e.bytes && sha256File(file) === e.sha256;
}

export function entryUrl(template: string, e: FetchEntry): string {
  const need = (key: "subject" | "source_path") => {
    if (e[key] === undefined)
      throw new Error(`URL template ${template} needs {${key}}, but the manifest entry of ${e.file} has no "${key}"`);
    return String(e[key]);
  };
  let url = template.replace("{file}", e.file);
  if (url.includes("{subject}")) url = url.replace("{subject}", need("subject").padStart(2, "0"));
  if (url.includes("{source_path}")) url = url.replace("{source_path}", need("source_path"));
  return url;
}

/** Download one file, resuming a previous partial download. Throws on a checksum mismatch. */
export async function fetchOne(
  url: string,
  dest: string,
  e: FetchEntry,
  opts: { retries?: number } = {},
): Promise<"downloaded" | "present" | "resumed"> {
  if (isComplete(dest, e)) return "present";
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let resumed = false;
  const retries = opts.retries ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
      if (have > e.bytes) fs.rmSync(part);
      const from = fs.existsSync(part) ? have : 0;
      if (from < e.bytes) {
        const res = await fetch(url, { headers: from > 0 ? { Range: `bytes=${from}-` } : {} });
        if (res.status === 206 && from > 0) resumed = true;
        else if (res.status === 200) fs.rmSync(part, { force: true });
        else throw new Error(`HTTP ${res.status} ${res.statusText}`);
        const body = Buffer.from(await res.arrayBuffer());
        fs.appendFileSync(part, body);
      }
      const got = sha256File(part);
      if (got !== e.sha256) {
        fs.rmSync(part, { force: true });
        throw new ChecksumError(
          `${url}: checksum mismatch for ${e.file}: expected sha256 ${e.sha256}, got ${got}; the partial file was removed`,
        );
      }
      fs.renameSync(part, dest);
      return resumed ? "resumed" : "downloaded";
    } catch (err) {
      if (err instanceof ChecksumError || attempt > retries)
        throw err instanceof ChecksumError
          ? err
          : new Error(`${url}: download of ${e.file} failed after ${attempt} attempts: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

class ChecksumError extends Error {}

export interface FetchOptions {
  urlTemplate?: string;
  only?: string[];
  log?: (s: string) => void;
}

/** Fetch the files of a manifest into `dir` and write the manifest there (labels for the loader). */
async function fetchSet<M extends { files: (FetchEntry & Record<string, unknown>)[] }>(
  m: M,
  dir: string,
  template: string,
  opts: FetchOptions,
): Promise<Record<string, string>> {
  if (opts.only) {
    const unknown = opts.only.filter((f) => !m.files.some((e) => e.file === f));
    if (unknown.length) throw new Error(`not in the manifest: ${unknown.join(", ")}`);
  }
  const files = m.files.filter((f) => !opts.only || opts.only.includes(f.file));
  const result: Record<string, string> = {};
  let i = 0;
  for (const e of files) {
    const status = await fetchOne(entryUrl(template, e), path.join(dir, e.file), e);
    result[e.file] = status;
    opts.log?.(`[fetch] ${++i}/${files.length} ${e.file}: ${status}`);
  }
  writeJsonAtomic(path.join(dir, "manifest.json"), { ...m, files });
  return result;
}

/**
 * Fetch the CMU set into `<dataDir>/cmu-mocap/` and write its manifest.json there.
 * Returns what happened to each file.
 */
export async function fetchCmu(dataDir: string, opts: FetchOptions = {}): Promise<Record<string, string>> {
  const m = cmuManifest();
  return fetchSet(
    m,
    path.join(dataDir, "cmu-mocap"),
    opts.urlTemplate ?? setting("HPE_CMU_URL") ?? m.source.url_template,
    opts,
  );
}

/**
 * Fetch the Bandai Namco subset (CC BY-NC 4.0) into `<dataDir>/bandai-namco-motion/`, with
 * its manifest.json (labels, performer groups) and a LICENCE.txt holding the attribution.
 */
export async function fetchBandai(dataDir: string, opts: FetchOptions = {}): Promise<Record<string, string>> {
  const m = bandaiManifest();
  const dir = path.join(dataDir, "bandai-namco-motion");
  const r = await fetchSet(m, dir, opts.urlTemplate ?? setting("HPE_BANDAI_URL") ?? m.source.url_template, opts);
  writeFileAtomic(path.join(dir, "LICENCE.txt"), bandaiLicenceNotice(m) + "\n");
  return r;
}

/** Which open datasets are complete in the data folder (size and checksum of every listed file). */
export function datasetStatus(dataDir: string): { cmu: boolean; bandai: boolean } {
  const complete = (files: FetchEntry[], sub: string) =>
    files.every((e) => isComplete(path.join(dataDir, sub, e.file), e));
  return {
    cmu: complete(cmuManifest().files, "cmu-mocap"),
    bandai: complete(bandaiManifest().files, "bandai-namco-motion"),
  };
}

export interface DatasetInfo {
  /** Short name: `CMU`, `Bandai Namco`, `Human3.6M`. */
  name: string;
  folder: string;
  files: number;
  licence: string;
}

/**
 * The datasets found in a data folder (what the loaders read), and one line saying so:
 *   `[hpe3d] data: CMU (38 BVH files, free licence) + Bandai Namco (123 BVH files, CC BY-NC 4.0) in data/`
 * Notebooks print it (`console.log(describeData().line)`) so that every notebook and its
 * report says which data it ran on; the report header reads this line.
 */
export function describeData(dir: string): { datasets: DatasetInfo[]; line: string } {
  const count = (sub: string, re: RegExp): number => {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) return 0;
    return (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) => re.test(f)).length;
  };
  const all: DatasetInfo[] = [
    { name: "CMU", folder: "cmu-mocap", files: count("cmu-mocap", /\.bvh$/i), licence: "free licence" },
    {
      name: "Bandai Namco",
      folder: "bandai-namco-motion",
      files: count("bandai-namco-motion", /\.bvh$/i),
      licence: "CC BY-NC 4.0",
    },
    { name: "Human3.6M", folder: "h36m", files: count("h36m", /_flat\.npz$/), licence: "licence-restricted" },
  ];
  const datasets = all.filter((d) => d.files > 0);
  const unit = (d: DatasetInfo) => (d.name === "Human3.6M" ? "converted .npz files" : "BVH files");
  const where = path.relative(process.cwd(), dir);
  const shown = where && !where.startsWith("..") && !path.isAbsolute(where) ? `${where}/` : dir;
  const list = datasets.map((d) => `${d.name} (${d.files} ${unit(d)}, ${d.licence})`).join(" + ");
  return { datasets, line: `[hpe3d] data: ${list || "none found"} in ${shown}` };
}
