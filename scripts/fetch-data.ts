/**
 * Fetch the open CMU motion capture into data/cmu-mocap/ (resumable, checksummed).
 *   npm run fetch-data                 # download what is missing
 *   npm run fetch-data -- --if-missing # do nothing when the data folder already has mocap
 * HPE_DATA_DIR changes the target folder; HPE_CMU_URL the source (see environment.md).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../lib/data/dataset";
import { cmuManifest, fetchCmu, isComplete } from "../lib/data/fetch";

async function main(): Promise<void> {
  const dir = dataDir();
  if (process.argv.includes("--if-missing")) {
    const m = cmuManifest();
    const have = m.files.every((e) => isComplete(path.join(dir, "cmu-mocap", e.file), e));
    const other = fs.existsSync(path.join(dir, "bandai-namco-motion"));
    if (have || other) {
      console.log(`[fetch] motion capture present in ${dir}`);
      return;
    }
  }
  console.log(`[fetch] CMU motion capture → ${path.join(dir, "cmu-mocap")}`);
  const r = await fetchCmu(dir, { log: console.log });
  console.log(`[fetch] done: ${Object.values(r).filter((s) => s !== "present").length} downloaded, ${Object.values(r).filter((s) => s === "present").length} already present`);
}

main().catch((e) => {
  console.error(`[fetch] ${e instanceof Error ? e.message : String(e)}`);
  console.error(`[fetch] without internet, point HPE_DATA_DIR at a folder holding cmu-mocap/ or bandai-namco-motion/ (see environment.md)`);
  process.exit(1);
});
