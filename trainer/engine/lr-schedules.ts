/**
 * Learning-rate schedules: pure functions of the step, so a resumed run gets the same rates.
 * A registry keyed by the model file's `schedule.type`; `depth` is the depth-scaled warm-up of seed 001
 * (trainer/stabilize/depth-lr.ts), which needs the model's depth from the context.
 */
import type { LrScheduleSpec } from '../../spec/types';
import { DEFAULT_DEPTH_LR, depthLrSchedule } from '../stabilize/depth-lr';

export interface LrSchedule {
  /** Learning rate for 0-based `step` of `totalSteps`, given the peak `base` rate. */
  at(step: number, totalSteps: number, base: number): number;
}

/** What a schedule may know about the model besides its spec. */
export interface LrScheduleContext {
  /** Trainable weight layers (ModelFile.depth). */
  depth?: number;
}

export type LrScheduleFactory = (spec: LrScheduleSpec, ctx?: LrScheduleContext) => LrSchedule;

function warmupFactor(step: number, warmup: number): number {
  return warmup > 0 && step < warmup ? (step + 1) / warmup : 1;
}

export const LR_SCHEDULES: Record<string, LrScheduleFactory> = {
  constant: () => ({ at: (_s, _t, base) => base }),
  /** Linear warm-up from base/warmup to base over `warmupSteps`, then constant. */
  warmup: (spec) => ({ at: (s, _t, base) => base * warmupFactor(s, spec.warmupSteps) }),
  /** Linear warm-up, then cosine decay from base to base·minFactor at the last step. */
  cosine: (spec) => ({
    at: (s, total, base) => {
      if (s < spec.warmupSteps) return base * warmupFactor(s, spec.warmupSteps);
      const span = Math.max(1, total - spec.warmupSteps - 1);
      const p = Math.min(1, (s - spec.warmupSteps) / span);
      const min = base * spec.minFactor;
      return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * p));
    },
  }),
  /** Seed 001: depth-scaled warm-up and peak, cosine decay, final constant phase (`warmupSteps` 0 = auto). */
  depth: (spec, ctx) =>
    depthLrSchedule({ ...DEFAULT_DEPTH_LR, warmupSteps: spec.warmupSteps > 0 ? spec.warmupSteps : 'auto' }, ctx?.depth ?? 100),
};

export function createLrSchedule(spec: LrScheduleSpec, ctx?: LrScheduleContext): LrSchedule {
  const f = LR_SCHEDULES[spec.type];
  if (!f) throw new Error(`unknown learning-rate schedule '${spec.type}': use one of ${Object.keys(LR_SCHEDULES).join(', ')}`);
  return f(spec, ctx);
}
