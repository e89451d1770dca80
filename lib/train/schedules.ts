/**
 * β schedules for the KL weight, as a function of training progress t ∈ [0, 1]
 * (fraction of all training steps done):
 * - `constant`: β;
 * - `linear`: warm-up from 0 to β over the first `warmup` fraction, then β;
 * - `cyclical` (Fu et al. 2019): `cycles` cycles; in each, β rises linearly over the
 *   first `ratio` of the cycle, then stays at β.
 */
export type BetaSchedule =
  | { kind: "constant" }
  | { kind: "linear"; warmup: number }
  | { kind: "cyclical"; cycles: number; ratio: number };

export function betaAt(beta: number, schedule: BetaSchedule, t: number): number {
  const p = Math.min(1, Math.max(0, t));
  switch (schedule.kind) {
    case "constant":
      return beta;
    case "linear":
      return schedule.warmup <= 0 ? beta : beta * Math.min(1, p / schedule.warmup);
    case "cyclical": {
      if (schedule.cycles < 1 || schedule.ratio <= 0)
        throw new Error(`cyclical β schedule needs cycles ≥ 1 and ratio > 0, got ${JSON.stringify(schedule)}`);
      const period = 1 / schedule.cycles;
      const tau = p >= 1 ? 1 : (p % period) / period;
      return beta * Math.min(1, tau / schedule.ratio);
    }
  }
}

/** Learning rate with exponential decay: lr · decay^(step / decaySteps). */
export function learningRateAt(lr: number, decay: number, decaySteps: number, step: number): number {
  return decaySteps > 0 ? lr * decay ** (step / decaySteps) : lr;
}
