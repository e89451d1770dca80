/**
 * Every `HPE_*` environment variable, in one table: its meaning, the values it takes, its default.
 * Values are read when asked for (tests and notebooks change the environment), and a bad value is
 * an error saying what it should be:
 *
 *   setting("HPE_BLAS_THREADS")   // HPE_BLAS_THREADS="x": expected a positive integer
 *
 * An empty value counts as unset. Paths are returned as written; lib/core/paths.ts resolves them.
 * The README's settings table lists exactly these variables (a test checks it).
 */
import * as fs from "node:fs";

/** A bad value in an `HPE_*` variable (the CLI exits with status 2 on it). */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingError";
  }
}

interface Spec<T> {
  /** What the variable does (one line; the README's table says the same). */
  doc: string;
  /** The values it takes, as words (used in error messages). */
  expected: string;
  /** What applies when it is unset, as words. */
  defaultText: string;
  /** The value when unset. */
  fallback: T;
  /** Parse a non-empty raw value; return undefined when it is not allowed. */
  parse(raw: string): T | undefined;
}

const BOOL01 = { "0": false, "1": true } as Record<string, boolean | undefined>;
const onOff = (doc: string, defaultText = "on"): Spec<boolean> => ({
  doc,
  expected: "0 (off) or 1 (on)",
  defaultText,
  fallback: true,
  parse: (raw) => BOOL01[raw],
});
const text = (doc: string, expected: string, defaultText: string): Spec<string | undefined> => ({
  doc,
  expected,
  defaultText,
  fallback: undefined,
  parse: (raw) => raw,
});
function oneOf<const V extends string>(values: readonly V[], doc: string, defaultText: string): Spec<V | undefined> {
  return {
    doc,
    expected: `one of ${values.join(", ")}`,
    defaultText,
    fallback: undefined,
    parse: (raw) => ((values as readonly string[]).includes(raw) ? (raw as V) : undefined),
  };
}

/** Run profiles (lib/core/profile.ts re-exports them). */
export const PROFILE_NAMES = ["smoke", "full"] as const;
/** Backends in the order they are tried (lib/backend/backend.ts). */
export const BACKEND_NAMES = ["node-gpu", "node", "wasm", "cpu"] as const;

