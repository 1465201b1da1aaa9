/**
 * The stability benchmark's rows: one per run (JSON), and one per depth and arm over its seeds (mean ± sd,
 * the markdown table for BENCHMARKS.md). Divergence and spikes come from analyze.ts's `summarize`.
 */
import { summarize, type RunSummary, type SpikeRule } from './analyze';
import type { ArmName } from './models';
import type { OneResult } from './run-one';

export interface Row {
  depth: number;
  arm: ArmName;
  seed: number;
  summary: RunSummary;
  valAccuracy?: number;
  alerts: OneResult['alerts'];
  seconds: number;
}

/** What rowsOf reads of a run: a fresh OneResult, or a stored one rebuilt by `storedOutcome`. */
export type RowSource = Pick<OneResult, 'config' | 'status' | 'error' | 'steps' | 'points' | 'validation' | 'alerts' | 'seconds'>;

/** A run as a result file stores it (main.ts): per-step arrays instead of points. */
export interface StoredRun {
  config: OneResult['config'];
  status: string;
  error?: string;
  steps: number;
  seconds: number;
  alerts: OneResult['alerts'];
  validation?: OneResult['validation'];
  /** One per step from step 1 (the benchmark logs every step). */
  losses: number[];
  stepMs: number[];
  lr: Array<number | null | undefined>;
}

export function storedOutcome(r: StoredRun): RowSource {
  const points = r.losses.map((loss, i) => ({ step: i + 1, loss: loss ?? NaN, ms: r.stepMs[i] ?? NaN, lr: r.lr[i] ?? undefined }));
  return { config: r.config, status: r.status, error: r.error, steps: r.steps, seconds: r.seconds, alerts: r.alerts, validation: r.validation, points };
}

/**
 * The arm rows of a stored result file, recomputed from its runs' per-step losses with today's rules (analyze.ts:
 * divergence, spikes, target), so a table regenerated from an older file follows a corrected rule.
 */
export function armRowsOfFile(doc: { runs: StoredRun[]; options: { target: number } }): ArmRow[] {
  const runs = doc.runs.map(storedOutcome);
  const stepsOf = (depth: number) => runs.find((r) => r.config.depth === depth)!.config.steps;
  return armRows(rowsOf(runs, doc.options.target), stepsOf);
}

export function rowsOf(results: RowSource[], target: number, rule?: SpikeRule): Row[] {
  return results.map((r) => ({
    depth: r.config.depth, arm: r.config.arm, seed: r.config.seed, summary: summarize(r, target, rule),
    ...(r.validation?.accuracy !== undefined ? { valAccuracy: r.validation.accuracy } : {}),
    alerts: r.alerts, seconds: r.seconds,
  }));
}

/** Mean and sample standard deviation of the finite values, and how many there were. */
export interface Stat { mean: number; sd: number; n: number }

export function stat(xs: readonly (number | undefined)[]): Stat {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  const n = v.length;
  const mean = n ? v.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

export interface ArmRow {
  depth: number;
  arm: ArmName;
  seeds: number;
  steps: number;
  diverged: number;
  /** Runs whose smoothed loss reached the target, and the steps it took them. */
  reached: number;
  stepsToTarget: Stat;
  /** Over the runs that did not diverge (a diverged run's final loss is NaN or a blow-up). */
  finalLoss: Stat;
  bestLoss: Stat;
  valAccuracy: Stat;
  spikes: Stat;
  msPerStep: Stat;
}

export function armRows(rows: Row[], steps: (depth: number) => number): ArmRow[] {
  const keys: string[] = [];
  for (const r of rows) if (!keys.includes(`${r.depth}/${r.arm}`)) keys.push(`${r.depth}/${r.arm}`);
  return keys.map((k) => {
    const rs = rows.filter((r) => `${r.depth}/${r.arm}` === k);
    const ok = rs.filter((r) => !r.summary.diverged);
    return {
      depth: rs[0]!.depth, arm: rs[0]!.arm, seeds: rs.length, steps: steps(rs[0]!.depth),
      diverged: rs.length - ok.length,
      reached: rs.filter((r) => r.summary.stepsToTarget !== undefined).length,
      stepsToTarget: stat(rs.map((r) => r.summary.stepsToTarget)),
      finalLoss: stat(ok.map((r) => r.summary.finalLoss)),
      bestLoss: stat(ok.map((r) => r.summary.bestLoss)),
      valAccuracy: stat(rs.map((r) => r.valAccuracy)),
      spikes: stat(rs.map((r) => r.summary.spikes)),
      msPerStep: stat(rs.map((r) => r.summary.meanStepMs)),
    };
  });
}

export const fmt = (x: number | undefined, digits = 3): string => {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2) : x.toFixed(digits);
};

/** `mean ± sd`, with `(k/n)` when only k of the n runs count. */
function ms(s: Stat, total: number, digits = 3, unit = ''): string {
  if (s.n === 0) return '—';
  return `${fmt(s.mean, digits)} ± ${fmt(s.sd, digits)}${unit}${s.n < total ? ` (${s.n}/${total})` : ''}`;
}

export function markdownTable(rows: ArmRow[], target: number): string {
  const head = ['depth', 'arm', 'steps', 'seeds', 'diverged', 'final loss', `steps to loss ≤ ${target}`, 'best loss', 'val accuracy', 'loss spikes', 'ms/step'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i >= 2 ? '---:' : '---')).join(' | ')} |`];
  for (const r of rows) {
    const reach = r.reached === 0 ? 'not reached' : ms(r.stepsToTarget, r.seeds, 1);
    lines.push(`| ${[
      r.depth, `\`${r.arm}\``, r.steps, r.seeds, `${r.diverged}/${r.seeds}`, ms(r.finalLoss, r.seeds), reach,
      ms(r.bestLoss, r.seeds), ms({ ...r.valAccuracy, mean: r.valAccuracy.mean * 100, sd: r.valAccuracy.sd * 100 }, r.seeds, 1, '%'),
      ms(r.spikes, r.seeds, 1), fmt(r.msPerStep.mean, 1),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}
