/**
 * A sweep's results, summarised (issue 17, item 5): the points table, the metric per value of every non-seed axis
 * (mean ± sample standard deviation over the points with that value) and per configuration (the points that differ
 * only in their seed axes), best first. Pure: a `SweepRecord` in, a `SweepSummary` (protocol/sweep.ts) out, printed by
 * `dynaxx sweep --report` (`formatSweepTables`, `sweepJson`) and drawn by the dashboard's sweep view (`sweepView`).
 *
 * What is averaged: points with a finite metric only. A diverged run, or a completed one whose metric is missing or
 * not finite, counts as diverged; failed points count as failed; neither is averaged.
 */
import type {
  AxisSummary, AxisValue, ConfigurationSummary, MetricStats, PointOutcome, PointResult, SweepParetoPoint, SweepRecord,
  SweepRow, SweepSummary, SweepView,
} from '../../protocol/sweep';
import { formatNumber, table } from '../cli/progress';

/** The longest error text a row keeps (its first line). */
export const MAX_ERROR_CHARS = 160;

export function summarizeSweep(record: SweepRecord): SweepSummary {
  const def = record.def;
  const seeds = new Set(def.seedAxes);
  const axes = def.axes.map((key) => ({ key, name: shortName(key, def.axes), seed: seeds.has(key) }));
  const byPoint = new Map<number, PointResult>();
  for (const r of record.results) byPoint.set(r.point, r);
  const indices = [...new Set([...def.points.map((p) => p.index), ...byPoint.keys()])].sort((a, b) => a - b);
  const pointValues = new Map(def.points.map((p) => [p.index, p.values]));
  const rows: SweepRow[] = indices.map((point) => row(point, pointValues.get(point) ?? {}, byPoint.get(point), def.axes));

  const goal = def.metric.goal;
  const perAxis: AxisSummary[] = [];
  axes.forEach((axis, i) => {
    if (axis.seed) return;
    const groups = groupBy(rows, (r) => [r.values[i] ?? null]);
    const values = groups.map((g) => ({ value: g.values[0] ?? null, ...stats(g.rows), best: false }));
    markBest(values, goal);
    perAxis.push({ key: axis.key, name: axis.name, values });
  });

  const free = axes.map((a, i) => (a.seed ? -1 : i)).filter((i) => i >= 0);
  const configurations: ConfigurationSummary[] = groupBy(rows, (r) => free.map((i) => r.values[i] ?? null))
    .map((g) => ({ values: g.values, points: g.rows.map((r) => r.point), ...stats(g.rows), best: false }));
  configurations.sort((a, b) => compareStats(a, b, goal) || a.points[0]! - b.points[0]!);
  if (configurations[0]?.mean !== undefined) configurations[0].best = true;

  const counts: Record<PointOutcome, number> = { ok: 0, diverged: 0, failed: 0, cancelled: 0, pending: 0 };
  for (const r of rows) counts[r.outcome]++;
  return {
    id: def.id, name: def.name, command: def.command, metric: def.metric, executor: record.executor, status: record.status,
    updatedAt: record.updatedAt, axes, rows, perAxis, configurations, counts,
  };
}

/** The summary, the runs of this sweep not in the runs directory at hand, and a prune sweep's Pareto points, front marked. */
export function sweepView(record: SweepRecord, missingRuns: string[] = []): SweepView {
  const summary = summarizeSweep(record);
  const points = record.results
    .filter((r) => r.status === 'completed' || r.status === 'diverged')
    .flatMap((r) => (r.pareto ?? []).map((p) => ({ point: r.point, ...(r.runId ? { runId: r.runId } : {}), ...p, front: false })))
    .filter((p) => Number.isFinite(p.accuracy) && Number.isFinite(p.flopReduction));
  markFront(points);
  return { ...summary, missingRuns, ...(record.def.command === 'prune' || points.length > 0 ? { pareto: points } : {}) };
}

/** Marks the points no other point beats in both accuracy and FLOP reduction (at least as good in both, better in one). */
export function markFront(points: SweepParetoPoint[]): void {
  for (const p of points) {
    p.front = !points.some((q) => q.accuracy >= p.accuracy && q.flopReduction >= p.flopReduction && (q.accuracy > p.accuracy || q.flopReduction > p.flopReduction));
  }
}

/** An axis's name for tables: its last key segment, or as many trailing segments as tell it from the other axes. */
export function shortName(key: string, axes: string[]): string {
  const parts = key.split('.');
  for (let k = 1; k < parts.length; k++) {
    const name = parts.slice(-k).join('.');
    if (!axes.some((other) => other !== key && other.split('.').slice(-k).join('.') === name)) return name;
  }
  return key;
}

/** The metric's mean ± sample standard deviation over the points with a finite metric; the others counted. */
export function stats(rows: SweepRow[]): MetricStats {
  const xs = rows.filter((r) => r.outcome === 'ok').map((r) => r.metric!);
  const count = (o: PointOutcome) => rows.filter((r) => r.outcome === o).length;
  const out: MetricStats = { n: xs.length, diverged: count('diverged'), failed: count('failed'), pending: count('pending') + count('cancelled') };
  if (xs.length === 0) return out;
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  out.mean = mean;
  if (xs.length >= 2) out.std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
  return out;
}

