/** Lifters by kind: the one place that maps a config's `model` to its implementation. */
import { AutoencoderLifter } from "./ae";
import { BaselineLifter } from "./baseline";
import { CvaeLifter } from "./cvae";
import type { Lifter, LifterOptions, ModelKind } from "./lifter";
import { MODEL_KINDS } from "./lifter";
import { VaeLifter } from "./vae";
import { VaeGanLifter } from "./vae-gan";

const LIFTERS: Record<ModelKind, new (opts: LifterOptions, seed: number) => Lifter> = {
  "beta-vae": VaeLifter,
  ae: AutoencoderLifter,
  baseline: BaselineLifter,
  "vae-gan": VaeGanLifter,
  cvae: CvaeLifter,
};

/** A new lifter of `kind` with seeded weights. */
export function createLifter(kind: ModelKind, opts: LifterOptions, seed: number): Lifter {
  const make = LIFTERS[kind];
  if (!make) throw new Error(`unknown model "${kind}"; models are ${MODEL_KINDS.join(", ")}`);
  return new make(opts, seed);
}
