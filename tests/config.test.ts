import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CONFIG_SCHEMA,
  DEFAULT_AE_CONFIG,
  DEFAULT_BASELINE_CONFIG,
  DEFAULT_CVAE_CONFIG,
  DEFAULT_VAE_CONFIG,
  DEFAULT_VAE_GAN_CONFIG,
  parseConfig,
  validateConfig,
  withProfile,
  type TrainConfig,
} from "../lib/train/config";
import { configFromJson, PRESET_NAMES, PRESETS, presetConfig } from "../lib/train/presets";
import { describe, objectSchema, SchemaError } from "../lib/train/schema";
import { ROOT } from "../lib/core/paths";

const with_ = (o: Record<string, unknown>) => ({ ...DEFAULT_VAE_CONFIG, ...o }) as TrainConfig;

test("the schema covers exactly the TrainConfig fields, and every preset passes it", () => {
  // Every field is in some preset (the vae-gan's own in the vae-gan's, clipNorm in the cvae's), except
  // opt-in ones that no preset turns on (virtualCameras); the other presets leave out the optional fields.
  const optInOnly = ["virtualCameras"];
  assert.deepEqual(
    Object.keys(CONFIG_SCHEMA.fields)
      .filter((k) => !optInOnly.includes(k))
      .sort(),
    [...new Set(PRESETS.flatMap((p) => Object.keys(p.config)))].sort(),
  );
  const optional = Object.entries(CONFIG_SCHEMA.fields)
    .filter(([, f]) => f.optional)
    .map(([k]) => k);
  for (const k of optInOnly) assert.ok(optional.includes(k), `${k} is optional`);
  assert.deepEqual(
    Object.keys(DEFAULT_VAE_CONFIG).sort(),
    Object.keys(CONFIG_SCHEMA.fields)
      .filter((k) => !optional.includes(k))
      .sort(),
  );
  for (const p of PRESETS) assert.equal(validateConfig(p.config), p.config);
  assert.deepEqual(PRESET_NAMES, ["beta-vae", "ae", "baseline", "vae-gan", "cvae"]);
  assert.equal(PRESETS[4].config, DEFAULT_CVAE_CONFIG);
  assert.equal(PRESETS[3].config, DEFAULT_VAE_GAN_CONFIG);
  assert.equal(PRESETS[0].config, DEFAULT_VAE_CONFIG);
  assert.equal(PRESETS[1].config, DEFAULT_AE_CONFIG);
  assert.equal(PRESETS[2].config, DEFAULT_BASELINE_CONFIG);
});

// [field, bad value, the allowed text the error must contain]
const BAD: [keyof TrainConfig, unknown, string][] = [
  ["batchSize", 0, "an integer ≥ 1"],
  ["batchSize", 1.5, "an integer ≥ 1"],
  ["batchSize", "256", "an integer ≥ 1"],
  ["epochs", -1, "an integer ≥ 1"],
  ["epochs", 0, "an integer ≥ 1"],
  ["lr", 0, "a number > 0 and ≤ 1"],
  ["lr", 1e6, "a number > 0 and ≤ 1"],
  ["lr", -0.001, "a number > 0 and ≤ 1"],
  ["hidden", 0, "an integer ≥ 1"],
  ["hidden", 1e9, "≤ 8192"],
  ["layers", 0, "an integer ≥ 1"],
  ["latentDim", 0, "an integer ≥ 1"],
  ["dropout", 1, "a number ≥ 0 and < 1"],
  ["dropout", -0.1, "a number ≥ 0 and < 1"],
  ["beta", -0.001, "a number ≥ 0"],
  ["beta", null, "a number ≥ 0"],
  ["inputMode", "foo", "one of thesis, martinez, videopose3d"],
  ["model", "x", "one of beta-vae, ae, baseline, vae-gan, cvae"],
  ["sources", [], "a non-empty list of distinct values from cmu, bandai"],
  ["sources", ["cmu", "cmu"], "a non-empty list of distinct values from cmu, bandai"],
  ["sources", "cmu", "a non-empty list of distinct values from cmu, bandai"],
  ["trainEveryNth", 0, "an integer ≥ 1"],
  ["testEveryNth", 2.5, "an integer ≥ 1"],
  ["seed", 1.5, "an integer ≥ 0"],
  ["seed", -1, "an integer ≥ 0"],
  ["lrDecay", 0, "a number > 0 and ≤ 1"],
  ["lrDecay", 1.01, "a number > 0 and ≤ 1"],
  ["lrDecaySteps", -1, "an integer ≥ 0"],
  ["maxNorm", -1, "a number ≥ 0"],
  ["clipNorm", -1, "a number ≥ 0 and ≤ 1000000"],
  ["clipNorm", "1", "a number ≥ 0 and ≤ 1000000"],
  ["checkpointEverySteps", 0.5, "an integer ≥ 0"],
  ["residual", "yes", "true or false"],
  ["batchNorm", 1, "true or false"],
  ["name", "../x", "letters, digits"],
  ["name", "a b", "letters, digits"],
  ["name", "", "letters, digits"],
  ["name", "x".repeat(101), "at most 100"],
  ["betaSchedule", { kind: "foo" }, "an object whose kind is one of constant, linear, cyclical"],
  ["betaSchedule", "constant", "an object whose kind is one of constant, linear, cyclical"],
];

