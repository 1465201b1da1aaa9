/**
 * What the editor shows of a sweep, as plain text from its `sweep/event`s (protocol/sweep.ts): the progress line
 * ("Sweep mlp-lr: 3/8 points, p4 120/300 loss 0.41"), one output line per point that starts or ends, and the
 * closing notification ("Sweep mlp-lr completed: 8 points, best valAccuracy 0.86 (p3)"). No vscode here: tested
 * with node:test alone.
 */
import type { PointResult, SweepEvent, SweepMetric } from '../protocol/sweep';

/** A sweep as the editor follows it. */
export class SweepState {
  total = 0;
  executor = '';
  /** The sweep's metric and which way is better (from the `started` event). */
  metric: SweepMetric | undefined;
  readonly results = new Map<number, PointResult>();
  /** The latest progress of each running point, and which point reported last. */
  readonly progress = new Map<number, { step: number; totalSteps: number; loss?: number }>();
  lastPoint: number | undefined;
  finished: Extract<SweepEvent, { kind: 'finished' }> | undefined;

  constructor(readonly sweepId: string, readonly name: string) {}

  /** Takes one event in; returns the output line it makes, if any. */
  apply(e: SweepEvent): string | undefined {
    switch (e.kind) {
      case 'started':
        this.total = e.points;
        this.executor = e.executor;
        this.metric = e.metric;
        return `sweep ${e.sweepId}: ${e.points} point${e.points === 1 ? '' : 's'} on ${e.executor}`;
      case 'point': {
        const prev = this.results.get(e.result.point);
        this.results.set(e.result.point, e.result);
        if (e.result.status !== 'running') this.progress.delete(e.result.point);
        if (prev?.status === e.result.status || e.result.status === 'queued') return undefined;
        return pointLine(e.result, this.metric?.name);
      }
      case 'progress':
        this.progress.set(e.point, { step: e.step, totalSteps: e.totalSteps, ...(e.loss !== undefined ? { loss: e.loss } : {}) });
        this.lastPoint = e.point;
        return undefined;
      case 'log':
        return `sweep ${e.sweepId}: ${e.level === 'info' ? '' : `${e.level}: `}${e.message}`;
      case 'finished':
        this.finished = e;
        this.progress.clear();
        return `sweep ${e.sweepId} ${e.status}: ${e.completed} completed, ${e.failed} failed`;
    }
  }

  /** Points that ended (completed, failed, diverged or cancelled). */
  get done(): number {
    let n = 0;
    for (const r of this.results.values()) if (r.status !== 'queued' && r.status !== 'running') n++;
    return n;
  }
}

/** "Sweep mlp-lr: 3/8 points, p4 120/300 loss 0.41" (the point that reported last), "Sweep mlp-lr: 0/8 points". */
export function progressText(s: SweepState): string {
  const head = `Sweep ${s.name}: ${s.done}/${s.total || '?'} points`;
  const p = s.lastPoint !== undefined ? s.progress.get(s.lastPoint) : undefined;
  if (!p || s.lastPoint === undefined) return head;
  const loss = p.loss !== undefined && Number.isFinite(p.loss) ? ` loss ${formatNumber(p.loss)}` : '';
  const others = s.progress.size > 1 ? ` (+${s.progress.size - 1} running)` : '';
  return `${head}, p${s.lastPoint} ${p.step}/${p.totalSteps}${loss}${others}`;
}

/** The percentage of points that ended, for the progress bar. */
export function progressPercent(s: SweepState): number {
  return s.total > 0 ? Math.floor((100 * s.done) / s.total) : 0;
}

/** "point 3 completed: valAccuracy 0.8612 (run 2026…)", "point 2 failed: …", "point 1 running on host:123 (try 2)". */
export function pointLine(r: PointResult, name?: string): string {
  if (r.status === 'running') return `point ${r.point} running${r.worker ? ` on ${r.worker}` : ''}${r.attempts > 1 ? ` (try ${r.attempts})` : ''}`;
  const metric = r.metric !== undefined ? `: ${name ?? metricName(r)} ${formatNumber(r.metric)}` : '';
  const error = r.error ? `: ${r.error.split('\n')[0]}` : '';
  return `point ${r.point} ${r.status}${metric}${r.runId ? ` (run ${r.runId})` : ''}${error}`;
}

/** The name of the sweep's metric in a point's final summary (the key whose value it is), else `metric`. */
export function metricName(r: PointResult): string {
  if (r.final && r.metric !== undefined) for (const [k, v] of Object.entries(r.final)) if (v === r.metric) return k;
  return 'metric';
}

/** Whether lower is better for a metric name: losses and errors (the sweep file's default rule). */
export function lowerIsBetter(name: string): boolean {
  return /loss|error/i.test(name);
}

/** The best completed point by the sweep's metric (its goal; without one, lower is better for losses and errors). */
export function bestPoint(results: Iterable<PointResult>, metric?: SweepMetric): PointResult | undefined {
  let best: PointResult | undefined;
  for (const r of results) {
    if (r.status !== 'completed' || r.metric === undefined || !Number.isFinite(r.metric)) continue;
    const lower = metric ? metric.goal === 'min' : lowerIsBetter(metricName(r));
    if (!best || (lower ? r.metric < best.metric! : r.metric > best.metric!)) best = r;
  }
  return best;
}

/** "Sweep mlp-lr completed: 8 points, best valAccuracy 0.86 (p3)"; failures and cancellation said first. */
export function finishedText(s: SweepState): string {
  const f = s.finished;
  const status = f?.status ?? 'interrupted';
  const total = s.total || s.results.size;
  const failed = f?.failed ?? [...s.results.values()].filter((r) => r.status === 'failed').length;
  const completed = f?.completed ?? [...s.results.values()].filter((r) => r.status === 'completed').length;
  const count = status === 'completed' ? `${total} point${total === 1 ? '' : 's'}` : `${completed} of ${total} points completed`;
  const failures = failed > 0 ? `, ${failed} failed` : '';
  const best = bestPoint(s.results.values(), s.metric);
  const bestText = best ? `, best ${s.metric?.name ?? metricName(best)} ${formatNumber(best.metric!, 2)} (p${best.point})` : '';
  return `Sweep ${s.name} ${status}: ${count}${failures}${bestText}`;
}

/** A metric or loss as people read it: 0.86, 0.4123, 1.2e-5. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(1);
  return String(Number(x.toPrecision(digits)));
}

/** The sweep's name for messages: the file name without `.sweep.yaml`. */
export function sweepNameOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.sweep\.ya?ml$/i, '') || base;
}

/** Whether a text looks like a queue URL (`redis://…`, `rediss://…`): the input box's check. */
export function queueUrlProblem(url: string): string | undefined {
  const u = url.trim();
  if (!/^rediss?:\/\/[^\s]+$/i.test(u)) return 'A BullMQ queue URL: redis://[user:password@]host:port[/db], or rediss://… for TLS';
  return undefined;
}
