/**
 * The spectral-norm bound over the run (seed 001, pillar 1): tight early (e.g. 0.9), relaxed later (2.0).
 * bound(step) moves from `initial` to `final` over `steps` steps (0 = the whole run), then stays at `final`.
 * A registry of interpolations keyed by `spectral.schedule`; `exponential` is geometric (a·(b/a)^p) and
 * falls back to linear when either end is not positive.
 */
import type { BoundSchedule, SpectralSpec } from '../../spec/types';

/** Interpolates from a to b at progress p ∈ [0, 1]. */
export type Interpolation = (a: number, b: number, p: number) => number;

export const BOUND_SCHEDULES: Record<BoundSchedule, Interpolation> = {
  linear: (a, b, p) => a + (b - a) * p,
  cosine: (a, b, p) => a + (b - a) * 0.5 * (1 - Math.cos(Math.PI * p)),
  exponential: (a, b, p) => (a > 0 && b > 0 ? a * Math.pow(b / a, p) : a + (b - a) * p),
};

/** Progress of `step` through a phase of `steps` steps: 0 at step 0, 1 at `steps` and after. */
export function progress(step: number, steps: number): number {
  return steps > 0 ? Math.min(1, Math.max(0, step / steps)) : 1;
}

/** bound(step) for a run of `totalSteps` steps. */
export function boundSchedule(spec: Pick<SpectralSpec, 'initial' | 'final' | 'schedule' | 'steps'>, totalSteps: number): (step: number) => number {
  const f = BOUND_SCHEDULES[spec.schedule];
  if (!f) throw new Error(`unknown spectral bound schedule '${spec.schedule}': use one of ${Object.keys(BOUND_SCHEDULES).join(', ')}`);
  const span = spec.steps > 0 ? spec.steps : totalSteps;
  return (step) => f(spec.initial, spec.final, progress(step, span));
}
