/**
 * Depth-dependent learning rate (seed 001, pillar 3 and "Learning Rate Schedules After Warm-Up"):
 *   warm-up W = max(2000, ⌊(D−100)/100⌋·500) steps when `auto`;
 *   peak     = base·(100/D)^0.5 when `auto`;
 *   linear warm-up to the peak, cosine decay to decayTo·peak, then finalFactor·peak for the last
 *   `finalPhase` of the run.
 * Decisions (the seed leaves them open):
 * - Scaled warm-up: the seed's W is meant for long runs; when it exceeds 10% of the run, the `auto`
 *   warm-up is cut to ⌊0.1·total⌋ (at least 1) so the run still spends most of its steps at a useful LR.
 *   An explicit `warmupSteps` is kept (capped at the decay phase). The plan's `notes` say what was done.
 * - Peak cap: (100/D)^0.5 > 1 for D < 100; the seed's formula is meant to lower the LR of deep models,
 *   so the factor is capped at 1 (a shallow model trains at the user's base LR, never above it).
 * - `auto` with plain SGD and residual α keeps the peak at the base LR (spec/stabilize-auto.ts sgdWithAlpha; measured
 *   in bench:stability): the plan then receives a numeric peakLr.
 * - decayTo and finalFactor are fractions of the peak (the seed's depth-scaled "base learning rate"), so
 *   the decay always goes down (for D = 1000 the peak is 0.32·base, below 0.5·base).
 */
import type { DepthLrSpec } from '../../spec/types';
import { registerLrSchedule, type LrSchedule } from '../engine/lr-schedules';
import { autoWarmupSteps as seedWarmup, depthLrFactor as peakFactor } from '../../spec/stabilize-auto';

export const DEFAULT_DEPTH_LR: DepthLrSpec = {
  enabled: true,
  warmupSteps: 'auto',
  peakLr: 'auto',
  decayTo: 0.5,
  finalFactor: 0.1,
  finalPhase: 0.1,
};

/** Fraction of the run an `auto` warm-up may take at most. */
export const MAX_AUTO_WARMUP_FRACTION = 0.1;

/** The seed's warm-up for depth D, max(2000, ⌊(D−100)/100⌋·500), and its peak factor min(1, (100/D)^0.5): one
 * definition, in spec/ (which also shows them to the user as `stabilize: auto` choices). */

export { peakFactor, seedWarmup };

export interface DepthLrPlan {
  depth: number;
  totalSteps: number;
  /** Warm-up steps actually used. */
  warmup: number;
  /** First step of the final constant phase (= end of the cosine decay). */
  finalStart: number;
  /** Peak LR as a multiple of the base LR when `peakLr` is auto (undefined for an explicit peakLr). */
  peakFactor: number | undefined;
  /** What was decided, one line each. */
  notes: string[];
}

export function planDepthLr(spec: DepthLrSpec, depth: number, totalSteps: number): DepthLrPlan {
  const notes: string[] = [];
  const total = Math.max(1, totalSteps);
  const finalStart = Math.max(0, total - Math.round(spec.finalPhase * total));
  let warmup: number;
  if (spec.warmupSteps === 'auto') {
    const w = seedWarmup(depth);
    const cap = Math.max(1, Math.floor(MAX_AUTO_WARMUP_FRACTION * total));
    warmup = Math.min(w, cap);
    notes.push(warmup < w
      ? `warm-up: the seed's ${w} steps for depth ${depth} are more than ${MAX_AUTO_WARMUP_FRACTION * 100}% of this ${total}-step run; scaled to ${warmup} steps`
      : `warm-up: ${warmup} steps (seed formula for depth ${depth})`);
  } else {
    warmup = Math.max(0, Math.floor(spec.warmupSteps));
    notes.push(`warm-up: ${warmup} steps (set in the model file)`);
  }
  warmup = Math.min(warmup, finalStart);
  const pf = spec.peakLr === 'auto' ? peakFactor(depth) : undefined;
  if (spec.peakLr === 'auto') {
    const raw = Math.sqrt(100 / Math.max(1, depth));
    notes.push(raw > 1
      ? `peak LR: base × 1 (the seed's (100/${depth})^0.5 = ${raw.toFixed(3)} is capped at 1 for depth under 100)`
      : `peak LR: base × ${raw.toFixed(3)} = (100/${depth})^0.5`);
  } else {
    notes.push(`peak LR: ${spec.peakLr} (set in the model file, or by stabilize: auto for plain SGD with residual α)`);
  }
  notes.push(`LR: cosine decay to ${spec.decayTo} × peak by step ${finalStart}, then ${spec.finalFactor} × peak for the last ${total - finalStart} steps`);
  return { depth, totalSteps: total, warmup, finalStart, peakFactor: pf, notes };
}

/** The LR at 0-based `step` of a plan, for the base LR `base`. */
export function depthLrAt(spec: DepthLrSpec, plan: DepthLrPlan, step: number, base: number): number {
  const peak = spec.peakLr === 'auto' ? base * plan.peakFactor! : spec.peakLr;
  const { warmup, finalStart } = plan;
  if (step < warmup) return (peak * (step + 1)) / warmup;
  if (step >= finalStart) return peak * spec.finalFactor;
  const low = peak * spec.decayTo;
  const p = Math.min(1, (step - warmup) / Math.max(1, finalStart - warmup - 1));
  return low + (peak - low) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/** An LrSchedule (registered below as the engine's `depth` schedule): plans once per run length. */
export function depthLrSchedule(spec: DepthLrSpec, depth: number): LrSchedule & { plan(totalSteps: number): DepthLrPlan } {
  let cached: DepthLrPlan | undefined;
  const plan = (total: number) => (cached && cached.totalSteps === Math.max(1, total) ? cached : (cached = planDepthLr(spec, depth, total)));
  return { plan, at: (step, total, base) => depthLrAt(spec, plan(total), step, base) };
}

/** Seed 001 as a named schedule: depth-scaled warm-up and peak, cosine decay, final constant phase (`warmupSteps` 0 = auto). */
registerLrSchedule('depth', (spec, ctx) =>
  depthLrSchedule({ ...DEFAULT_DEPTH_LR, warmupSteps: spec.warmupSteps > 0 ? spec.warmupSteps : 'auto' }, ctx?.depth ?? 100));
