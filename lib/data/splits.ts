/**
 * Train/validation/test splits: one config for every dataset. A subject (performer) is
 * never in both train and test. The validation split holds out whole sequences of the
 * training subjects (train on train, select on validation, report on test: the test split
 * is touched only by the final evaluation). Virtual captures of training and validation
 * sequences use the extrinsics of H36M's training subjects, test sequences those of its
 * test subjects.
 */
export const SPLITS = {
  /** Human3.6M Protocol 1: train S1, S5, S6, S7, S8; test S9, S11. */
  h36m: { train: ["S1", "S5", "S6", "S7", "S8"], test: ["S9", "S11"] },
  /** CMU (shared subset): walking subject 8 and the jump/reach subject 13 are held out. */
  cmu: { train: ["cmu-02", "cmu-03", "cmu-05", "cmu-07", "cmu-10"], test: ["cmu-08", "cmu-13"] },
  /** Bandai Namco: performer group P1 trains, P2 tests (P3 is kept apart, outside the project's data). */
  bandai: { train: ["bandai-P1"], test: ["bandai-P2"] },
  /** Camera rigs used for virtual captures of mocap. */
  virtualCameras: { train: ["S1", "S5", "S6", "S7", "S8"], val: ["S1", "S5", "S6", "S7", "S8"], test: ["S9", "S11"] },
} as const;

/**
 * Validation sequences: of each training subject's sequences, sorted by file name, those at
 * positions `offset`, `offset + everyNth`, … (about one in eight; a subject with a single
 * sequence keeps it for training).
 */
export const VALIDATION = { everyNth: 8, offset: 1 } as const;

export type SplitName = "train" | "val" | "test";
export const SPLIT_NAMES: readonly SplitName[] = ["train", "val", "test"];

/**
 * The files held out for validation among `seqs` (any objects with a subject and a file):
 * per training subject, every `VALIDATION.everyNth`-th sequence by sorted file name.
 */
export function validationFiles(seqs: readonly { subject: string; file: string }[]): Set<string> {
  const bySubject = new Map<string, string[]>();
  for (const s of seqs) {
    if (splitOf(s.subject) !== "train") continue;
    bySubject.set(s.subject, [...(bySubject.get(s.subject) ?? []), s.file]);
  }
  const out = new Set<string>();
  for (const files of bySubject.values()) {
    const sorted = [...files].sort((a, b) => (baseName(a) < baseName(b) ? -1 : baseName(a) > baseName(b) ? 1 : 0));
    sorted.forEach((f, i) => {
      if (i % VALIDATION.everyNth === VALIDATION.offset) out.add(f);
    });
  }
  return out;
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

/** Which split a subject belongs to (train or test); an unknown subject is an error naming the known ones. */
export function splitOf(subject: string): "train" | "test" {
  for (const [name, s] of Object.entries(SPLITS)) {
    if (name === "virtualCameras") continue;
    if ((s.train as readonly string[]).includes(subject)) return "train";
    if ((s.test as readonly string[]).includes(subject)) return "test";
  }
  const known = Object.entries(SPLITS)
    .filter(([n]) => n !== "virtualCameras")
    .flatMap(([, s]) => [...s.train, ...s.test]);
  throw new Error(
    `unknown subject "${subject}": it is in no split; known subjects are ${known.join(", ")} (edit lib/splits.ts to add one)`,
  );
}

/** Subjects of a split across datasets (validation sequences come from the training subjects). */
export function subjectsOf(split: SplitName): string[] {
  const s = split === "val" ? "train" : split;
  return Object.entries(SPLITS)
    .filter(([n]) => n !== "virtualCameras")
    .flatMap(([, v]) => [...(v as { train: readonly string[]; test: readonly string[] })[s]]);
}
