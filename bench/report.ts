/**
 * The tables of the case benchmark: throughput per (model, batch, backend) beside PyTorch on the same model and
 * batch, and what one training step costs the host (kernels, GPU dispatches, buffers created, host reads).
 * Failed cases are rows that say "failed", with their reasons listed below the table.
 */
import type { BackendCounters } from '../trainer/backend/counters';
import type { CaseResult } from './measure';
import type { TorchRun } from './torch-peer';

export interface CaseFailure {
  model: string;
  batch: number;
  error: string;
}

export interface BackendRun {
  backend: string;
  device: string;
  tfjs: string;
  results: CaseResult[];
  failures: CaseFailure[];
}

export interface Row {
  model: string;
  batch: number;
  backend: string;
  samplesPerSec: number;
  tflops: number;
  msPerStep?: number;
  /** Per timed step. */
  perStep?: BackendCounters;
  torchSamplesPerSec?: number;
  torchTflops?: number;
  /** ours / PyTorch, in samples/s. */
  ratio?: number;
  /** Why this case did not run (or why its PyTorch peer did not). */
  error?: string;
  torchError?: string;
}

export function tableRows(runs: BackendRun[], torch?: TorchRun): Row[] {
  return runs.flatMap((run) => [...run.results.map((r) => {
    const t = torch?.results.find((x) => x.model === r.model && x.batch === r.batch);
    const tf = torch?.failures.find((x) => x.model === r.model && x.batch === r.batch);
    const row: Row = {
      model: r.model, batch: r.batch, backend: run.backend, samplesPerSec: r.samplesPerSec, tflops: r.tflops,
      msPerStep: (1000 * r.seconds) / r.steps, perStep: r.perStep,
    };
    if (t) {
      row.torchSamplesPerSec = t.samplesPerSec;
      row.torchTflops = (r.tflops * t.samplesPerSec) / r.samplesPerSec;
      row.ratio = r.samplesPerSec / t.samplesPerSec;
    }
    if (tf) row.torchError = tf.error;
    return row;
  }), ...run.failures.map((f) => ({ model: f.model, batch: f.batch, backend: run.backend, samplesPerSec: 0, tflops: 0, error: f.error }))]);
}

/** 1234567 → "1.23M", 12345 → "12.3k", 123 → "123". */
export function rate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (x >= 1e3) return `${(x / 1e3).toPrecision(3)}k`;
  return x.toPrecision(3);
}

/** Milliseconds with three significant digits (0.0412, 3.21, 1230). */
export function ms(x: number): string {
  return x >= 1000 ? x.toFixed(0) : x.toPrecision(3);
}

/** A per-step count: whole numbers as such, averages with one decimal. */
export function count(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

const opt = <T>(v: T | undefined, f: (v: T) => string) => (v === undefined ? '–' : f(v));

const SPEED = ['model', 'batch', 'backend', 'ms/step', 'samples/s', 'TFLOP/s', 'PyTorch samples/s', 'PyTorch TFLOP/s', 'ours/PyTorch'];

function speedCells(r: Row): string[] {
  if (r.error) return [r.model, String(r.batch), r.backend, 'failed', '–', '–', '–', '–', '–'];
  return [
    r.model, String(r.batch), r.backend, opt(r.msPerStep, ms), rate(r.samplesPerSec), r.tflops.toFixed(4),
    opt(r.torchSamplesPerSec, rate), opt(r.torchTflops, (v) => v.toFixed(4)), opt(r.ratio, (v) => `${v.toFixed(2)}×`),
  ];
}

const COST = ['model', 'batch', 'backend', 'ms/step', 'kernels', 'dispatches', 'buffers created', 'bind groups', 'submits', 'host reads', 'dispatch host ms'];

/** GPU-object counters exist on webgpu only: elsewhere they are "–", not a misleading 0. */
function costCells(r: Row): string[] {
  if (r.error || !r.perStep) return [r.model, String(r.batch), r.backend, r.error ? 'failed' : '–', ...COST.slice(4).map(() => '–')];
  const c = r.perStep;
  const gpu = (v: number | undefined, f: (v: number) => string = count) => (r.backend === 'webgpu' && v !== undefined ? f(v) : '–');
  return [
    r.model, String(r.batch), r.backend, opt(r.msPerStep, ms), count(c.kernels), gpu(c.dispatches), gpu(c.buffersCreated), gpu(c.bindGroups),
    gpu(c.submits), count(c.hostReads), gpu(c.dispatchMicros, (v) => ms(v / 1000)),
  ];
}

/** Columns after the first `left` are right-aligned. */
export function alignedTable(head: string[], body: string[][], left = 3): string {
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
  return all.map((c) => c.map((s, i) => (i < left ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ')).join('\n').replace(/ +$/gm, '');
}

export function markdown(head: string[], body: string[][], left = 3): string {
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i < left ? '---' : '---:'))), ...body.map(line)].join('\n');
}

function failureNotes(rows: Row[]): string[] {
  return [
    ...rows.filter((r) => r.error).map((r) => `failed: ${r.backend} ${r.model} b=${r.batch}: ${r.error}`),
    ...rows.filter((r) => r.torchError).map((r) => `PyTorch failed: ${r.model} b=${r.batch}: ${r.torchError}`),
  ];
}

const HOST_COST = 'Host cost per training step (averages over the timed steps):';

export function textTable(rows: Row[]): string {
  return [
    alignedTable(SPEED, rows.map(speedCells)), '', HOST_COST, alignedTable(COST, rows.map(costCells)), ...failureNotes(rows),
  ].join('\n');
}

/** The throughput table alone, with its failure notes (BENCHMARKS.md's tables of runs without host counters). */
export function speedMarkdown(rows: Row[]): string {
  const notes = failureNotes(rows).map((n) => `- ${n}`);
  return [markdown(SPEED, rows.map(speedCells)), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const notes = failureNotes(rows).map((n) => `- ${n}`);
  return [markdown(SPEED, rows.map(speedCells)), '', HOST_COST, '', markdown(COST, rows.map(costCells)), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
