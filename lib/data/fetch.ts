/**
 * Download of the open CMU motion capture (BVH conversion) into the data folder, with
 * resume (HTTP Range on a `.part` file), sha256 checks and atomic renames. The file list
 * and checksums are in lib/data/cmu-mocap.json; its `url_template` names the source
 * (`{subject}` = two-digit subject, `{file}` = file name). `HPE_CMU_URL` overrides it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeJsonAtomic } from "../core/io";
import { rootRequire } from "../core/paths";

export interface FetchEntry {
  file: string;
  subject: number;
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

export function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** True when the file exists with the expected size and checksum. */
export function isComplete(file: string, e: FetchEntry): boolean {
  return fs.existsSync(file) && fs.statSync(file).size === e.bytes && sha256File(file) === e.sha256;
}

export function entryUrl(template: string, e: FetchEntry): string {
  return template.replace("{subject}", String(e.subject).padStart(2, "0")).replace("{file}", e.file);
}

/** Download one file, resuming a previous partial download. Throws on a checksum mismatch. */
export async function fetchOne(url: string, dest: string, e: FetchEntry, opts: { retries?: number } = {}): Promise<"downloaded" | "present" | "resumed"> {
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
        throw new ChecksumError(`${url}: checksum mismatch for ${e.file}: expected sha256 ${e.sha256}, got ${got}; the partial file was removed`);
      }
      fs.renameSync(part, dest);
      return resumed ? "resumed" : "downloaded";
    } catch (err) {
      if (err instanceof ChecksumError || attempt > retries) throw err instanceof ChecksumError ? err : new Error(`${url}: download of ${e.file} failed after ${attempt} attempts: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

class ChecksumError extends Error {}

/**
 * Fetch the CMU set into `<dataDir>/cmu-mocap/` and write its manifest.json there.
 * Returns what happened to each file.
 */
export async function fetchCmu(dataDir: string, opts: { urlTemplate?: string; only?: string[]; log?: (s: string) => void } = {}): Promise<Record<string, string>> {
  const m = cmuManifest();
  const template = opts.urlTemplate ?? process.env.HPE_CMU_URL ?? m.source.url_template;
  const dir = path.join(dataDir, "cmu-mocap");
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
