/**
 * Runs monitors from one TrainingHook: every `every` steps, on the per-layer statistics of that step
 * (no extra device read: the same batched read as layer-stats.jsonl when the periods match). The same
 * (kind, layer) alert is emitted at most once per `dedupeSteps` (100) steps.
 */
import type { Alert } from '../../protocol/trainer';
import type { TrainingHook } from '../engine/hooks';
import type { Monitor } from './monitor';

/** Monitor period when monitors are asked for but `train.statsEvery` is 0. */
export const DEFAULT_MONITOR_EVERY = 10;

/** Drops an alert when the same kind for the same layer was emitted less than `steps` steps earlier. */
export class AlertDedupe {
  private readonly last = new Map<string, number>();
  constructor(private readonly steps = 100) {}

  admit(alert: Alert): boolean {
    const key = `${alert.kind}\u0000${alert.layerId ?? ''}`;
    const prev = this.last.get(key);
    if (prev !== undefined && alert.step - prev < this.steps) return false;
    this.last.set(key, alert.step);
    return true;
  }
}

export function monitorHook(monitors: Monitor[], opts: { every: number; emit(alert: Alert): void; dedupeSteps?: number }): TrainingHook {
  const dedupe = new AlertDedupe(opts.dedupeSteps ?? 100);
  return {
    id: 'monitors',
    every: monitors.length > 0 ? opts.every : 0,
    onStats(stats) {
      for (const m of monitors) for (const a of m.check(stats)) if (dedupe.admit(a)) opts.emit(a);
    },
  };
}
