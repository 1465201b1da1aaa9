/** The markdown table of the stability benchmark (for BENCHMARKS.md) and its JSON rows. */
import { overheadPct, summarize, type RunSummary, type SpikeRule } from './analyze';
import type { OneResult } from './run-one';

export interface Row {
  depth: number;
  arm: 'baseline' | 'stabilized';
  summary: RunSummary;
  /** Stabilized rows: mean step time vs the baseline's over the steps both ran. */
  overhead?: { pct: number; steps: number };
  alerts: OneResult['alerts'];
  seconds: number;
}

export function rowsOf(results: OneResult[], target: number, rule?: SpikeRule): Row[] {
  const rows: Row[] = [];
  for (const r of results) {
    const arm = r.config.stabilize === 'none' ? 'baseline' : 'stabilized';
    const row: Row = { depth: r.config.depth, arm, summary: summarize(r, target, rule), alerts: r.alerts, seconds: r.seconds };
    if (arm === 'stabilized') {
      const base = results.find((b) => b.config.depth === r.config.depth && b.config.stabilize === 'none');
      if (base) row.overhead = overheadPct(base.points, r.points);
    }
    rows.push(row);
  }
  return rows;
}

const fmt = (x: number | undefined, digits = 3): string => {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2) : x.toFixed(digits);
};

export function markdownTable(rows: Row[], target: number, steps: Record<number, number>): string {
  const head = ['depth', 'protocol', 'steps', 'diverged', 'loss spikes', `steps to loss ≤ ${target}`, 'loss at step 0', 'final loss', 'best loss', 'ms/step', 'overhead/step', 'alerts (layer ids → lines)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i >= 4 && i !== 11 ? '---:' : '---')).join(' | ')} |`];
  for (const r of rows) {
    const s = r.summary;
    const div = s.diverged ? `**yes** (${s.reason?.replace(/\|/g, '/')})` : 'no';
    const over = r.overhead ? `${r.overhead.pct >= 0 ? '+' : ''}${r.overhead.pct.toFixed(1)}% (${r.overhead.steps} steps)` : '';
    const alerts = r.alerts.total === 0 ? '0'
      : `${r.alerts.total} (${Object.entries(r.alerts.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}; ${r.alerts.mappedToLine}/${r.alerts.withLayer} mapped)`;
    lines.push(`| ${[
      r.depth, r.arm === 'baseline' ? 'without' : '`stabilize: auto`', `${s.stepsRun}/${steps[r.depth] ?? '?'}`, div, s.spikes,
      s.stepsToTarget ?? 'not reached', fmt(s.loss0), fmt(s.finalLoss), fmt(s.bestLoss), fmt(s.meanStepMs, 1), over, alerts,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}
