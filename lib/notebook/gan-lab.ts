/**
 * Notebook helpers for pose GANs: training with a live plot of every named term (the
 * critic's Wasserstein estimate included) and the validation plausibility, and the rows of
 * the plausibility table.
 */
import { ganData, trainGan, type GanConfig, type TrainedGan } from "../train/gan-run";
import type { Row } from "../viz/tables";
import { withLiveCurves } from "./lab";

/** Train (or resume / load) a pose GAN with live curves, exported as `curves-<run name>`. */
export async function trainGanLive(cfg: GanConfig, title = `${cfg.name}: training curves`): Promise<TrainedGan> {
  return withLiveCurves(cfg.name, cfg, (onEpoch) => trainGan(cfg, ganData(cfg), { onEpoch }), title);
}

/** One table row per model (its last epoch's validation measures), then the held-out real poses. */
export function plausibilityRows(runs: { name: string; run: TrainedGan }[]): Row[] {
  const rows: Row[] = runs.map(({ name, run }) => {
    const v = run.history.at(-1)!.val;
    return {
      poses: name,
      "pose FID (mm²)": v.fid,
      "symmetry error (mm)": v.symmetry,
      "bones outside limits (%)": 100 * v.outsideAngles,
      "diversity (mm)": v.diversity,
      "critic: real − samples": v.criticGap,
    };
  });
  const ref = runs[0].run.reference;
  rows.push({
    poses: "real held-out (validation)",
    "pose FID (mm²)": ref.fid,
    "symmetry error (mm)": ref.symmetry,
    "bones outside limits (%)": 100 * ref.outsideAngles,
    "diversity (mm)": ref.diversity,
    "critic: real − samples": null,
  });
  return rows;
}
