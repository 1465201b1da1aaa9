/**
 * `npm run bench -- --profile`: where a training step's time goes on a synchronous backend (wasm by default).
 * Per case (model × batch, one child process each) it runs the case benchmark's own measurement (measure.ts: warm-up
 * loop, then N timed steps of the real TrainingLoop) with every kernel of the backend timed (kernel-timer.ts), and
 * stores per kernel name the ms per step and the share of the step, plus the step's wall time and the rest that no
 * kernel accounts for (profile-aggregate.ts). Results: bench/results/profile-<backend>-<host>-<date>-<label>.json;
 * the table: bench/tables/profile.ts (one file, or a "before" and an "after" file side by side).
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join, resolve } from 'node:path';
import type { BackendId } from '../protocol/trainer';
import { BACKENDS, initBackend } from '../trainer/backend/backends';
import { readResult, removeDir, resultDir, runChild, saveReport, selfCommand, failureReason } from './child';
import { installKernelTimer } from './kernel-timer';
import { measureCase } from './measure';
import { refModel } from './models';
import { childArgs, type BenchOptions } from './options';
import { planCases, stepsFor } from './plan';
import { stepProfile, type StepProfile } from './profile-aggregate';
import { rate } from './report';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** One case of a profile file. */
export interface ProfileCase {
  model: string;
  batch: number;
  steps?: number;
  warmup?: number;
  samplesPerSec?: number;
  profile?: StepProfile;
  error?: string;
}

/** bench/results/profile-*.json. */
export interface ProfileFile {
  kind: 'kernel-profile';
  label: string;
  date: string;
  /** The commit measured, and the measured folders' uncommitted changes (git status --porcelain), if any. */
  commit: string;
  dirty: string[];
  machine: { host: string; cpu: string; cores: number; os: string };
  node: string;
  tfjs: string;
  backend: string;
  device: string;
  /** DYNAXX_WASM_* and DYNAXX_BACKEND variables as set, and the wasm backend's thread count. */
  env: { vars: Record<string, string>; threads?: number };
  cases: ProfileCase[];
}

/** What a profile child writes to its result file. */
interface ProfileOutcome {
  device: string;
  tfjs: string;
  threads?: number;
  case: ProfileCase;
}

const SYNCHRONOUS: BackendId[] = ['wasm', 'cpu', 'tensorflow'];

function wasmThreads(): number | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
    return tf.getBackend() === 'wasm' ? wasm.getThreadsCount?.() : undefined;
  } catch {
    return undefined;
  }
}

