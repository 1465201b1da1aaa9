/**
 * The table of the stability benchmark's first file format (bench/results/stability-vm-2026-11-25.json: one run per
 * depth and arm, `baseline` or `stabilized`, with the stabilized arm's step-time overhead), as bench/stability/report.ts
 * printed it before the benchmark grew named arms and seeds. Kept so that this file stays the source of its table;
 * files of the current format have bench/stability/report.ts's `markdownTable`.
 */
import { fmt } from '../stability/report';
import type { RunSummary } from '../stability/analyze';

export interface StabilityV1Row {
  depth: number;
  arm: 'baseline' | 'stabilized';
  summary: RunSummary;
  /** Stabilized rows: mean step time vs the baseline's over the steps both ran. */
  overhead?: { pct: number; steps: number };
  alerts: { total: number; byKind: Record<string, number>; withLayer: number; mappedToLine: number };
}

export interface StabilityV1File {
  options: { depths: number[]; steps: number[]; target: number };
  rows: StabilityV1Row[];
}

export function stabilityV1Table(file: StabilityV1File): string {
  const { target } = file.options;
  const steps = (depth: number) => file.options.steps[file.options.depths.indexOf(depth)] ?? '?';
  const head = ['depth', 'protocol', 'steps', 'diverged', 'loss spikes', `steps to loss ≤ ${target}`, 'loss at step 0', 'final loss', 'best loss', 'ms/step', 'overhead/step', 'alerts (layer ids → lines)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i >= 4 && i !== 11 ? '---:' : '---')).join(' | ')} |`];
  for (const r of file.rows) {
    const s = r.summary;
    const div = s.diverged ? `**yes** (${s.reason?.replace(/\|/g, '/')})` : 'no';
    const over = r.overhead ? `${r.overhead.pct >= 0 ? '+' : ''}${r.overhead.pct.toFixed(1)}% (${r.overhead.steps} steps)` : '';
    const alerts = r.alerts.total === 0 ? '0'
      : `${r.alerts.total} (${Object.entries(r.alerts.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}; ${r.alerts.mappedToLine}/${r.alerts.withLayer} mapped)`;
    lines.push(`| ${[
      r.depth, r.arm === 'baseline' ? 'without' : '`stabilize: auto`', `${s.stepsRun}/${steps(r.depth)}`, div, s.spikes,
      s.stepsToTarget ?? 'not reached', fmt(s.loss0), fmt(s.finalLoss), fmt(s.bestLoss), fmt(s.meanStepMs, 1), over, alerts,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}
