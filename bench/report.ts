/** The results table: one row per (model, batch, backend), beside PyTorch on the same model and batch. */
import type { CaseResult } from './measure';
import type { TorchRun } from './torch-peer';

export interface BackendRun {
  backend: string;
  device: string;
  tfjs: string;
  results: CaseResult[];
  failures: Array<{ model: string; batch: number; error: string }>;
}

export interface Row {
  model: string;
  batch: number;
  backend: string;
  samplesPerSec: number;
  tflops: number;
  torchSamplesPerSec?: number;
  torchTflops?: number;
  /** ours / PyTorch, in samples/s. */
  ratio?: number;
  /** Why this case did not run. */
  error?: string;
}

export function tableRows(runs: BackendRun[], torch?: TorchRun): Row[] {
  return runs.flatMap((run) => [...run.results.map((r) => {
    const t = torch?.results.find((x) => x.model === r.model && x.batch === r.batch);
    const row: Row = { model: r.model, batch: r.batch, backend: run.backend, samplesPerSec: r.samplesPerSec, tflops: r.tflops };
    if (t) {
      row.torchSamplesPerSec = t.samplesPerSec;
      row.torchTflops = (r.tflops * t.samplesPerSec) / r.samplesPerSec;
      row.ratio = r.samplesPerSec / t.samplesPerSec;
    }
    return row;
  }), ...run.failures.map((f) => ({ model: f.model, batch: f.batch, backend: run.backend, samplesPerSec: 0, tflops: 0, error: f.error }))]);
}

const HEAD = ['model', 'batch', 'backend', 'samples/s', 'TFLOP/s', 'PyTorch samples/s', 'PyTorch TFLOP/s', 'ours/PyTorch'];

/** 1234567 → "1.23M", 12345 → "12.3k", 123 → "123". */
export function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (x >= 1e3) return `${(x / 1e3).toPrecision(3)}k`;
  return x.toPrecision(3);
}

function cells(r: Row): string[] {
  if (r.error) return [r.model, String(r.batch), r.backend, 'failed', '–', '–', '–', '–'];
  const opt = (v: number | undefined, f: (v: number) => string) => (v === undefined ? '–' : f(v));
  return [
    r.model, String(r.batch), r.backend, rate(r.samplesPerSec), r.tflops.toFixed(4),
    opt(r.torchSamplesPerSec, rate), opt(r.torchTflops, (v) => v.toFixed(4)), opt(r.ratio, (v) => `${v.toFixed(2)}×`),
  ];
}

export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const table = all.map((c) => c.map((s, i) => (i < 3 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ')).join('\n');
  return [table, ...failureNotes(rows)].join('\n');
}

function failureNotes(rows: Row[]): string[] {
  return rows.filter((r) => r.error).map((r) => `failed: ${r.backend} ${r.model} b=${r.batch}: ${r.error}`);
}

export function markdownTable(rows: Row[]): string {
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  const notes = failureNotes(rows).map((n) => `\n${n}`);
  return [line(HEAD), line(HEAD.map((_, i) => (i < 3 ? '---' : '---:'))), ...rows.map((r) => line(cells(r))), ...notes].join('\n');
}
