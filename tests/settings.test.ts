import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import {
  BACKEND_NAMES,
  checkSettings,
  SETTINGS,
  setting,
  SettingError,
  settingsTable,
  type SettingName,
} from "../lib/core/settings";
import { dataDir, outDir, ROOT, runsDir } from "../lib/core/paths";
import { profileName } from "../lib/core/profile";
import { notebookOutDir } from "../lib/core/context";

const names = Object.keys(SETTINGS) as SettingName[];

test("unset and empty values give the defaults", () => {
  const empty = Object.fromEntries(names.map((n) => [n, "  "]));
  for (const env of [{}, empty]) {
    assert.equal(setting("HPE_PROFILE", env), "full");
    assert.equal(setting("HPE_BLAS", env), true);
    assert.equal(setting("HPE_EXPORT", env), true);
    assert.equal(setting("HPE_WASM_FIX", env), true);
    assert.equal(setting("HPE_BLAS_THREADS", env), undefined);
    assert.equal(setting("HPE_BACKEND", env), undefined);
    assert.equal(setting("HPE_NOTEBOOK", env), "scratch");
    assert.equal(setting("HPE_DATA_DIR", env), undefined);
    checkSettings(env);
  }
});

test("good values are parsed to their types", () => {
  assert.equal(setting("HPE_BLAS_THREADS", { HPE_BLAS_THREADS: "4" }), 4);
  assert.equal(setting("HPE_BLAS", { HPE_BLAS: "0" }), false);
  assert.equal(setting("HPE_EXPORT", { HPE_EXPORT: " 1 " }), true);
  assert.equal(setting("HPE_PROFILE", { HPE_PROFILE: "smoke" }), "smoke");
  assert.equal(setting("HPE_BACKEND", { HPE_BACKEND: "cpu" }), "cpu");
  assert.equal(setting("HPE_ROOT", { HPE_ROOT: os.tmpdir() }), os.tmpdir());
  assert.equal(
    setting("HPE_CMU_URL", { HPE_CMU_URL: "http://127.0.0.1:8080/{subject}/{file}" }),
    "http://127.0.0.1:8080/{subject}/{file}",
  );
});

test("a bad value is an error saying what the variable takes", () => {
  const bad: [SettingName, string, string][] = [
    ["HPE_BLAS_THREADS", "x", 'HPE_BLAS_THREADS="x": expected a positive integer'],
    ["HPE_BLAS_THREADS", "0", 'HPE_BLAS_THREADS="0": expected a positive integer'],
    ["HPE_BLAS_THREADS", "2.5", 'HPE_BLAS_THREADS="2.5": expected a positive integer'],
    ["HPE_PROFILE", "medium", 'HPE_PROFILE="medium": expected one of smoke, full'],
    ["HPE_BACKEND", "tpu", 'HPE_BACKEND="tpu": expected one of node-gpu, node, wasm, cpu'],
    ["HPE_BLAS", "off", 'HPE_BLAS="off": expected 0 (off) or 1 (on)'],
    ["HPE_EXPORT", "false", 'HPE_EXPORT="false": expected 0 (off) or 1 (on)'],
    ["HPE_NOTEBOOK", "a/b", `HPE_NOTEBOOK="a/b": expected a name of letters, digits, '.', '_' and '-'`],
    [
      "HPE_CHROMIUM",
      "/no/such/chrome",
      'HPE_CHROMIUM="/no/such/chrome": expected the path of an existing Chromium or Chrome executable',
    ],
    ["HPE_ROOT", "/no/such/dir", 'HPE_ROOT="/no/such/dir": expected an existing folder'],
    [
      "HPE_CMU_URL",
      "ftp://x/{file}",
      'HPE_CMU_URL="ftp://x/{file}": expected an http:// or https:// URL template containing {file}',
    ],
    [
      "HPE_CMU_URL",
      "https://x/",
      'HPE_CMU_URL="https://x/": expected an http:// or https:// URL template containing {file}',
    ],
  ];
  for (const [name, value, message] of bad) {
    assert.throws(
      () => setting(name, { [name]: value }),
      (e: Error) => e instanceof SettingError && e.message === message,
      `${name}=${value}`,
    );
    assert.throws(() => checkSettings({ [name]: value }), SettingError);
  }
  // A long value is clipped in the message.
  const long = "y".repeat(5000);
  assert.throws(
    () => setting("HPE_BLAS", { HPE_BLAS: long }),
    (e: Error) => e.message.length < 140,
  );
});

