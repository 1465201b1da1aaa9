/**
 * What a dashboard panel keeps of a run's live notifications, so that the app's next `init` (it reloads when
 * shown again) has them even before the trainer flushed them to its files, and what the app has already (by
 * step per metric split, by step for the layer statistics, by identity for alerts), so nothing is sent twice.
 */
import type { Alert, LayerStats, MetricRecord } from '../../protocol/trainer';
import type { RunSeries } from '../../protocol/webview';

export interface LiveBuffer { metrics: MetricRecord[]; layerStats: Array<{ step: number; layers: LayerStats[] }>; alerts: Alert[] }
export interface Seen { metrics: Map<string, number>; layerStats: number; alerts: Set<string> }

export function emptyBuffer(): LiveBuffer {
  return { metrics: [], layerStats: [], alerts: [] };
}

export function emptySeen(): Seen {
  return { metrics: new Map(), layerStats: -1, alerts: new Set() };
}

export function alertKey(a: Alert): string {
  return `${a.step}|${a.kind}|${a.layerId ?? ''}|${a.message}`;
}

/** The newest step per metric split and of the layer statistics, and the alerts, that `series` holds. */
export function seenOf(series: RunSeries): Seen {
  const seen = emptySeen();
  for (const r of series.metrics) seen.metrics.set(r.split, Math.max(r.step, seen.metrics.get(r.split) ?? -1));
  for (const r of series.layerStats) seen.layerStats = Math.max(seen.layerStats, r.step);
  for (const a of series.alerts) seen.alerts.add(alertKey(a));
  return seen;
}

/** Appends to `series` what arrived live and its files do not have yet. */
export function mergeLive(series: RunSeries, buffer: LiveBuffer): void {
  const seen = seenOf(series);
  for (const r of buffer.metrics) {
    if (r.step <= (seen.metrics.get(r.split) ?? -1)) continue;
    series.metrics.push(r);
    seen.metrics.set(r.split, r.step);
  }
  for (const r of buffer.layerStats) {
    if (r.step <= seen.layerStats) continue;
    series.layerStats.push(r);
    seen.layerStats = r.step;
  }
  for (const a of buffer.alerts) {
    if (seen.alerts.has(alertKey(a))) continue;
    series.alerts.push(a);
    seen.alerts.add(alertKey(a));
  }
}

export function trim<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}
