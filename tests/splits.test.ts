import { test } from "node:test";
import assert from "node:assert/strict";
import { SPLITS, splitOf, subjectsOf } from "../lib/data/splits";

test("no subject is in both splits, in any dataset", () => {
  const train = new Set(subjectsOf("train")), test_ = subjectsOf("test");
  assert.deepEqual(test_.filter((s) => train.has(s)), []);
  assert.deepEqual([...SPLITS.h36m.test], ["S9", "S11"]);
  assert.deepEqual([...SPLITS.virtualCameras.train], [...SPLITS.h36m.train]);
  assert.equal(splitOf("cmu-13"), "test");
  assert.equal(splitOf("bandai-P1"), "train");
  assert.throws(() => splitOf("bandai-P3"), /unknown subject "bandai-P3": it is in no split; known subjects are S1, S5/);
});