test("every field is checked: the error names the field, the value and what is allowed", () => {
  for (const [field, value, allowed] of BAD) {
    assert.throws(
      () => validateConfig(with_({ [field]: value }), "cfg"),
      (e: Error) => {
        assert.ok(e instanceof SchemaError, `${field}=${JSON.stringify(value)}: ${e}`);
        const shown = JSON.stringify(value).slice(0, 40);
        assert.ok(e.message.startsWith(`cfg: ${field}`), e.message);
        assert.ok(e.message.includes(`got ${shown}`), `${e.message} should show ${shown}`);
        assert.ok(e.message.includes(allowed), `${e.message} should say ${allowed}`);
        return true;
      },
    );
  }
});

test("boundary values that are allowed pass", () => {
  const good: Record<string, unknown>[] = [
    {
      batchSize: 1,
      epochs: 1,
      lr: 1,
      hidden: 1,
      layers: 1,
      latentDim: 1,
      dropout: 0.999,
      beta: 0,
      lrDecay: 1,
      lrDecaySteps: 0,
    },
    {
      maxNorm: 0,
      checkpointEverySteps: 0,
      seed: 0,
      trainEveryNth: 1,
      testEveryNth: 1,
      sources: ["bandai", "cmu"],
      inputMode: "videopose3d",
    },
    { betaSchedule: { kind: "linear", warmup: 0 } },
    { betaSchedule: { kind: "cyclical", cycles: 4, ratio: 1 } },
    { name: "a.b_c-1", model: "baseline", seed: 2 ** 32 - 1 },
  ];
  for (const o of good) assert.doesNotThrow(() => validateConfig(with_(o)), JSON.stringify(o));
});

test("nested union fields are checked by path", () => {
  assert.throws(() => validateConfig(with_({ betaSchedule: { kind: "linear" } }), "c"), {
    message: 'c: missing field "betaSchedule.warmup" (a number ≥ 0 and ≤ 1)',
  });
  assert.throws(() => validateConfig(with_({ betaSchedule: { kind: "cyclical", cycles: 0, ratio: 0.5 } }), "c"), {
    message: "c: betaSchedule.cycles must be an integer ≥ 1 and ≤ 10000, got 0",
  });
  assert.throws(() => validateConfig(with_({ betaSchedule: { kind: "constant", warmup: 1 } }), "c"), {
    message: 'c: unknown field "betaSchedule.warmup"; it takes no other fields',
  });
});

test("unknown fields are refused with the list of valid ones", () => {
  assert.throws(
    () => validateConfig(with_({ bta: 1 }), "my.json"),
    (e: Error) =>
      e.message === `my.json: unknown field "bta"; fields are ${Object.keys(CONFIG_SCHEMA.fields).join(", ")}`,
  );
});

