import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../lib/core/io";

const dir = path.resolve("out", "test-io");

test("atomic writes replace the file whole and leave no temp files", () => {
  fs.rmSync(dir, { recursive: true, force: true });
  const f = path.join(dir, "sub", "a.json");
  writeJsonAtomic(f, { a: 1 });
  writeJsonAtomic(f, { a: 2, b: [1, 2] });
  assert.deepEqual(JSON.parse(fs.readFileSync(f, "utf8")), { a: 2, b: [1, 2] });
  assert.deepEqual(fs.readdirSync(path.dirname(f)), ["a.json"]);
});

test("a failed write keeps the old file and removes its temp file", () => {
  const f = path.join(dir, "keep.txt");
  writeFileAtomic(f, "old");
  // A directory in the way of the rename makes the write fail after the temp file exists.
  const blocked = path.join(dir, "blocked");
  fs.mkdirSync(path.join(blocked, "x"), { recursive: true });
  // The OS error names the file and its code.
  assert.throws(() => writeFileAtomic(blocked, "new"), {
    message: new RegExp(`^cannot write ${blocked.replace(/[/.]/g, "\\$&")}: E[A-Z]+ \\(`),
  });
  assert.equal(fs.readFileSync(f, "utf8"), "old");
  assert.ok(!fs.readdirSync(dir).some((n) => n.endsWith(".tmp")), "temp file left behind");
});
