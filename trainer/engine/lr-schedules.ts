/**
 * Learning-rate schedules: pure functions of the step, so a resumed run gets the same rates.
 * A registry keyed by the model file's `schedule.type` (every LrScheduleType, exhaustively); a technique adds its
 * own with registerLrSchedule from its folder (seed 001's `depth`: trainer/stabilize/depth-lr.ts, which needs the
 * model's depth from the context), so the engine imports no technique.
 */
import type { LrScheduleSpec, LrScheduleType } from '../../spec/types';

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

export const LR_SCHEDULES: Record<LrScheduleType, LrScheduleFactory> = {
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
};

/** Schedules a technique registered (by name), beside the model file's own. */
const registered = new Map<string, LrScheduleFactory>();

/** Called by a technique for a schedule it provides; a name of the model file's own schedules cannot be taken. */
export function registerLrSchedule(name: string, factory: LrScheduleFactory): void {
  if (Object.prototype.hasOwnProperty.call(LR_SCHEDULES, name)) throw new Error(`learning-rate schedule '${name}' is the engine's own and cannot be registered again`);
  registered.set(name, factory);
}

export function createLrSchedule(spec: LrScheduleSpec, ctx?: LrScheduleContext): LrSchedule {
  const type: string = spec.type;
  const f = Object.prototype.hasOwnProperty.call(LR_SCHEDULES, type) ? LR_SCHEDULES[type as LrScheduleType] : registered.get(type);
  if (!f) throw new Error(`unknown learning-rate schedule '${type}': use one of ${[...Object.keys(LR_SCHEDULES), ...registered.keys()].join(', ')}`);
  return f(spec, ctx);
}
