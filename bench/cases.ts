/**
 * The case benchmark: each reference model at each batch size on each backend in its own child process (bounded
 * by --timeout), then the same cases in PyTorch, then the tables. A case that fails, hangs or crashes becomes a
 * row with its reason; the others, the peer and the results file are unaffected.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import type { BackendId } from '../protocol/trainer';
import { AUTO_ORDER, BACKENDS, initBackend } from '../trainer/backend/backends';
import { failureReason, readResult, removeDir, resultDir, runChild, saveReport, selfCommand } from './child';
import { enactFault, faultFor } from './fault';
import { measureCase, type CaseResult } from './measure';
import { refModel } from './models';
import { childArgs, type BenchOptions } from './options';
import { planCases, stepsFor, type Case } from './plan';
import { markdownTable, rate, tableRows, textTable, type BackendRun } from './report';
import { runTorch, type TorchRun } from './torch-peer';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** What a case child writes to its result file. */
export interface CaseOutcome {
  backend: string;
  device: string;
  tfjs: string;
  result?: CaseResult;
  error?: string;
}

/** Child mode: one case (`model:batch`) on one backend. */
export async function measureOneCase(backend: BackendId, spec: string, o: BenchOptions): Promise<CaseOutcome> {
  const [name, b] = spec.split(':');
  const batch = Number(b);
  if (!name || !Number.isInteger(batch) || batch < 1) throw new Error(`--case needs MODEL:BATCH, got '${spec}'`);
  const { device } = await initBackend(backend);
  const out: CaseOutcome = { backend, device, tfjs: tf.version_core };
  const fault = faultFor([`${name}:${batch}`, name]);
  try {
    await enactFault(fault, `${backend} ${spec}`);
    const { steps, warmup } = stepsFor(backend, o);
    out.result = await measureCase(refModel(name), batch, steps, warmup, fault === 'nan');
    log(`${backend} ${name} b=${batch}: ${rate(out.result.samplesPerSec)} samples/s, ${out.result.tflops.toFixed(4)} TFLOP/s (${steps} steps, ${out.result.seconds.toFixed(2)} s)`);
  } catch (e) {
    out.error = (e as Error).message;
    log(`${backend} ${name} b=${batch}: failed: ${out.error}`);
  }
  return out;
}

async function spawnCase(backend: BackendId, c: Case, o: BenchOptions): Promise<CaseOutcome> {
  const dir = resultDir();
  const file = join(dir, 'result.json');
  const [cmd, args] = selfCommand(['--backend', backend, '--case', `${c.ref.name}:${c.batch}`, '--result', file, ...childArgs(o)]);
  const r = await runChild(cmd, args, { timeoutMs: o.timeout * 1000 });
  const got = readResult<CaseOutcome>(file);
  removeDir(dir);
  if (got && (got.result || got.error)) return got;
  const error = failureReason(r, `the ${backend} ${c.ref.name} b=${c.batch} child`, o.timeout * 1000);
  log(`${backend} ${c.ref.name} b=${c.batch}: failed: ${error}`);
  return { backend, device: '', tfjs: '', error };
}

export async function runCases(o: BenchOptions, defaultOut: (backends: string[]) => string): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const wanted = o.backends ?? AUTO_ORDER;
  const probes = await Promise.all(wanted.map((b) => BACKENDS[b].probe()));
  const runs: BackendRun[] = [];
  const skipped: Array<{ backend: string; reason: string }> = [];
  const machine = { host: hostname(), cpu: cpus()[0]?.model.trim() ?? 'CPU', cores: cpus().length, os: `${process.platform} ${release()}` };
  const out = o.out ?? defaultOut(probes.filter((p) => p.available).map((p) => p.name));
  let torch: TorchRun | undefined;
  let torchMissing: string | undefined = o.torch ? 'not measured yet' : 'skipped (--no-torch)';
  const save = () => {
    const report = { date, machine, node: process.version, runs, skipped, torch: torch ?? { missing: torchMissing }, rows: tableRows(runs, torch) };
    saveReport(out, report);
    return report;
  };
  for (const p of probes) {
    if (!p.available) {
      skipped.push({ backend: p.name, reason: p.detail ?? 'unavailable' });
      log(`skipping ${p.name}: ${p.detail ?? 'unavailable'}`);
      continue;
    }
    log(`measuring ${p.name} (${p.device ?? ''}), one process per case, ${o.timeout} s each at most`);
    const run: BackendRun = { backend: p.name, device: p.device ?? '', tfjs: '', results: [], failures: [] };
    runs.push(run);
    for (const c of planCases(p.name, o)) {
      const got = await spawnCase(p.name, c, o);
      if (got.device) run.device = got.device;
      if (got.tfjs) run.tfjs = got.tfjs;
      if (got.result) run.results.push(got.result);
      else run.failures.push({ model: c.ref.name, batch: c.batch, error: got.error ?? 'no result' });
      save();
    }
  }

  const cases = new Map<string, Case>();
  for (const r of runs) for (const c of planCases(r.backend as BackendId, o)) cases.set(`${c.ref.name}:${c.batch}`, c);
  if (o.torch && cases.size === 0) torchMissing = 'no case to compare';
  if (o.torch && cases.size > 0) {
    const device = o.torchDevice ?? (runs.some((r) => r.backend === 'webgpu') ? 'cuda' : 'cpu');
    log(`measuring PyTorch (${device})`);
    const t = await runTorch([...cases.values()], {
      device, python: o.python, script: o.torchScript, timeoutSec: o.timeout * cases.size,
      steps: o.steps ?? (o.quick ? 3 : undefined), warmup: o.warmup ?? (o.quick ? 1 : undefined),
    });
    if (t.ok) [torch, torchMissing] = [t.run, undefined];
    else torchMissing = t.reason;
  }
  if (torchMissing) log(`PyTorch peer missing: ${torchMissing}`);
  if (torch && torch.deviceType === 'cpu' && torch.blas === 'generic' && !/openblas|mkl/.test(torch.blasLibrary ?? '')) {
    log(`note: this PyTorch calls the system libblas (BLAS_INFO=generic, loaded: ${torch.blasLibrary ?? 'unknown'}); with the reference BLAS ` +
      'its dense layers are slow. Debian: apt-get install libopenblas0-pthread for a fair CPU peer.');
  }

  const report = save();
  const rows = report.rows;

  if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
  const blas = torch?.deviceType === 'cpu' ? `, BLAS ${torch.blasLibrary ?? torch.blas}` : '';
  const peer = torch ? `PyTorch ${torch.torch} on ${torch.deviceType} (${torch.device}, ${torch.threads} threads${blas})` : `PyTorch: ${torchMissing}`;
  const head = [
    `${date}, ${machine.cpu} (${machine.cores} cores), node ${process.version}, tfjs ${runs.find((r) => r.tfjs)?.tfjs ?? '?'}`,
    ...runs.map((r) => `${r.backend}: ${r.device}`),
    ...skipped.map((s) => `${s.backend}: not measured (${s.reason})`),
    peer,
  ];
  console.log(`\n${head.join('\n')}\n\n${textTable(rows)}\n`);
  console.log(`Markdown for BENCHMARKS.md:\n\n${head.map((l) => `- ${l}`).join('\n')}\n\n${markdownTable(rows)}\n`);
  console.log(`results: ${out}`);
}
