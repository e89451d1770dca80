/**
 * Run profiles. `HPE_PROFILE=smoke|full` scales dataset size, epochs and sweeps:
 * - `smoke`: every notebook in a few minutes on 2 CPU cores (CI, `npm test`);
 * - `full`: the thesis-scale run (default for `npm run reproduce`).
 */
import { PROFILE_NAMES, setting } from "./settings";

export const PROFILES = PROFILE_NAMES;
export type ProfileName = (typeof PROFILES)[number];

/** The active profile, from `HPE_PROFILE` (default `full`). Unknown names are an error. */
export function profileName(): ProfileName {
  return setting("HPE_PROFILE");
}

/** Pick the value for the active profile: `byProfile({smoke: 2, full: 100})`. */
export function byProfile<T>(values: Record<ProfileName, T>, name: ProfileName = profileName()): T {
  return values[name];
}
