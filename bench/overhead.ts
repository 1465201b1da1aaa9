/**
 * Technique overhead per step: the fashion-mlp layers on synthetic data, started through the real session
 * (trainer/session.ts startRun, as the CLI and the editor start runs) plain and with each technique, one child
 * process per variant. Time and backend counters are taken between two metric reads (warm-up steps first), so
 * every variant pays the same run-directory writes and host reads a real run pays.
 * Goals on a GPU: stabilize ≤ 10%, modularity ≤ 10% (the technique at the same width), monitors ≤ 5%.
 */
import { join } from 'node:path';
import type { BackendId, RunOverrides } from '../protocol/trainer';
import { counters, perStep, type BackendCounters } from '../trainer/backend/counters';
import { DEFAULT_MONITOR_EVERY } from '../trainer/monitors/hook';
import { DEFAULT_MONITORS } from '../trainer/monitors/registry';
import { startRun } from '../trainer/session';
import { failureReason, readResult, removeDir, resultDir, runChild, saveReport, selfCommand } from './child';
import { enactFault, faultFor } from './fault';
import { childArgs, type BenchOptions } from './options';
import { alignedTable, count, markdown, ms } from './report';

interface Variant {
  name: string;
  what: string;
  overrides?: RunOverrides;
  monitors?: string[];
  /** Appended to the model file. */
  text?: string;
  /** Overhead goal on a GPU, as a fraction of the plain step. */
  goal?: number;
}

export const VARIANTS: Variant[] = [
  { name: 'plain', what: 'the model as written, no monitors' },
  { name: 'stabilize', what: 'stabilize: auto (as "Train stabilized")', overrides: { stabilize: 'auto' }, goal: 0.1 },
  { name: 'modularity', what: 'modularity: { overparameterize: 1 } (the technique at the same width)', text: 'modularity: { overparameterize: 1 }\n', goal: 0.1 },
  { name: 'modularity-2x', what: 'modularity: on (as "Discover subnetworks": modular layers 2× wider)', overrides: { modularity: 'on' } },
  { name: 'monitors', what: `monitors ${DEFAULT_MONITORS.join(', ')} every ${DEFAULT_MONITOR_EVERY} steps`, monitors: [...DEFAULT_MONITORS], goal: 0.05 },
];

/** Metrics are read every LOG_EVERY steps, as in a real run; warm-up and timed steps are multiples of it. */
const LOG_EVERY = 10;

export function overheadSteps(backend: BackendId, o: BenchOptions): { steps: number; warmup: number } {
  const gpu = backend === 'webgpu' || backend === 'tensorflow';
  const d = o.quick ? { steps: 20, warmup: 10 } : { steps: gpu ? 100 : 40, warmup: 20 };
  const up = (n: number) => Math.max(LOG_EVERY, Math.ceil(n / LOG_EVERY) * LOG_EVERY);
  return { steps: up(o.steps ?? d.steps), warmup: up(o.warmup ?? d.warmup) };
}

/** examples/fashion-mlp's layers on synthetic blobs of the same size; no evaluation or checkpoint inside the run. */
export function overheadModelText(batch: number): string {
  return [
    'name: overhead-mlp',
    'data: { source: synthetic, kind: blobs, samples: 4096, classes: 10, features: 784, validation: 0.1 }',
    'model:',
    '  input: [784]',
    '  layers:',
    '    - { type: dense, name: hidden1, units: 512, activation: relu }',
    '    - { type: dropout, rate: 0.2 }',
    '    - { type: dense, name: hidden2, units: 256, activation: relu }',
    '    - { type: dropout, rate: 0.2 }',
    '    - { type: dense, name: logits, units: 10 }',
    'train:',
    `  batchSize: ${batch}`,
    '  optimizer: { type: adam, lr: 0.001 }',
    '  evalEvery: 1000000000',
    '  checkpointEvery: 1000000000',
    '  seed: 42',
    '',
  ].join('\n');
}

export interface VariantResult {
  variant: string;
  backend: string;
  device: string;
  batch: number;
  warmup: number;
  steps: number;
  params: number;
  msPerStep: number;
  perStep: BackendCounters;
}

