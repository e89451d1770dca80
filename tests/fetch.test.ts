/** The CMU fetch, against a local HTTP server that serves the shared data (never the internet). */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { cmuManifest, fetchCmu, fetchOne } from "../lib/data/fetch";
import { mocapDataDir, scratchDir } from "./helpers";
import { mirrorServer } from "./support/mirror-server";

const data = mocapDataDir();
const skip = data.skip || (!fs.existsSync(path.join(data.dir, "cmu-mocap")) && "no cmu-mocap folder to serve");
const mirror = mirrorServer(data.dir, { "": "cmu-mocap" });
after(() => mirror.close());

async function base(): Promise<string> {
  return `${await mirror.base()}/{file}`;
}

test("fetch downloads, verifies, skips what is present and resumes a partial file", {
  skip,
  timeout: 60_000,
}, async () => {
  const dir = scratchDir("fetch");
  const only = ["02_01.bvh", "07_03.bvh", "13_13.bvh"];
  const r1 = await fetchCmu(dir, { urlTemplate: await base(), only });
  assert.deepEqual(Object.values(r1), ["downloaded", "downloaded", "downloaded"]);
  for (const f of only)
    assert.deepEqual(
      fs.readFileSync(path.join(dir, "cmu-mocap", f)),
      fs.readFileSync(path.join(data.dir, "cmu-mocap", f)),
    );
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "cmu-mocap", "manifest.json"), "utf8"));
  assert.deepEqual(
    manifest.files.map((f: { file: string }) => f.file),
    only,
  );
  const r2 = await fetchCmu(dir, { urlTemplate: await base(), only });
  assert.deepEqual(Object.values(r2), ["present", "present", "present"]);
  // A killed download leaves a .part file: the next run asks for the rest only.
  const target = path.join(dir, "cmu-mocap", "07_03.bvh");
  const full = fs.readFileSync(target);
  fs.rmSync(target);
  fs.writeFileSync(`${target}.part`, full.subarray(0, 1000));
  const r3 = await fetchCmu(dir, { urlTemplate: await base(), only });
  assert.equal(r3["07_03.bvh"], "resumed");
  assert.ok(mirror.ranges.includes("07_03.bvh:1000"), `range requests: ${mirror.ranges.join(", ")}`);
  assert.deepEqual(fs.readFileSync(target), full);
  assert.ok(!fs.existsSync(`${target}.part`));
});

test("a corrupted download is refused with the expected checksum, and nothing is kept", {
  skip,
  timeout: 60_000,
}, async () => {
  const dir = scratchDir("fetch-bad");
  const e = cmuManifest().files.find((f) => f.file === "02_02.bvh")!;
  mirror.tamper = true;
  try {
    await assert.rejects(
      fetchOne((await base()).replace("{file}", e.file), path.join(dir, e.file), e, { retries: 0 }),
      new RegExp(`checksum mismatch for 02_02\\.bvh: expected sha256 ${e.sha256}`),
    );
  } finally {
    mirror.tamper = false;
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});

test("an unreachable source fails after retries with the URL in the message", { timeout: 60_000 }, async () => {
  const dir = scratchDir("fetch-down");
  const e = cmuManifest().files[0];
  await assert.rejects(
    fetchOne("http://127.0.0.1:9/02_01.bvh", path.join(dir, e.file), e, { retries: 1 }),
    /http:\/\/127\.0\.0\.1:9\/02_01\.bvh: download of 02_01\.bvh failed after 2 attempts/,
  );
});