test("parseConfig: a run's config.json, truncated or wrong, names the path and the field", () => {
  const where = "out/runs/x/config.json";
  const full = JSON.stringify(DEFAULT_BASELINE_CONFIG);
  assert.deepEqual(parseConfig(full, where), DEFAULT_BASELINE_CONFIG);
  assert.deepEqual(parseConfig(JSON.parse(full), where), DEFAULT_BASELINE_CONFIG);
  assert.throws(
    () => parseConfig(full.slice(0, 40), where),
    /^SchemaError: out\/runs\/x\/config\.json: not valid JSON \(/,
  );
  assert.throws(
    () => parseConfig("[1,2]", where),
    /^SchemaError: out\/runs\/x\/config\.json: expected a JSON object with the fields name, model/,
  );
  const { lr: _, ...noLr } = DEFAULT_BASELINE_CONFIG;
  assert.throws(() => parseConfig(noLr, where), { message: `${where}: missing field "lr" (a number > 0 and ≤ 1)` });
  assert.throws(() => parseConfig({ ...DEFAULT_BASELINE_CONFIG, epochs: -3 }, where), {
    message: `${where}: epochs must be an integer ≥ 1 and ≤ 100000, got -3`,
  });
  // With defaults, missing fields are filled from them and present ones still checked.
  assert.deepEqual(parseConfig(noLr, where, DEFAULT_VAE_CONFIG), {
    ...DEFAULT_BASELINE_CONFIG,
    lr: DEFAULT_VAE_CONFIG.lr,
  });
});

test("configFromJson fills a user's file from the preset of its model", () => {
  const c = configFromJson('{"model": "baseline", "lr": 0.01}', "my.json");
  assert.deepEqual(c, { ...DEFAULT_BASELINE_CONFIG, lr: 0.01 });
  assert.deepEqual(configFromJson({ beta: 0.5 }, "my.json"), { ...DEFAULT_VAE_CONFIG, beta: 0.5 });
  assert.throws(() => configFromJson({ model: "x" }, "my.json"), {
    message: 'my.json: model must be one of beta-vae, ae, baseline, vae-gan, cvae, got "x"',
  });
  assert.throws(() => configFromJson('{"model": ', "my.json"), /^SchemaError: my\.json: not valid JSON/);
});

test("--set text: numbers, booleans, lists and unions from text, with the CLI's message", () => {
  const t = (kv: string) => {
    const i = kv.indexOf("=");
    return CONFIG_SCHEMA.parseText(kv.slice(0, i), kv.slice(i + 1), `--set ${kv}`);
  };
  assert.equal(t("beta=0.01"), 0.01);
  assert.equal(t("lr=1e-4"), 1e-4);
  assert.equal(t("epochs=20"), 20);
  assert.equal(t("residual=false"), false);
  assert.deepEqual(t("sources=cmu"), ["cmu"]);
  assert.deepEqual(t("sources=bandai,cmu"), ["bandai", "cmu"]);
  assert.deepEqual(t('sources=["cmu"]'), ["cmu"]);
  assert.deepEqual(t("betaSchedule=constant"), { kind: "constant" });
  assert.deepEqual(t('betaSchedule={"kind":"linear","warmup":0.25}'), { kind: "linear", warmup: 0.25 });
  assert.throws(() => t("beta=abc"), { message: '--set beta=abc: beta must be a number ≥ 0, got "abc"' });
  assert.throws(() => t("beta="), { message: '--set beta=: beta must be a number ≥ 0, got ""' });
  assert.throws(() => t("epochs=-1"), {
    message: "--set epochs=-1: epochs must be an integer ≥ 1 and ≤ 100000, got -1",
  });
  assert.throws(() => t("epochs=0x10"), {
    message: '--set epochs=0x10: epochs must be an integer ≥ 1 and ≤ 100000, got "0x10"',
  });
  assert.throws(() => t("batchSize=1.5"), {
    message: "--set batchSize=1.5: batchSize must be an integer ≥ 1 and ≤ 65536, got 1.5",
  });
  assert.throws(() => t("residual=yes"), { message: '--set residual=yes: residual must be true or false, got "yes"' });
  assert.throws(() => t("sources=cmu,h36m"), {
    message: '--set sources=cmu,h36m: sources[1] must be one of cmu, bandai, got "h36m"',
  });
  assert.throws(() => t("betaSchedule=linear"), {
    message: '--set betaSchedule=linear: missing field "betaSchedule.warmup" (a number ≥ 0 and ≤ 1)',
  });
  assert.throws(() => t("foo=1"), {
    message: `--set foo=1: unknown key "foo"; keys are ${Object.keys(CONFIG_SCHEMA.fields).join(", ")}`,
  });
});

test("withProfile checks the config before and after scaling", () => {
  const smoke = withProfile(DEFAULT_VAE_CONFIG, "smoke");
  assert.deepEqual(smoke, {
    ...DEFAULT_VAE_CONFIG,
    epochs: 2,
    trainEveryNth: 10,
    testEveryNth: 10,
    name: "beta-vae-smoke",
  });
  assert.deepEqual(withProfile(DEFAULT_AE_CONFIG, "full"), { ...DEFAULT_AE_CONFIG, name: "ae-full" });
  // smoke would hide trainEveryNth=0 behind its override, and epochs=-1 behind min(): both refused.
  assert.throws(
    () => withProfile(with_({ trainEveryNth: 0 }), "smoke"),
    /config: trainEveryNth must be an integer ≥ 1/,
  );
  assert.throws(() => withProfile(with_({ epochs: -1 }), "smoke"), /config: epochs must be an integer ≥ 1/);
  assert.throws(
    () => withProfile(with_({ name: "x".repeat(99) }), "smoke"),
    /scaled for the smoke profile: name must be/,
  );
});

test("presetConfig: a validated preset with overrides, unknown presets listed", () => {
  assert.deepEqual(presetConfig("baseline", { epochs: 10 }), { ...DEFAULT_BASELINE_CONFIG, epochs: 10 });
  assert.throws(() => presetConfig("wgan"), {
    message: 'unknown preset "wgan"; presets are beta-vae, ae, baseline, vae-gan, cvae',
  });
  assert.throws(() => presetConfig("ae", { dropout: 1 }), {
    message: 'preset "ae": dropout must be a number ≥ 0 and < 1, got 1',
  });
});

test("the README's preset table lists exactly the presets, with their descriptions", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("| preset | what |");
  assert.ok(start > 0, "README.md has a | preset | what | table");
  const rows = readme.slice(start).split("\n").slice(2);
  const table = rows.slice(
    0,
    rows.findIndex((l) => !l.startsWith("|")),
  );
  assert.deepEqual(
    table,
    PRESETS.map((p) => `| \`${p.name}\` | ${p.description} |`),
  );
});