/** Child mode: one variant on one backend. The run stops (cancelled) right after the timed steps. */
export async function measureVariant(backend: BackendId, name: string, o: BenchOptions): Promise<VariantResult> {
  const v = VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`unknown overhead variant '${name}': use one of ${VARIANTS.map((x) => x.name).join(', ')}`);
  await enactFault(faultFor([name]), `overhead ${name}`);
  const { steps, warmup } = overheadSteps(backend, o);
  const batch = o.batch?.[0] ?? 128;
  const runsDir = resultDir();
  const stop = new AbortController();
  let start: { t: number; c: BackendCounters } | undefined;
  let end: { t: number; c: BackendCounters } | undefined;
  const mark = () => ({ t: performance.now(), c: counters() });
  try {
    const run = await startRun(join(process.cwd(), 'overhead-mlp.dynaxx.yaml'), { backend, steps: warmup + steps + LOG_EVERY, ...v.overrides }, {
      runsDir, signal: stop.signal, logEvery: LOG_EVERY, monitors: v.monitors,
      events: {
        onMetrics: (_id, records) => {
          for (const r of records) {
            if (r.split !== 'train') continue;
            if (r.step === warmup) start = mark();
            if (r.step === warmup + steps) {
              end = mark();
              stop.abort();
            }
          }
        },
      },
    }, overheadModelText(batch) + (v.text ?? ''));
    const result = await run.run();
    if (!start || !end) {
      const why = /not finite/.test(result.error ?? '') ? `non-finite loss (${result.error})` : `run ${result.status} at step ${result.step}${result.error ? `: ${result.error}` : ''}`;
      throw new Error(why);
    }
    return {
      variant: name, backend, device: run.device, batch, warmup, steps, params: run.model.params,
      msPerStep: (end.t - start.t) / steps, perStep: perStep(start.c, end.c, steps),
    };
  } finally {
    removeDir(runsDir);
  }
}

export interface OverheadRow {
  backend: string;
  variant: string;
  what: string;
  result?: VariantResult;
  error?: string;
  /** ms/step of this variant over the plain one, minus 1. */
  overhead?: number;
  goal?: number;
}

export function overheadRows(results: Array<{ backend: string; variant: string; result?: VariantResult; error?: string }>): OverheadRow[] {
  return results.map((x) => {
    const v = VARIANTS.find((y) => y.name === x.variant)!;
    const plain = results.find((y) => y.backend === x.backend && y.variant === 'plain')?.result;
    const row: OverheadRow = { ...x, what: v.what, goal: v.goal };
    if (x.result && plain && x.variant !== 'plain') row.overhead = x.result.msPerStep / plain.msPerStep - 1;
    return row;
  });
}

const HEAD = ['backend', 'variant', 'ms/step', 'overhead', 'GPU goal', 'kernels', 'dispatches', 'buffers created', 'host reads', 'params'];

export function overheadTables(rows: OverheadRow[]): { text: string; markdown: string } {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const body = rows.map((r) => {
    const c = r.result?.perStep;
    const gpu = (v: number) => (r.backend === 'webgpu' ? count(v) : '–');
    return [
      r.backend, r.variant, r.result ? ms(r.result.msPerStep) : 'failed', r.overhead === undefined ? '–' : pct(r.overhead),
      r.goal === undefined ? '–' : `≤ ${(r.goal * 100).toFixed(0)}%`, c ? count(c.kernels) : '–', c ? gpu(c.dispatches) : '–',
      c ? gpu(c.buffersCreated) : '–', c ? count(c.hostReads) : '–', r.result ? String(r.result.params) : '–',
    ];
  });
  const first = rows.find((r) => r.result)?.result;
  const title = first ? `Technique overhead per step (per-step counts; batch ${first.batch}, ${first.steps} timed steps after ${first.warmup}):` : 'Technique overhead per step:';
  const notes = [
    ...VARIANTS.map((v) => `${v.name}: ${v.what}`),
    ...rows.filter((r) => r.error).map((r) => `failed: ${r.backend} ${r.variant}: ${r.error}`),
  ];
  return {
    text: [title, alignedTable(HEAD, body, 2), ...notes].join('\n'),
    markdown: [title, '', markdown(HEAD, body, 2), '', ...notes.map((n) => `- ${n}`)].join('\n'),
  };
}

export async function runOverhead(o: BenchOptions, backends: BackendId[], defaultOut: (mode: string) => string): Promise<void> {
  const results: Array<{ backend: string; variant: string; result?: VariantResult; error?: string }> = [];
  const out = o.out ?? defaultOut('overhead');
  const save = () => {
    const report = { date: new Date().toISOString().slice(0, 10), node: process.version, rows: overheadRows(results) };
    saveReport(out, report);
    return report;
  };
  for (const backend of backends) {
    for (const v of VARIANTS) {
      const dir = resultDir();
      const file = join(dir, 'result.json');
      const [cmd, args] = selfCommand(['--backend', backend, '--variant', v.name, '--result', file, ...childArgs(o)]);
      process.stderr.write(`overhead: ${backend} ${v.name}\n`);
      const r = await runChild(cmd, args, { timeoutMs: o.timeout * 1000 });
      const got = readResult<{ result?: VariantResult; error?: string }>(file);
      removeDir(dir);
      const error = got?.error ?? (got?.result ? undefined : failureReason(r, `the ${backend} ${v.name} child`, o.timeout * 1000));
      results.push({ backend, variant: v.name, result: got?.result, error });
      save();
      process.stderr.write(got?.result ? `overhead: ${backend} ${v.name}: ${ms(got.result.msPerStep)} ms/step\n` : `overhead: ${backend} ${v.name}: failed: ${error}\n`);
    }
  }
  const report = save();
  if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
  const t = overheadTables(report.rows);
  console.log(`\n${t.text}\n\nMarkdown:\n\n${t.markdown}\n\nresults: ${out}`);
}
