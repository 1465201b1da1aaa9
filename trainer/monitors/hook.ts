/**
 * Runs monitors from one TrainingHook: every `every` steps, on the per-layer statistics of that step
 * (no extra device read: the same batched read as layer-stats.jsonl when the periods match). The same
 * (kind, rule, layer) alert is emitted at most once per `dedupeSteps` (100) steps; what is left of one step
 * is grouped, one alert per (kind, rule) on the first layer in model order with the rest in `others`, so
 * alerts.jsonl, the CLI, the editor's notifications and the Problems panel show one line per cause.
 */
import type { Alert } from '../../protocol/trainer';
import type { TrainingHook } from '../engine/hooks';
import type { LayerAlert, Monitor } from './monitor';

/** Monitor period when monitors are asked for but `train.statsEvery` is 0. */
export const DEFAULT_MONITOR_EVERY = 10;

/** Drops an alert when the same kind and rule for the same layer was emitted less than `steps` steps earlier. */
export class AlertDedupe {
  private readonly last = new Map<string, number>();
  constructor(private readonly steps = 100) {}

  admit(alert: LayerAlert): boolean {
    const key = `${alert.kind}\u0000${alert.rule ?? ''}\u0000${alert.layerId ?? ''}`;
    const prev = this.last.get(key);
    if (prev !== undefined && alert.step - prev < this.steps) return false;
    this.last.set(key, alert.step);
    return true;
  }
}

/**
 * One alert per (kind, rule) of one step: the first layer in `order` (the model's layer ids) carries the
 * alert, its message and threshold; the other layers follow in `others` with their values. Alerts without a
 * layer stay alone. Groups come in the order of their first alert.
 */
export function groupAlerts(alerts: readonly LayerAlert[], order: readonly string[]): Alert[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  const at = (a: LayerAlert) => rank.get(a.layerId ?? '') ?? order.length;
  const groups = new Map<string, LayerAlert[]>();
  alerts.forEach((a, i) => {
    const key = a.layerId === undefined ? `#${i}` : `${a.kind}\u0000${a.rule ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  });
  return [...groups.values()].map((g) => {
    const [{ rule: _rule, ...first }, ...rest] = [...g].sort((a, b) => at(a) - at(b));
    return rest.length === 0 ? first : { ...first, others: rest.map((a) => ({ layerId: a.layerId!, ...(a.value !== undefined ? { value: a.value } : {}) })) };
  });
}

export function monitorHook(monitors: Monitor[], opts: { every: number; emit(alert: Alert): void; dedupeSteps?: number }): TrainingHook {
  const dedupe = new AlertDedupe(opts.dedupeSteps ?? 100);
  return {
    id: 'monitors',
    every: monitors.length > 0 ? opts.every : 0,
    onStats(stats) {
      const order = stats.layers.map((l) => l.layerId);
      for (const m of monitors) for (const a of groupAlerts(m.check(stats).filter((x) => dedupe.admit(x)), order)) opts.emit(a);
    },
  };
}