test("describe() words each field type", () => {
  const s = objectSchema<{ a: number; b: number; c: string[]; d: boolean }>({
    a: { type: "number", doc: "", min: 0, exclusiveMin: true },
    b: { type: "integer", doc: "" },
    c: { type: "array", doc: "", items: { type: "integer", doc: "", min: 1 }, minItems: 2 },
    d: { type: "boolean", doc: "" },
  });
  assert.equal(describe(s.fields.a), "a number > 0");
  assert.equal(describe(s.fields.b), "an integer");
  assert.equal(describe(s.fields.c), "a list of at least 2 of items that are an integer ≥ 1");
  assert.equal(describe(s.fields.d), "true or false");
  assert.throws(() => s.parse({ a: Infinity, b: 1, c: [1, 2], d: true }, "w"), {
    message: "w: a must be a number > 0, got Infinity",
  });
  assert.throws(() => s.parse({ a: 1, b: 1, c: [1], d: true }, "w"), {
    message: "w: c must be a list of at least 2 of items that are an integer ≥ 1, got [1]",
  });
});

test("clipNorm: optional and off unless set, on in the cvae preset only, refused on the vae-gan", () => {
  for (const p of PRESETS) {
    if (p.name === "cvae") assert.equal(p.config.clipNorm, 1);
    else assert.ok(!("clipNorm" in p.config), `${p.name} leaves clipNorm out, so its config.json is as before`);
  }
  const old = JSON.parse(JSON.stringify(DEFAULT_BASELINE_CONFIG));
  assert.deepEqual(
    parseConfig(old, "old.json"),
    DEFAULT_BASELINE_CONFIG,
    "a config.json without clipNorm parses unchanged",
  );
  assert.equal(validateConfig(with_({ clipNorm: 5 })).clipNorm, 5);
  assert.throws(() => validateConfig({ ...DEFAULT_VAE_GAN_CONFIG, clipNorm: 1 }, "cfg"), {
    message:
      "cfg: clipNorm is not supported by model vae-gan (its adversarial steps are not clipped); expected 0 or absent, got 1",
  });
  assert.doesNotThrow(() => validateConfig({ ...DEFAULT_VAE_GAN_CONFIG, clipNorm: 0 }));
});
