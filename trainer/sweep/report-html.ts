/**
 * A sweep's HTML report (`dynaxx sweep --report ID`): one self-contained page, like `dynaxx report`, with the
 * dashboard's views of every completed or diverged run of the sweep overlaid (the best point's run first: its reports
 * feed the pruning and other report views) and the sweep view (points, metric per axis and per configuration, metric
 * against the axes, a prune sweep's Pareto front across runs). Runs that are not in `runsDir` (they ran on another
 * machine without a shared runs directory) are listed in the sweep view, not an error.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SweepRecord, SweepRow, SweepSummary } from '../../protocol/sweep';
import type { DashboardData } from '../../protocol/webview';
import { collectDashboardData } from '../report/collect';
import { loadAssets, reportHtml } from '../report/html';
import { writeFileAtomic } from '../store/atomic';
import { RunStore } from '../store/run-store';
import { formatValue, summarizeSweep, sweepView } from './summary';

export interface WrittenSweepReport {
  file: string;
  bytes: number;
}

export function writeSweepReport(runsDir: string, record: SweepRecord, outFile: string, distDir?: string): WrittenSweepReport {
  const assets = loadAssets(distDir); // first: a missing bundle fails before any work
  const data = sweepDashboardData(runsDir, record);
  const file = resolve(outFile);
  const html = reportHtml(data, assets);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, html);
  return { file, bytes: Buffer.byteLength(html) };
}

/** The dashboard's data of a sweep: its runs found in `runsDir` (named by point and axis values), and the sweep view. */
export function sweepDashboardData(runsDir: string, record: SweepRecord): DashboardData {
  const summary = summarizeSweep(record);
  const wanted = runRows(summary);
  const local = new Set(new RunStore(runsDir).ids());
  const present = bestFirst(wanted.filter((r) => local.has(r.runId!)), summary.metric.goal);
  const missing = wanted.filter((r) => !local.has(r.runId!)).map((r) => r.runId!);
  const view = sweepView(record, missing);
  const base: DashboardData = present.length > 0
    ? collectDashboardData(runsDir, present.map((r) => r.runId!))
    : { runs: [], generatedAt: new Date().toISOString(), standalone: true };
  const byId = new Map(present.map((r) => [r.runId!, r]));
  for (const run of base.runs) {
    const r = byId.get(run.runId);
    if (r) run.name = runLabel(r, summary);
  }
  return { ...base, sweep: view };
}

/** The rows with a run to show (completed or diverged), in point order; each run once. */
function runRows(summary: SweepSummary): SweepRow[] {
  const seen = new Set<string>();
  return summary.rows.filter((r) => r.runId && (r.status === 'completed' || r.status === 'diverged') && !seen.has(r.runId) && seen.add(r.runId));
}

/** The row with the best metric first (its run is the dashboard's main run), the others in point order. */
function bestFirst(rows: SweepRow[], goal: 'max' | 'min'): SweepRow[] {
  const sign = goal === 'max' ? -1 : 1;
  const best = rows.filter((r) => r.outcome === 'ok').sort((a, b) => sign * (a.metric! - b.metric!) || a.point - b.point)[0];
  return best ? [best, ...rows.filter((r) => r !== best)] : rows;
}

/** `#3 lr=0.001 seed=2`: what tells the overlaid runs apart (they all train the same model file). */
export function runLabel(row: SweepRow, summary: SweepSummary): string {
  return [`#${row.point}`, ...summary.axes.map((a, i) => `${a.name}=${formatValue(row.values[i] ?? null)}`)].join(' ');
}
