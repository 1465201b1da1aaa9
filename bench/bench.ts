/**
 * Benchmark of the training loop: samples/s and achieved TFLOP/s of the reference models (models.ts)
 * on each tfjs backend, beside the same models in PyTorch (torch_ref.py) in the same invocation.
 *
 *   node dist/bench.js [options]          orchestrator: one child per backend, then PyTorch, then the tables
 *   node dist/bench.js --backend B --json one backend in this process (tfjs allows one per process)
 *
 * Options: --help. How to run it on the GPU machine: bench/gpu-run.md. Results: BENCHMARKS.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BackendId } from '../protocol/trainer';
import { AUTO_ORDER, BACKENDS, initBackend } from '../trainer/backend/backends';
import { measureCase } from './measure';
import { HELP, childArgs, parseOptions, type BenchOptions } from './options';
import { planCases, stepsFor, type Case } from './plan';
import { markdownTable, rate, tableRows, textTable, type BackendRun } from './report';
import { runTorch, type TorchRun } from './torch-peer';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** Child mode: every planned case on one backend. */
async function measureBackend(backend: BackendId, o: BenchOptions): Promise<BackendRun> {
  const { device } = await initBackend(backend);
  const { steps, warmup } = stepsFor(backend, o);
  const run: BackendRun = { backend, device, tfjs: tf.version_core, results: [], failures: [] };
  for (const { ref, batch } of planCases(backend, o)) {
    try {
      const r = await measureCase(ref, batch, steps, warmup);
      run.results.push(r);
      log(`${backend} ${ref.name} b=${batch}: ${rate(r.samplesPerSec)} samples/s, ${r.tflops.toFixed(4)} TFLOP/s (${steps} steps, ${r.seconds.toFixed(2)} s)`);
    } catch (e) {
      run.failures.push({ model: ref.name, batch, error: (e as Error).message });
      log(`${backend} ${ref.name} b=${batch}: failed: ${(e as Error).message}`);
    }
  }
  return run;
}

/** Runs this same script (bundle or tsx) on one backend in a child process. */
function spawnBackend(backend: BackendId, o: BenchOptions): BackendRun | string {
  const args = [...process.execArgv, process.argv[1], '--backend', backend, '--json', ...childArgs(o)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) return `the ${backend} child exited with ${r.status ?? r.signal}`;
  try {
    return JSON.parse(r.stdout) as BackendRun;
  } catch {
    return `the ${backend} child printed no JSON`;
  }
}

function defaultOut(backends: string[], date: string): string {
  const name = `${hostname().replace(/[^\w.-]/g, '_')}-${backends.join('+') || 'none'}-${date}.json`;
  const benchDir = resolve(__dirname, '..', 'bench');
  return existsSync(benchDir) ? join(benchDir, 'results', name) : join(process.cwd(), name);
}

async function orchestrate(o: BenchOptions): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const wanted = o.backends ?? AUTO_ORDER;
  const probes = await Promise.all(wanted.map((b) => BACKENDS[b].probe()));
  const runs: BackendRun[] = [];
  const skipped: Array<{ backend: string; reason: string }> = [];
  for (const p of probes) {
    if (!p.available) {
      skipped.push({ backend: p.name, reason: p.detail ?? 'unavailable' });
      log(`skipping ${p.name}: ${p.detail ?? 'unavailable'}`);
      continue;
    }
    log(`measuring ${p.name} (${p.device ?? ''})`);
    const run = spawnBackend(p.name, o);
    if (typeof run === 'string') skipped.push({ backend: p.name, reason: run });
    else runs.push(run);
  }

  let torch: TorchRun | undefined;
  let torchMissing: string | undefined;
  const cases = new Map<string, Case>();
  for (const r of runs) for (const c of planCases(r.backend as BackendId, o)) cases.set(`${c.ref.name}:${c.batch}`, c);
  if (!o.torch) torchMissing = 'skipped (--no-torch)';
  else if (cases.size > 0) {
    const device = o.torchDevice ?? (runs.some((r) => r.backend === 'webgpu') ? 'cuda' : 'cpu');
    log(`measuring PyTorch (${device})`);
    const t = runTorch([...cases.values()], {
      device, python: o.python, script: o.torchScript,
      steps: o.steps ?? (o.quick ? 3 : undefined), warmup: o.warmup ?? (o.quick ? 1 : undefined),
    });
    if (t.ok) torch = t.run;
    else torchMissing = t.reason;
  }
  if (torchMissing) log(`PyTorch peer missing: ${torchMissing}`);
  if (torch && torch.deviceType === 'cpu' && torch.blas === 'generic') {
    log('note: this PyTorch uses the system libblas (BLAS_INFO=generic); with the reference BLAS its dense layers are slow. ' +
      'Debian: apt-get install libopenblas0-pthread for a fair CPU peer.');
  }

  const rows = tableRows(runs, torch);
  const machine = { host: hostname(), cpu: cpus()[0]?.model.trim() ?? 'CPU', cores: cpus().length, os: `${process.platform} ${release()}` };
  const report = { date, machine, node: process.version, runs, skipped, torch: torch ?? { missing: torchMissing }, rows };
  const out = o.out ?? defaultOut(runs.map((r) => r.backend), date);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

  if (o.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const peer = torch ? `PyTorch ${torch.torch} on ${torch.deviceType} (${torch.device}, ${torch.threads} threads, BLAS ${torch.blas})` : `PyTorch: ${torchMissing}`;
  const head = [
    `${date}, ${machine.cpu} (${machine.cores} cores), node ${process.version}, tfjs ${runs[0]?.tfjs ?? '?'}`,
    ...runs.map((r) => `${r.backend}: ${r.device}`),
    ...skipped.map((s) => `${s.backend}: not measured (${s.reason})`),
    peer,
  ];
  console.log(`\n${head.join('\n')}\n\n${textTable(rows)}\n`);
  console.log(`Markdown for BENCHMARKS.md:\n\n${head.map((l) => `- ${l}`).join('\n')}\n\n${markdownTable(rows)}\n`);
  console.log(`results: ${out}`);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) return void console.log(HELP);
  if (o.backend) {
    // tfjs prints notices with console.log: keep stdout for the JSON
    console.log = console.error;
    process.stdout.write(`${JSON.stringify(await measureBackend(o.backend, o))}\n`);
    return;
  }
  await orchestrate(o);
}

main().then(
  () => process.exit(0), // Dawn keeps handles open: exit explicitly
  (e) => {
    log(`bench: ${(e as Error).message}`);
    process.exit(e instanceof Error && /option|needs|unknown/.test(e.message) ? 2 : 1);
  },
);
