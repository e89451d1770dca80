/**
 * The opt-in Bandai Namco download (`npm run fetch-data -- --bandai`), against a local HTTP
 * server that serves the shared data (never the internet): checksummed, resumable, labels
 * written for the loader, licence printed and kept; without --bandai nothing of it is fetched.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { bandaiManifest, describeData, entryUrl, fetchBandai, fetchOne } from "../lib/data/fetch";
import { mocapDataDir, scratchDir } from "./helpers";
import { mirrorServer } from "./support/mirror-server";

const data = mocapDataDir();
const skip =
  data.skip || (!fs.existsSync(path.join(data.dir, "bandai-namco-motion")) && "no bandai-namco-motion folder to serve");
// /cmu/<file> and /bandai/<source path> → the shared files.
const mirror = mirrorServer(data.dir, { cmu: "cmu-mocap", bandai: "bandai-namco-motion" }, 50);
after(() => mirror.close());

async function base(): Promise<string> {
  return mirror.base();
}

/** Run scripts/fetch-data.ts asynchronously (the HTTP server lives in this process). */
function fetchData(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", "scripts/fetch-data.ts", ...args], {
      env: { ...process.env, ...env },
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (code) => resolve({ code, out }));
  });
}

const shared = () =>
  JSON.parse(fs.readFileSync(path.join(data.dir, "bandai-namco-motion", "manifest.json"), "utf8")) as {
    files: Record<string, unknown>[];
  };

test("the Bandai manifest lists the shared subset with the shared checksums", { skip }, () => {
  const ours = bandaiManifest();
  const theirs = shared();
  assert.equal(ours.files.length, theirs.files.length);
  for (const f of theirs.files) {
    const e = ours.files.find((x) => x.file === f.file);
    assert.ok(e, `${f.file} missing from lib/data/bandai-namco-motion.json`);
    assert.equal(e.sha256, f.sha256);
    assert.equal(e.bytes, fs.statSync(path.join(data.dir, "bandai-namco-motion", String(f.file))).size);
  }
  assert.equal(
    entryUrl(ours.source.url_template, ours.files[0]),
    `https://raw.githubusercontent.com/BandaiNamcoResearchInc/Bandai-Namco-Research-Motiondataset/${ours.source.commit}/${ours.files[0].source_path}`,
  );
  assert.match(ours.license.name, /CC BY-NC 4\.0/);
});

test("fetchBandai downloads, verifies, writes labels and licence, and resumes a partial file", {
  skip,
  timeout: 60_000,
}, async () => {
  const dir = scratchDir("fetch-bandai");
  const only = ["dataset-1_bow_angry_001.bvh", "dataset-2_walk_normal_013.bvh", "dataset-1_walk_sad_001.bvh"].filter(
    (f) => bandaiManifest().files.some((e) => e.file === f),
  );
  assert.ok(only.length >= 2, "expected file names not in the manifest");
  const r1 = await fetchBandai(dir, { urlTemplate: `${await base()}/bandai/{source_path}`, only });
  assert.deepEqual(
    Object.values(r1),
    only.map(() => "downloaded"),
  );
  const target = path.join(dir, "bandai-namco-motion");
  for (const f of only)
    assert.deepEqual(
      fs.readFileSync(path.join(target, f)),
      fs.readFileSync(path.join(data.dir, "bandai-namco-motion", f)),
    );
  // The manifest written next to the files carries the labels the loader reads (performer group, H36M action).
  const written = JSON.parse(fs.readFileSync(path.join(target, "manifest.json"), "utf8"));
  for (const f of only) {
    const a = written.files.find((x: { file: string }) => x.file === f);
    const b = shared().files.find((x) => x.file === f)!;
    assert.deepEqual(
      [a.actor, a.action, a.h36m_action, a.first_usable_frame],
      [b.actor, b.action, b.h36m_action, b.first_usable_frame],
    );
  }
  const licence = fs.readFileSync(path.join(target, "LICENCE.txt"), "utf8");
  assert.match(licence, /CC BY-NC 4\.0/);
  assert.match(licence, /NON-COMMERCIAL/);
  assert.match(licence, /Bandai Namco Research Inc\./);
  // A killed download leaves a .part file: the next run asks for the rest only.
  const f1 = path.join(target, only[1]);
  const full = fs.readFileSync(f1);
  fs.rmSync(f1);
  fs.writeFileSync(`${f1}.part`, full.subarray(0, 700));
  const r2 = await fetchBandai(dir, { urlTemplate: `${await base()}/bandai/{source_path}`, only });
  assert.equal(r2[only[0]], "present");
  assert.equal(r2[only[1]], "resumed");
  assert.ok(mirror.ranges.includes(`${only[1]}:700`), `range requests: ${mirror.ranges.join(", ")}`);
  assert.deepEqual(fs.readFileSync(f1), full);
  // What a notebook prints about its data (the report header reads this line).
  assert.equal(
    describeData(dir).line,
    `[hpe3d] data: Bandai Namco (${only.length} BVH files, CC BY-NC 4.0) in ${path.relative(process.cwd(), dir)}/`,
  );
});

test("a corrupted Bandai download is refused with the expected checksum", { skip, timeout: 60_000 }, async () => {
  const dir = scratchDir("fetch-bandai-bad");
  const e = bandaiManifest().files[0];
  mirror.tamper = true;
  try {
    await assert.rejects(
      fetchOne(entryUrl(`${await base()}/bandai/{source_path}`, e), path.join(dir, e.file), e, { retries: 0 }),
      new RegExp(`checksum mismatch for ${e.file.replace(/\./g, "\\.")}: expected sha256 ${e.sha256}`),
    );
  } finally {
    mirror.tamper = false;
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});

test("npm run fetch-data: Bandai only with --bandai, and its licence is printed", {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = scratchDir("fetch-script");
  const env = {
    HPE_DATA_DIR: dir,
    HPE_CMU_URL: `${await base()}/cmu/{file}`,
    HPE_BANDAI_URL: `${await base()}/bandai/{source_path}`,
  };
  const plain = await fetchData([], env);
  assert.equal(plain.code, 0, plain.out);
  assert.match(plain.out, /opt-in: npm run fetch-data -- --bandai/);
  assert.ok(!fs.existsSync(path.join(dir, "bandai-namco-motion")), "Bandai was fetched without --bandai");
  const before = mirror.served.filter((u) => u.startsWith("/bandai/")).length;
  const opted = await fetchData(["--bandai"], env);
  assert.equal(opted.code, 0, opted.out);
  assert.match(opted.out, /Licence: CC BY-NC 4\.0/);
  assert.match(opted.out, /NON-COMMERCIAL use only/);
  assert.match(opted.out, /CMU done: 0 downloaded, \d+ already present/);
  const m = bandaiManifest();
  assert.equal(mirror.served.filter((u) => u.startsWith("/bandai/")).length - before, m.files.length);
  assert.match(opted.out, new RegExp(`Bandai Namco done: ${m.files.length} downloaded, 0 already present`));
  const bvh = fs.readdirSync(path.join(dir, "bandai-namco-motion")).filter((f) => f.endsWith(".bvh"));
  assert.equal(bvh.length, m.files.length);
  const bad = await fetchData(["--bandia"], env);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /unknown option --bandia; usage: npm run fetch-data/);
});