/** Child mode: one case (`model:batch`) with its kernels timed. */
export async function profileOneCase(backend: BackendId, spec: string, o: BenchOptions): Promise<ProfileOutcome> {
  const [name, b] = spec.split(':');
  const batch = Number(b);
  if (!name || !Number.isInteger(batch) || batch < 1) throw new Error(`--case needs MODEL:BATCH, got '${spec}'`);
  const { device } = await initBackend(backend);
  const out: ProfileOutcome = { device, tfjs: tf.version_core, threads: wasmThreads(), case: { model: name, batch } };
  const timer = installKernelTimer();
  try {
    const { steps, warmup } = stepsFor(backend, o);
    let totals: ReturnType<typeof timer.stop> = [];
    const r = await measureCase(refModel(name), batch, steps, warmup, false, { beforeTimed: () => timer.start(), afterTimed: () => void (totals = timer.stop()) });
    const profile = stepProfile(totals, steps, r.seconds * 1000);
    out.case = { model: name, batch, steps, warmup, samplesPerSec: r.samplesPerSec, profile };
    const top = profile.kernels.slice(0, 3).map((k) => `${k.name} ${k.msPerStep.toFixed(1)}`).join(', ');
    log(`${backend} ${name} b=${batch}: ${profile.stepMs.toFixed(1)} ms/step, kernels ${profile.kernelMs.toFixed(1)}, rest ${profile.restMs.toFixed(1)} (${top})`);
  } catch (e) {
    out.case.error = (e as Error).message;
    log(`${backend} ${name} b=${batch}: failed: ${out.case.error}`);
  } finally {
    timer.uninstall();
  }
  return out;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: resolve(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The top kernels of a case, as lines for the terminal. */
export function profileText(c: ProfileCase, top = 8): string {
  if (!c.profile) return `${c.model} b=${c.batch}: ${c.error ?? 'no result'}`;
  const p = c.profile;
  const pct = (ms: number) => `${((100 * ms) / p.stepMs).toFixed(1).padStart(5)}%`;
  const lines = p.kernels.slice(0, top).map((k) => `  ${k.name.padEnd(28)} ${k.msPerStep.toFixed(2).padStart(9)} ms ${pct(k.msPerStep)}  ×${k.callsPerStep.toFixed(0)}`);
  return [
    `${c.model} b=${c.batch}: ${p.stepMs.toFixed(1)} ms/step (${rate(c.samplesPerSec ?? 0)} samples/s), ${p.kernelsPerStep.toFixed(0)} kernels`,
    ...lines,
    `  ${'all kernels'.padEnd(28)} ${p.kernelMs.toFixed(2).padStart(9)} ms ${pct(p.kernelMs)}`,
    `  ${'rest (JS, engine, tape)'.padEnd(28)} ${p.restMs.toFixed(2).padStart(9)} ms ${pct(p.restMs)}`,
  ].join('\n');
}

/** bench/results/NAME when bench/ is there (a checkout), else the working directory. */
function resultPath(name: string): string {
  const benchDir = resolve(__dirname, '..', 'bench');
  return existsSync(benchDir) ? join(benchDir, 'results', name) : join(process.cwd(), name);
}

export async function runProfile(o: BenchOptions): Promise<void> {
  const backends = o.backends ?? ['wasm'];
  if (backends.length !== 1) throw new Error('--profile measures one backend at a time (--backends wasm)');
  const backend = backends[0]!;
  if (!SYNCHRONOUS.includes(backend)) throw new Error(`--profile needs a synchronous backend (${SYNCHRONOUS.join(', ')}): on ${backend} a kernel call only records work`);
  const probe = await BACKENDS[backend].probe();
  if (!probe.available) throw new Error(`${backend} is not available: ${probe.detail ?? ''}`);
  const date = new Date().toISOString().slice(0, 10);
  const label = o.label ?? 'run';
  const host = hostname().replace(/[^\w.-]/g, '_');
  const out = o.out ?? resultPath(`profile-${backend}-${host}-${date}-${label}.json`);
  const vars = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^DYNAXX_(WASM_|BACKEND)/.test(k)).map(([k, v]) => [k, v ?? '']));
  const doc: ProfileFile = {
    kind: 'kernel-profile', label, date,
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--', 'trainer', 'spec', 'protocol', 'bench']).split('\n').filter((l) => l),
    machine: { host: hostname(), cpu: cpus()[0]?.model.trim() ?? 'CPU', cores: cpus().length, os: `${process.platform} ${release()}` },
    node: process.version, tfjs: '', backend, device: probe.device ?? '', env: { vars }, cases: [],
  };
  log(`profiling ${backend} at ${doc.commit.slice(0, 10)}${doc.dirty.length ? ` (+${doc.dirty.length} uncommitted)` : ''}, one process per case, ${o.timeout} s each at most`);
  for (const c of planCases(backend, o)) {
    const dir = resultDir();
    const file = join(dir, 'result.json');
    const [cmd, args] = selfCommand(['--profile', '--backend', backend, '--case', `${c.ref.name}:${c.batch}`, '--result', file, ...childArgs(o)]);
    const r = await runChild(cmd, args, { timeoutMs: o.timeout * 1000 });
    const got = readResult<ProfileOutcome>(file);
    removeDir(dir);
    if (got) {
      if (got.device) doc.device = got.device;
      if (got.tfjs) doc.tfjs = got.tfjs;
      if (got.threads !== undefined) doc.env.threads = got.threads;
      doc.cases.push(got.case);
    } else {
      doc.cases.push({ model: c.ref.name, batch: c.batch, error: failureReason(r, `the ${backend} ${c.ref.name} b=${c.batch} child`, o.timeout * 1000) });
    }
    saveReport(out, doc);
  }
  if (o.json) return void process.stdout.write(`${JSON.stringify(doc)}\n`);
  console.log(`\n${date}, ${doc.machine.cpu} (${doc.machine.cores} cores), node ${doc.node}, tfjs ${doc.tfjs}, ${backend}${doc.env.threads ? ` (${doc.env.threads} threads)` : ''}, commit ${doc.commit.slice(0, 10)}\n`);
  console.log(`${doc.cases.map((c) => profileText(c)).join('\n\n')}\n`);
  console.log(`results: ${out}`);
}