test("values are read at call time by the modules that use them", () => {
  const saved = { ...process.env };
  try {
    process.env.HPE_PROFILE = "smoke";
    assert.equal(profileName(), "smoke");
    process.env.HPE_PROFILE = "bogus";
    assert.throws(() => profileName(), /HPE_PROFILE="bogus": expected one of smoke, full/);
    process.env.HPE_OUT_DIR = "elsewhere/out";
    assert.equal(outDir("figures"), path.join(ROOT, "elsewhere/out", "figures"));
    delete process.env.HPE_RUNS_DIR;
    assert.equal(runsDir(), path.join(ROOT, "elsewhere/out", "runs"));
    process.env.HPE_RUNS_DIR = "/tmp/some-runs";
    assert.equal(runsDir(), "/tmp/some-runs");
    process.env.HPE_DATA_DIR = "rel/data";
    assert.equal(dataDir(), path.join(ROOT, "rel/data"));
    process.env.HPE_NOTEBOOK = "07_test";
    assert.equal(notebookOutDir("tables"), path.join(ROOT, "elsewhere/out", "tables", "07_test"));
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test("the backend list matches the backend module's", async () => {
  const { BACKENDS } = await import("../lib/backend/backend");
  assert.deepEqual([...BACKEND_NAMES], [...BACKENDS]);
});

/** Rows `| \`HPE_…\` | meaning | values | default |` of the README's Settings section. */
function readmeSettingsRows(): Map<string, string[]> {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Settings"));
  assert.ok(section, "README.md has a Settings section");
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const m = /^\| `(HPE_[A-Z0-9_]+)` \|(.*)\|$/.exec(line);
    if (m)
      rows.set(
        m[1],
        m[2].split(" | ").map((c) => c.trim()),
      );
  }
  return rows;
}

test("the README's settings table is exactly the settings module's table", () => {
  const rows = readmeSettingsRows();
  assert.deepEqual([...rows.keys()].sort(), [...names].sort());
  for (const s of settingsTable()) assert.deepEqual(rows.get(s.name), [s.doc, s.expected, s.default], s.name);
  // Every HPE_ variable the README mentions anywhere is a setting.
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const mentioned = new Set(readme.match(/HPE_[A-Z0-9_]+/g));
  for (const v of mentioned)
    assert.ok(names.includes(v as SettingName), `README mentions ${v}, which lib/core/settings.ts does not define`);
});

function filesUnder(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

test("every HPE_ variable used in the code is a setting", () => {
  const files = ["lib", "scripts", "bench", "tests"].flatMap((d) =>
    filesUnder(path.join(ROOT, d), [".ts", ".sh", ".py", ".cjs"]),
  );
  const unknown: string[] = [];
  for (const f of files) {
    for (const v of fs.readFileSync(f, "utf8").match(/HPE_[A-Z0-9_]+/g) ?? []) {
      if (!names.includes(v as SettingName)) unknown.push(`${path.relative(ROOT, f)}: ${v}`);
    }
  }
  assert.deepEqual(unknown, []);
});

// Modules still reading process.env.HPE_* directly, switched to setting() when the training core lands.

test("lib/ and the CLI read HPE_ variables only through lib/core/settings.ts", () => {
  const files = [
    ...filesUnder(path.join(ROOT, "lib"), [".ts"]),
    ...filesUnder(path.join(ROOT, "bench"), [".ts"]),
    path.join(ROOT, "scripts", "hpe.ts"),
  ];
  const direct = files.filter(
    (f) =>
      !f.endsWith(path.join("core", "settings.ts")) &&
      /process\.env(\.HPE_|\[["']HPE_)/.test(fs.readFileSync(f, "utf8")),
  );
  assert.deepEqual(
    direct.map((f) => path.relative(ROOT, f)),
    [],
  );
});
