import { test } from "node:test";
import assert from "node:assert/strict";
import { SPLITS, splitOf, subjectsOf, VALIDATION, validationFiles } from "../lib/data/splits";

test("no subject is in both splits, in any dataset", () => {
  const train = new Set(subjectsOf("train")),
    test_ = subjectsOf("test");
  assert.deepEqual(
    test_.filter((s) => train.has(s)),
    [],
  );
  assert.deepEqual([...SPLITS.h36m.test], ["S9", "S11"]);
  assert.deepEqual([...SPLITS.virtualCameras.train], [...SPLITS.h36m.train]);
  assert.equal(splitOf("cmu-13"), "test");
  assert.equal(splitOf("bandai-P1"), "train");
  assert.throws(
    () => splitOf("bandai-P3"),
    /unknown subject "bandai-P3": it is in no split; known subjects are S1, S5/,
  );
});

test("validation holds out every 8th sequence of each training subject, by sorted file name", () => {
  // cmu-07 has 11 sequences (positions 1 and 9 are held out); cmu-05 has one (kept for training);
  // test subjects are never in validation.
  const seqs = [
    ...Array.from({ length: 11 }, (_, i) => ({
      subject: "cmu-07",
      file: `/d/cmu/07_${String(11 - i).padStart(2, "0")}.bvh`,
    })),
    { subject: "cmu-05", file: "/d/cmu/05_01.bvh" },
    ...Array.from({ length: 4 }, (_, i) => ({ subject: "cmu-13", file: `/d/cmu/13_0${i}.bvh` })),
  ];
  assert.equal(VALIDATION.everyNth, 8);
  assert.deepEqual([...validationFiles(seqs)].sort(), ["/d/cmu/07_02.bvh", "/d/cmu/07_10.bvh"]);
  // The same files in another order give the same split.
  assert.deepEqual([...validationFiles([...seqs].reverse())].sort(), ["/d/cmu/07_02.bvh", "/d/cmu/07_10.bvh"]);
  assert.deepEqual(subjectsOf("val"), subjectsOf("train"));
});
