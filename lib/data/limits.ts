/**
 * Resource limits of the data loaders: each loader checks a file's declared sizes against
 * these (and against the file's own size) before it allocates or decompresses anything, so a
 * small hostile or damaged file cannot take gigabytes of memory or minutes of time.
 *
 * The defaults fit every real file hpe3d reads with room to spare (the shared CMU and Bandai
 * Namco BVH files have at most 2,397 frames, 43 joints, frame times 1/120 s and 1/30 s;
 * converted Human3.6M files are about 0.5 GB uncompressed, in at most 840 arrays). For a genuinely larger file, pass
 * the limits you need to the loader, for example
 *
 * ```ts
 * loadBvhSequence(file, { limits: { maxBvhFrames: 5_000_000, maxBvhBytes: 1 << 30 } });
 * loadH36m3d(file, { limits: { maxNpzBytes: 4 * 2 ** 30 } });
 * ```
 *
 * or set `HPE_LOADER_LIMITS=maxBvhFrames=5000000,maxBvhBytes=1073741824` for every loader (the
 * CLI and notebooks included). An over-limit file is an `InputError` that names the file, the
 * field, the limit and how to raise it.
 */
import { setting } from "../core/settings";

export interface LoaderLimits {
  /** Largest BVH file read, in bytes. */
  maxBvhBytes: number;
  /** Most frames a BVH file may declare (`Frames:`). */
  maxBvhFrames: number;
  /** Shortest and longest `Frame Time:` accepted, in seconds (1000 fps to 1 fps). */
  minFrameTimeS: number;
  maxFrameTimeS: number;
  /** Most joints (End Sites included) in a BVH hierarchy. */
  maxBvhJoints: number;
  /** Most frames after resampling a motion (to 50 fps): 1,000,000 frames is 5.5 hours. */
  maxResampledFrames: number;
  /** Largest .npy/.npz file read, in bytes (Node reads at most 2 GiB in one piece). */
  maxArrayFileBytes: number;
  /** Most bytes all entries of one .npz archive may declare uncompressed, together. */
  maxNpzBytes: number;
  /** Most entries (arrays) in one .npz archive: each costs a decompressor, about 0.5 ms. */
  maxNpzEntries: number;
}

/** The defaults. Frozen: pass `{ limits: { … } }` to a loader to change one. */
export const DEFAULT_LIMITS: Readonly<LoaderLimits> = Object.freeze({
  maxBvhBytes: 256 * 2 ** 20,
  maxBvhFrames: 1_000_000,
  minFrameTimeS: 1 / 1000,
  maxFrameTimeS: 1,
  maxBvhJoints: 1024,
  maxResampledFrames: 1_000_000,
  maxArrayFileBytes: 2 ** 31 - 1,
  maxNpzBytes: 2 ** 30,
  maxNpzEntries: 4096,
});

/**
 * The defaults, then `HPE_LOADER_LIMITS` (e.g. `maxBvhFrames=5000000`), then `overrides`;
 * every value must be a positive number and every name a limit.
 */
export function resolveLimits(overrides: Partial<LoaderLimits> = {}): LoaderLimits {
  const out: LoaderLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(setting("HPE_LOADER_LIMITS"))) {
    if (!(k in DEFAULT_LIMITS))
      throw new Error(`HPE_LOADER_LIMITS: unknown limit "${k}"; limits are ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    out[k as keyof LoaderLimits] = v;
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in DEFAULT_LIMITS))
      throw new Error(`limits: unknown limit "${k}"; expected one of ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v > 0)) throw new Error(`limits.${k}: expected a positive number, got ${String(v)}`);
    out[k as keyof LoaderLimits] = v;
  }
  if (out.minFrameTimeS > out.maxFrameTimeS)
    throw new Error(`limits: minFrameTimeS ${out.minFrameTimeS} exceeds maxFrameTimeS ${out.maxFrameTimeS}`);
  return out;
}

/** The sentence an over-limit error ends with: which setting or option raises the limit. */
export function raiseHint(name: keyof LoaderLimits): string {
  return `raise it with HPE_LOADER_LIMITS=${name}=… (or the loader option { limits: { ${name}: … } }) if the file is genuine`;
}