/** Every setting. Keys are the variable names; the README's "Settings" table mirrors this. */
export const SETTINGS = {
  HPE_PROFILE: {
    ...oneOf(PROFILE_NAMES, "`smoke` (minutes, used by `npm test`) or `full` (thesis scale)", "`full`"),
    fallback: "full",
  } as Spec<(typeof PROFILE_NAMES)[number]>,
  HPE_DATA_DIR: text("where motion capture / Human3.6M files are read", "a folder path", "`data/`"),
  HPE_BACKEND: oneOf(BACKEND_NAMES, "force `node-gpu`, `node`, `wasm` or `cpu`", "best available"),
  HPE_BLAS: onOff("`0` turns the OpenBLAS kernel off"),
  HPE_BLAS_THREADS: {
    doc: "threads of the OpenBLAS kernel",
    expected: "a positive integer",
    defaultText: "all cores",
    fallback: undefined,
    parse: (raw) => (/^[1-9][0-9]{0,3}$/.test(raw) ? Number(raw) : undefined),
  } as Spec<number | undefined>,
  HPE_NATIVE_OPS: onOff(
    "`0` leaves element-wise, reduction, Adam and random kernels to wasm (the addon keeps the matrix products)",
  ),
  HPE_NATIVE_CONV: onOff("`0` leaves convolutions to the pure TF.js kernels (the addon keeps the matrix products)"),
  HPE_WASM_FIX: onOff("`0` keeps tfjs-backend-wasm's kernels as shipped (benchmarks compare them)"),
  HPE_RUNS_DIR: text("where training runs live", "a folder path", "`out/runs`"),
  HPE_OUT_DIR: text("output folder (reports, figures, tables, runs)", "a folder path", "`out/`"),
  HPE_ROOT: {
    doc: "the project root (the notebook kernel and scripts set it)",
    expected: "an existing folder",
    defaultText: "the folder of hpe3d's package.json",
    fallback: undefined,
    parse: (raw) => (fs.existsSync(raw) && fs.statSync(raw).isDirectory() ? raw : undefined),
  } as Spec<string | undefined>,
  HPE_NOTEBOOK: {
    doc: "name of the running notebook: outputs go to `out/{figures,tables}/<name>/` (the runner sets it)",
    expected: "a name of letters, digits, '.', '_' and '-'",
    defaultText: "`scratch`",
    fallback: "scratch",
    parse: (raw) => (/^[A-Za-z0-9_.-]+$/.test(raw) ? raw : undefined),
  } as Spec<string>,
  HPE_CHROMIUM: {
    doc: "Chromium used for figure export",
    expected: "the path of an existing Chromium or Chrome executable",
    defaultText: "`/usr/bin/chromium`",
    fallback: undefined,
    parse: (raw) => (fs.existsSync(raw) && fs.statSync(raw).isFile() ? raw : undefined),
  } as Spec<string | undefined>,
  HPE_EXPORT: onOff("`0` turns figure files off (inline plots only)"),
  HPE_CMU_URL: {
    doc: "where `npm run fetch-data` downloads CMU files from (`{subject}` and `{file}` are filled in)",
    expected: "an http:// or https:// URL template containing {file}",
    defaultText: "the pinned GitHub mirror",
    fallback: undefined,
    parse: (raw) => (/^https?:\/\/[^\s]+$/.test(raw) && raw.includes("{file}") ? raw : undefined),
  } as Spec<string | undefined>,
  HPE_BANDAI_URL: {
    doc: "where `npm run fetch-data -- --bandai` downloads Bandai Namco files from (`{source_path}` or `{file}` is filled in)",
    expected: "an http:// or https:// URL template containing {source_path} or {file}",
    defaultText: "the pinned GitHub mirror",
    fallback: undefined,
    parse: (raw) => (/^https?:\/\/[^\s]+$/.test(raw) && /\{(source_path|file)\}/.test(raw) ? raw : undefined),
  } as Spec<string | undefined>,
  HPE_LOADER_LIMITS: {
    doc: "raises the data loaders' size limits for genuinely large files (lib/data/limits.ts names them), e.g. `maxBvhFrames=5000000,maxNpzBytes=4294967296`",
    expected: "comma-separated name=positive number pairs",
    defaultText: "the built-in limits",
    fallback: {},
    parse: (raw) => {
      const out: Record<string, number> = {};
      for (const pair of raw.split(",")) {
        const m = /^\s*([A-Za-z]\w*)\s*=\s*([0-9.eE+]+)\s*$/.exec(pair);
        const v = m ? Number(m[2]) : NaN;
        if (!m || !(v > 0) || !Number.isFinite(v)) return undefined;
        out[m[1]] = v;
      }
      return out;
    },
  } as Spec<Record<string, number>>,
  HPE_REF_BENCH: text("numpy reference benchmark run next to `npm run bench`", "a file path", "none"),
  HPE_TEST_NOTEBOOKS: onOff("`0`: `npm test` skips the notebook runs"),
  HPE_REPORTS_DIR: text(
    "reports checked by tests/reports.test.ts (`npm test` sets it)",
    "a folder path",
    "none (test skipped)",
  ),
  HPE_TEST_SCREENSHOTS: text(
    "where tests/notebook-server.test.ts saves a screenshot of the live notebook",
    "a folder path",
    "none (no screenshot)",
  ),
  HPE_CHECK_FIGURES: text(
    "exported figures checked for clipped labels by tests/figure-check.test.ts (`npm test` sets it)",
    "a folder path",
    "none (test skipped)",
  ),
} satisfies Record<string, Spec<unknown>>;

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<K extends SettingName> = (typeof SETTINGS)[K]["fallback"];

/**
 * The value of one setting, parsed and checked now. Unset or empty gives its default.
 * @throws SettingError `HPE_BLAS="2": expected 0 (off) or 1 (on)` on a value it does not take.
 */
export function setting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): SettingValue<K> {
  const spec = SETTINGS[name] as Spec<SettingValue<K>>;
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return spec.fallback;
  const v = spec.parse(raw);
  if (v === undefined) throw new SettingError(`${name}=${JSON.stringify(clip(raw))}: expected ${spec.expected}`);
  return v;
}

/** Check every `HPE_*` variable that is set; throws the first bad one (the CLI calls this at start). */
export function checkSettings(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(SETTINGS) as SettingName[]) setting(name, env);
}

/** The table of settings (README's "Settings" section): name, meaning, values taken, default. */
export function settingsTable(): { name: SettingName; doc: string; expected: string; default: string }[] {
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const s = SETTINGS[name] as Spec<unknown>;
    return { name, doc: s.doc, expected: s.expected, default: s.defaultText };
  });
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
