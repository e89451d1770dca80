/**
 * Train/test splits: one config for every dataset. A subject (performer) is never in both
 * splits. Virtual captures of training sequences use the extrinsics of H36M's training
 * subjects, test sequences those of its test subjects.
 */
export const SPLITS = {
  /** Human3.6M Protocol 1: train S1, S5, S6, S7, S8; test S9, S11. */
  h36m: { train: ["S1", "S5", "S6", "S7", "S8"], test: ["S9", "S11"] },
  /** CMU (shared subset): walking subject 8 and the jump/reach subject 13 are held out. */
  cmu: { train: ["cmu-02", "cmu-03", "cmu-05", "cmu-07", "cmu-10"], test: ["cmu-08", "cmu-13"] },
  /** Bandai Namco: performer group P1 trains, P2 tests (P3 is kept apart, outside the project's data). */
  bandai: { train: ["bandai-P1"], test: ["bandai-P2"] },
  /** Camera rigs used for virtual captures of mocap. */
  virtualCameras: { train: ["S1", "S5", "S6", "S7", "S8"], test: ["S9", "S11"] },
} as const;

export type SplitName = "train" | "test";

/** Which split a subject belongs to; an unknown subject is an error naming the known ones. */
export function splitOf(subject: string): SplitName {
  for (const [name, s] of Object.entries(SPLITS)) {
    if (name === "virtualCameras") continue;
    if ((s.train as readonly string[]).includes(subject)) return "train";
    if ((s.test as readonly string[]).includes(subject)) return "test";
  }
  const known = Object.entries(SPLITS).filter(([n]) => n !== "virtualCameras").flatMap(([, s]) => [...s.train, ...s.test]);
  throw new Error(`unknown subject "${subject}": it is in no split; known subjects are ${known.join(", ")} (edit lib/splits.ts to add one)`);
}

/** Subjects of a split across datasets. */
export function subjectsOf(split: SplitName): string[] {
  return Object.entries(SPLITS).filter(([n]) => n !== "virtualCameras").flatMap(([, s]) => [...s[split]]);
}
