/**
 * Fetch open motion capture into the data folder (resumable, checksummed):
 *   npm run fetch-data                  # CMU (free licence) into data/cmu-mocap/
 *   npm run fetch-data -- --bandai      # also the Bandai Namco subset (CC BY-NC 4.0, non-commercial)
 *   npm run fetch-data -- --if-missing  # do nothing when the data folder already has mocap
 * HPE_DATA_DIR changes the target folder; HPE_CMU_URL / HPE_BANDAI_URL the sources (see environment.md).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../lib/data/dataset";
import { bandaiLicenceNotice, bandaiManifest, cmuManifest, fetchBandai, fetchCmu, isComplete } from "../lib/data/fetch";

const USAGE = "usage: npm run fetch-data [-- --bandai] [--if-missing]";

function summary(r: Record<string, string>): string {
  const v = Object.values(r);
  return `${v.filter((s) => s !== "present").length} downloaded, ${v.filter((s) => s === "present").length} already present`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !["--bandai", "--if-missing"].includes(a));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(" ")}; ${USAGE}`);
  const dir = dataDir();
  const bandai = args.includes("--bandai");
  if (args.includes("--if-missing")) {
    const m = cmuManifest();
    const have = m.files.every((e) => isComplete(path.join(dir, "cmu-mocap", e.file), e));
    const other = fs.existsSync(path.join(dir, "bandai-namco-motion"));
    if ((have || other) && !bandai) {
      console.log(`[fetch] motion capture present in ${dir}`);
      return;
    }
  }
  console.log(`[fetch] CMU motion capture → ${path.join(dir, "cmu-mocap")}`);
  console.log(
    `[fetch] CMU: ${cmuManifest().files.length} files; free for research and commercial use (mocap.cs.cmu.edu)`,
  );
  console.log(`[fetch] CMU done: ${summary(await fetchCmu(dir, { log: console.log }))}`);
  if (!bandai) {
    console.log(
      "[fetch] the Bandai Namco set (CC BY-NC 4.0, non-commercial; most of the shared test split) is opt-in: npm run fetch-data -- --bandai",
    );
    return;
  }
  const m = bandaiManifest();
  const bytes = m.files.reduce((s, e) => s + e.bytes, 0);
  console.log(
    `[fetch] Bandai Namco Research Motion Dataset → ${path.join(dir, "bandai-namco-motion")} (${m.files.length} files, ${(bytes / 1e6).toFixed(1)} MB)`,
  );
  console.log(
    bandaiLicenceNotice(m)
      .split("\n")
      .map((l) => `[fetch] ${l}`)
      .join("\n"),
  );
  console.log(
    `[fetch] Bandai Namco done: ${summary(await fetchBandai(dir, { log: console.log }))}; attribution in bandai-namco-motion/LICENCE.txt`,
  );
}

main().catch((e) => {
  console.error(`[fetch] ${e instanceof Error ? e.message : String(e)}`);
  console.error(
    `[fetch] without internet, point HPE_DATA_DIR at a folder holding cmu-mocap/ or bandai-namco-motion/ (see environment.md)`,
  );
  process.exit(1);
});
