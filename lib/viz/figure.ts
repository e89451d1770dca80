/** The figure type every plotting module shares (kept apart so exporters need not import plot.ts). */
import type { Config, Data, Layout } from "plotly.js-dist-min";

/** A plotly figure: traces, layout, config. */
export interface Figure {
  data: Partial<Data>[];
  layout?: Partial<Layout>;
  config?: Partial<Config>;
}