function row(point: number, values: Record<string, unknown>, r: PointResult | undefined, axes: string[]): SweepRow {
  const status = r?.status ?? 'queued';
  const metric = r?.metric ?? undefined;
  const finite = typeof metric === 'number' && Number.isFinite(metric);
  const outcome: PointOutcome = status === 'completed' ? (finite ? 'ok' : 'diverged')
    : status === 'diverged' ? 'diverged'
      : status === 'failed' ? 'failed'
        : status === 'cancelled' ? 'cancelled' : 'pending';
  const error = r?.error ? oneLine(r.error) : undefined;
  return {
    point, values: axes.map((a) => axisValue(values[a])), status, outcome,
    ...(finite ? { metric } : {}),
    ...(r?.worker ? { worker: r.worker } : {}),
    attempts: r?.attempts ?? 0,
    ...(r?.runId ? { runId: r.runId } : {}),
    ...(error ? { error } : {}),
  };
}

function axisValue(v: unknown): AxisValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v) ?? String(v);
}

/** The first non-empty line, at most `MAX_ERROR_CHARS` characters. */
export function oneLine(text: string): string {
  const line = text.split(/\r\n|\r|\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}

/** Groups in order of first appearance. */
function groupBy(rows: SweepRow[], key: (r: SweepRow) => AxisValue[]): Array<{ values: AxisValue[]; rows: SweepRow[] }> {
  const groups = new Map<string, { values: AxisValue[]; rows: SweepRow[] }>();
  for (const r of rows) {
    const values = key(r);
    const k = JSON.stringify(values);
    const g = groups.get(k) ?? { values, rows: [] };
    g.rows.push(r);
    groups.set(k, g);
  }
  return [...groups.values()];
}

/** Better mean first (by goal); without a mean last. */
function compareStats(a: MetricStats, b: MetricStats, goal: 'max' | 'min'): number {
  if (a.mean === undefined || b.mean === undefined) return (a.mean === undefined ? 1 : 0) - (b.mean === undefined ? 1 : 0);
  return goal === 'max' ? b.mean - a.mean : a.mean - b.mean;
}

function markBest(values: Array<MetricStats & { best: boolean }>, goal: 'max' | 'min'): void {
  let best: (MetricStats & { best: boolean }) | undefined;
  for (const v of values) if (v.mean !== undefined && (!best || compareStats(v, best, goal) < 0)) best = v;
  if (best) best.best = true;
}

// ---- terminal and JSON ----

/** An axis value as a table shows it (numbers as JavaScript writes them: 0.0003, 1e-7). */
export function formatValue(v: AxisValue): string {
  return v === null ? '–' : String(v);
}

/** `0.9123 ± 0.0041`, `0.9123` (one point), `–` (none). */
export function formatStats(s: MetricStats): string {
  if (s.mean === undefined) return '–';
  return s.std === undefined ? formatNumber(s.mean) : `${formatNumber(s.mean)} ± ${formatNumber(s.std)}`;
}

const COUNTED: Record<PointOutcome, string> = { ok: 'yes', diverged: 'no: diverged', failed: 'no: failed', cancelled: 'no: cancelled', pending: 'no: not finished' };

/** The points table, the per-axis summary and the configurations, as aligned text (control characters escaped). */
export function formatSweepTables(s: SweepSummary): string {
  const m = s.metric;
  const c = s.counts;
  const done = [`${c.ok} with a metric`, ...(['diverged', 'failed', 'cancelled', 'pending'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k === 'pending' ? 'not finished' : k}`)];
  const head = [
    `sweep ${s.name} (${s.id}): ${s.command}, ${s.status}, executor ${s.executor}`,
    `metric ${m.name} (${m.goal === 'max' ? 'higher' : 'lower'} is better); ${s.rows.length} points: ${done.join(', ')}`,
  ];
  const names = s.axes.map((a) => a.name);
  const points = table(
    ['point', ...names, 'status', m.name, 'averaged', 'worker', 'attempts', 'run', 'error'],
    s.rows.map((r) => [
      r.point, ...r.values.map(formatValue), r.status, r.metric === undefined ? '–' : formatNumber(r.metric), COUNTED[r.outcome],
      r.worker ?? '', r.attempts, r.runId ?? '', r.error ?? '',
    ]),
  );
  const out = [...head, '', 'Points', points];
  const seeds = s.axes.filter((a) => a.seed).map((a) => a.name);
  const over = seeds.length > 0 ? `over ${seeds.join(', ')} and the other axes` : 'over the other axes';
  if (s.perAxis.length > 0) {
    const rows = s.perAxis.flatMap((a) => a.values.map((v) => [a.name, formatValue(v.value), formatStats(v), v.n, v.diverged, v.failed, v.best ? 'best' : '']));
    out.push('', `Per axis: ${m.name} mean ± sample std ${over} (diverged and failed points not averaged)`,
      table(['axis', 'value', `${m.name} mean ± std`, 'n', 'diverged', 'failed', ''], rows));
  }
  const free = s.axes.filter((a) => !a.seed).map((a) => a.name);
  if (free.length > 0 && s.configurations.length > 0) {
    const rows = s.configurations.map((g, i) => [i + 1, ...g.values.map(formatValue), formatStats(g), g.n, g.diverged, g.failed, g.best ? 'best' : '']);
    out.push('', `Configurations, best first: ${m.name} mean ± sample std${seeds.length > 0 ? ` over ${seeds.join(', ')}` : ''}`,
      table(['rank', ...free, `${m.name} mean ± std`, 'n', 'diverged', 'failed', ''], rows));
  }
  return `${out.join('\n')}\n`;
}

/** `--json`: the summary as one JSON document (non-finite numbers never occur: a missing metric is left out). */
export function sweepJson(s: SweepSummary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}
