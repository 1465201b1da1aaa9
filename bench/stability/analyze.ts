/**
 * What one run's per-step losses say: diverged or not, loss spikes, steps to a target loss, first and final
 * loss, mean step time. The same rules for both arms; pure functions, tested in stability.test.ts. Divergence is the
 * product's own rule (trainer/engine/divergence.ts), so the benchmark and the run status agree.
 */
import { DIVERGENCE, firstDivergence } from '../../trainer/engine/divergence';
import { median } from '../../trainer/engine/numbers';

/** One logged training step (logEvery 1: one record per step). */
export interface StepPoint {
  step: number;
  loss: number;
  /** Milliseconds of this step, host read included. */
  ms: number;
  lr?: number;
}

export interface SpikeRule {
  /** A loss above `factor` × the running median of the previous `window` losses is a spike. */
  factor: number;
  window: number;
  /** No spike is counted before this many losses exist. */
  minHistory: number;
}

export const SPIKE_RULE: SpikeRule = { factor: 3, window: 20, minHistory: 1 };

/** The divergence rule (the product's: factor, patience), recorded with the results. */
export const DIVERGENCE_RULE = DIVERGENCE;
/** @deprecated the rule's factor; use DIVERGENCE_RULE (a blow-up also needs `patience` reads in a row). */
export const BLOWUP_FACTOR = DIVERGENCE.factor;

/**
 * Steps whose loss exceeds `factor` × the median of the previous `window` finite losses. A run of consecutive
 * spiking steps counts once (one spike event); a non-finite loss counts as a spike.
 */
export function spikeSteps(points: readonly StepPoint[], rule: SpikeRule = SPIKE_RULE): number[] {
  const out: number[] = [];
  const hist: number[] = [];
  let inSpike = false;
  for (const p of points) {
    const finite = Number.isFinite(p.loss);
    const ref = hist.length >= rule.minHistory ? median(hist.slice(-rule.window)) : NaN;
    const spike = !finite || (Number.isFinite(ref) && p.loss > rule.factor * ref);
    if (spike && !inSpike) out.push(p.step);
    inSpike = spike;
    if (finite) hist.push(p.loss);
  }
  return out;
}

/** First step at which the mean of the last `smooth` losses is at or below `target`; undefined if never. */
export function stepsToTarget(points: readonly StepPoint[], target: number, smooth = 10): number | undefined {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    sum += points[i]!.loss;
    if (i >= smooth) sum -= points[i - smooth]!.loss;
    const n = Math.min(i + 1, smooth);
    if (i + 1 >= smooth && Number.isFinite(sum) && sum / n <= target) return points[i]!.step;
  }
  return undefined;
}

/** Mean of the last `n` losses (the final loss, smoothed over per-batch noise). */
export function finalLoss(points: readonly StepPoint[], n = 10): number {
  const tail = points.slice(-n).map((p) => p.loss);
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN;
}

/** Mean step time in ms over the steps after the first `skip` (kernel compilation, memory pools). */
export function meanStepMs(points: readonly StepPoint[], skip = 5, upTo = Infinity): number {
  const xs = points.filter((p, i) => i >= skip && p.step <= upTo).map((p) => p.ms);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

export interface RunOutcome {
  status: string;
  error?: string;
  /** Steps the run got through. */
  steps: number;
  points: StepPoint[];
}

export interface RunSummary {
  diverged: boolean;
  reason?: string;
  spikes: number;
  spikeSteps: number[];
  stepsToTarget?: number;
  loss0: number;
  finalLoss: number;
  /** Lowest (smoothed) loss seen: tells a run that learned and then blew up from one that never learned. */
  bestLoss: number;
  meanStepMs: number;
  stepsRun: number;
}

/**
 * A run diverged when it did not complete (the trainer's own `diverged`, or an error), or when its per-step losses
 * meet the divergence rule (for runs recorded before the trainer applied it).
 */
export function summarize(run: RunOutcome, target: number, rule: SpikeRule = SPIKE_RULE): RunSummary {
  const pts = run.points;
  const loss0 = pts[0]?.loss ?? NaN;
  const byRule = firstDivergence(pts);
  const diverged = run.status !== 'completed' || byRule !== undefined;
  const spikes = spikeSteps(pts, rule);
  let best = Infinity;
  for (let i = 0; i + 5 <= pts.length; i++) best = Math.min(best, finalLoss(pts.slice(i, i + 5), 5));
  return {
    diverged,
    reason: run.status !== 'completed' ? (run.error ?? run.status) : byRule?.reason,
    spikes: spikes.length,
    spikeSteps: spikes,
    stepsToTarget: stepsToTarget(pts, target),
    loss0,
    finalLoss: finalLoss(pts),
    bestLoss: Number.isFinite(best) ? best : NaN,
    meanStepMs: meanStepMs(pts),
    stepsRun: run.steps,
  };
}

/** Per-step overhead of the protocol, %: stabilized vs baseline mean step time over the steps both ran. */
export function overheadPct(baseline: readonly StepPoint[], stabilized: readonly StepPoint[], skip = 5): { pct: number; steps: number } {
  const upTo = Math.min(baseline.at(-1)?.step ?? 0, stabilized.at(-1)?.step ?? 0);
  const b = meanStepMs(baseline, skip, upTo);
  const s = meanStepMs(stabilized, skip, upTo);
  return { pct: (s / b - 1) * 100, steps: Math.max(0, upTo - skip) };
}
