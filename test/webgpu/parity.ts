/**
 * The WebGPU tier's one seam: train a tiny model file with the built CLI once per backend, each in its own process
 * (tfjs keeps one backend per process), from the same seed, with metrics read back every step, and compare the
 * per-step training losses and gradient norms with the cpu run's. A webgpu child must also print no Dawn
 * validation or WGSL error: Dawn reports an invalid pipeline (on stdout) and carries on with garbage.
 *
 * Tolerance: |webgpu − cpu| ≤ LOSS_RTOL·|cpu| on every loss and GRAD_RTOL·|cpu| on every gradient norm (see below).
 * Skips (with the reason) when this machine has no WebGPU adapter: see docs/webgpu-tier.md for lavapipe.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NamedArray } from '../../trainer/store/checkpoint';
import { CLI, ROOT, requireBuild, tempDir } from '../helpers';

/**
 * Relative tolerance on the loss, per step (and on the final validation loss). Both backends compute in float32
 * (ε ≈ 1.2e-7) from the same host-side initialisation and batches; they differ in summation order (tiled GPU
 * matmuls and tree reductions against sequential CPU loops) and in exp/log/tanh/erf. Measured on these models over
 * their 3–6 Adam steps: at most 5e-6 relative webgpu vs cpu, 5e-7 wasm vs cpu (XNNPACK reorders sums too).
 * 1e-3 leaves over two orders of margin against rounding, while the failures this tier exists for (an invalid
 * pipeline that never runs, an AddN that drops inputs, NaN) move the loss by 1e-3 to 1e+5 relative from the step
 * after they first bite.
 */
export const LOSS_RTOL = 1e-3;
/**
 * Relative tolerance on the global gradient norm, per step. A wrong AddN shows here first, at step 1 while the
 * loss still agrees (it is what sums the squared norms): 0, 128 or 0.001 instead of 2–14. Measured agreement is
 * 2e-6 or better; the norm sums squares over up to 1200 tensors after a full backward pass, so it gets a wider
 * margin than the loss, still far from the 0.9–10 relative errors of the failures.
 */
export const GRAD_RTOL = 1e-2;

/**
 * Weights after a few steps (exports of extracted or pruned models): per tensor, max |webgpu − cpu| ≤
 * WEIGHT_RTOL · max |cpu|. Measured: 7e-6 or better. Garbage gradients or a dropped update move weights by a
 * step size (lr ≈ 1e-2 against weights of order 0.1–1), far above it.
 */
export const WEIGHT_RTOL = 1e-3;

/** Dawn's error text: validation errors, invalid objects, binding limits, WGSL compile errors, a lost device. */
const DAWN_ERROR = /^validation:|Invalid (ComputePipeline|ShaderModule|BindGroup|CommandBuffer|Buffer)|exceeds the maximum per-stage limit|Error while parsing WGSL|error: reached max|device (was )?lost|Uncaptured error/im;
/** Harmless notes Dawn prints at start-up on lavapipe. */
const DAWN_NOTE = /artificially reduced/;

export type BackendName = 'cpu' | 'webgpu' | 'wasm';

let probed: string | undefined | null = null;

/**
 * Why the tier cannot run here (no WebGPU adapter), or undefined when it can; asked once per process. A missing
 * build is not a reason: the test then fails and says so. With DYNAXX_REQUIRE_WEBGPU=1 (CI, which installs
 * lavapipe) a missing adapter fails the tier instead of skipping it, so CI never passes without running it.
 */
export function webgpuUnavailable(): string | undefined {
  if (probed !== null) return probed;
  probed = undefined;
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) return probed;
  const r = spawnSync(process.execPath, [CLI, 'backends', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const list = lastJson(r.stdout) as { backends?: Array<{ name: string; available: boolean; detail?: string }> } | undefined;
  const w = list?.backends?.find((b) => b.name === 'webgpu');
  if (!list?.backends) probed = `\`dynaxx backends --json\` failed (exit ${r.status}): ${r.stderr.trim().slice(0, 300)}`;
  else if (!w?.available) probed = `no WebGPU adapter: ${w?.detail ?? 'webgpu is not listed'} (docs/webgpu-tier.md says how to install lavapipe)`;
  return probed;
}

export interface StepMetrics { step: number; loss: number; gradNorm: number }

export interface BackendRun {
  backend: BackendName;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** The run directory (train: the run; prune: the dense run that holds the sweep). */
  runDir?: string;
  /** Training records, one per step (metrics read back every step). */
  steps: StepMetrics[];
  valLoss?: number;
}

export interface CaseOptions {
  /** `dynaxx train` (default) or `dynaxx prune` (trains the file, then sweeps its `prune:` block). */
  command?: 'train' | 'prune';
  /** Per child process (default 80 s: both children stay inside scripts/test.mjs's 180 s per test). */
  timeoutMs?: number;
}

/**
 * Runs `yaml` (a model file without `train.backend`) on one backend in a fresh process. The backend goes into the
 * file rather than `--backend`, because `dynaxx prune <file>` does not pass the flag on to the run it trains.
 */
export async function runOn(name: string, yaml: string, backend: BackendName, o: CaseOptions = {}): Promise<BackendRun> {
  requireBuild();
  const dir = tempDir(`dynaxx-webgpu-${name}-${backend}-`);
  const file = join(dir, `${name}.dynaxx.yaml`);
  writeFileSync(file, withBackend(yaml, backend));
  const runs = join(dir, 'runs');
  const command = o.command ?? 'train';
  const args = [CLI, command, file, '--runs-dir', runs, '--log-every', '1', '--json', '--quiet'];
  const t0 = performance.now();
  const r = await spawnAsync(args, o.timeoutMs ?? 80_000);
  const out: BackendRun = { backend, ...r, seconds: (performance.now() - t0) / 1000, steps: [] };
  const summary = lastJson(r.stdout) as { runDir?: string; runId?: string } | undefined;
  out.runDir = summary?.runDir ?? (summary?.runId ? join(runs, summary.runId) : undefined);
  if (out.runDir && existsSync(join(out.runDir, 'metrics.jsonl'))) {
    const recs = readFileSync(join(out.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>);
    out.steps = recs.filter((m) => m.split === 'train').map((m) => ({ step: m.step as number, loss: num(m.loss), gradNorm: num(m.gradNorm) }));
    const val = recs.filter((m) => m.split === 'validation').pop();
    if (val) out.valLoss = num(val.loss);
  }
  return out;
}

/**
 * One case of the tier: the model file test/webgpu/models/<name>.dynaxx.yaml on cpu, then on webgpu, compared step
 * by step; `more` adds the case's own checks on the two runs. Skipped, with the reason, without a WebGPU adapter.
 */
export function parityTest(title: string, name: string, o: CaseOptions & { steps: number; more?: (cpu: BackendRun, gpu: BackendRun) => string[] }): void {
  const reason = webgpuUnavailable();
  const required = process.env.DYNAXX_REQUIRE_WEBGPU === '1';
  test(title, { skip: required ? false : reason }, async (t) => {
    if (reason) assert.fail(`DYNAXX_REQUIRE_WEBGPU=1, but the WebGPU tier cannot run: ${reason}`);
    const yaml = readFileSync(join(__dirname, 'models', `${name}.dynaxx.yaml`), 'utf8');
    const cpu = await runOn(name, yaml, 'cpu', o);
    const gpu = await runOn(name, yaml, 'webgpu', o);
    t.diagnostic(describe(cpu));
    t.diagnostic(describe(gpu));
    assertParity(cpu, gpu, o.steps);
    for (const line of o.more?.(cpu, gpu) ?? []) t.diagnostic(line);
  });
}

/** Dawn's error lines in a child's output (start-up notes left out), or [] when clean. */
export function dawnErrors(output: string): string[] {
  const lines = output.split('\n').filter((l) => !DAWN_NOTE.test(l));
  const first = lines.findIndex((l) => DAWN_ERROR.test(l));
  if (first < 0) return [];
  const next = lines.findIndex((l, i) => i > first + 1 && /^validation:/.test(l));
  return lines.slice(first, Math.min(first + 6, next < 0 ? Infinity : next)).map((l) => l.trimEnd().slice(0, 300)).filter((l) => l.trim());
}

/**
 * The tier's assertion, one failure listing every problem: both processes finished the run on the backend asked
 * for, the webgpu one without Dawn errors (dawn.node prints them on stdout, so both streams are searched), one
 * training record per step on each, and losses and gradient norms that agree step by step.
 */
export function assertParity(cpu: BackendRun, gpu: BackendRun, expectSteps: number): void {
  const problems = [...finishProblems(cpu), ...finishProblems(gpu)];
  const errors = dawnErrors(`${gpu.stdout}\n${gpu.stderr}`);
  if (errors.length) problems.push(`Dawn reported errors on the webgpu run; the first:\n    ${errors.join('\n    ')}`);
  for (const r of [cpu, gpu]) {
    if (r.steps.length !== expectSteps) problems.push(`${r.backend}: ${r.steps.length} training records, expected one per step (${expectSteps})`);
  }
  for (let i = 0; i < Math.min(cpu.steps.length, gpu.steps.length); i++) {
    const c = cpu.steps[i]!;
    const g = gpu.steps[i]!;
    if (!agrees(g.loss, c.loss, LOSS_RTOL)) problems.push(`step ${c.step}: loss webgpu ${g.loss} vs cpu ${c.loss} (${relDiff(g.loss, c.loss)})`);
    if (!agrees(g.gradNorm, c.gradNorm, GRAD_RTOL)) problems.push(`step ${c.step}: gradNorm webgpu ${g.gradNorm} vs cpu ${c.gradNorm} (${relDiff(g.gradNorm, c.gradNorm)})`);
  }
  if (cpu.valLoss !== undefined && gpu.valLoss !== undefined && !agrees(gpu.valLoss, cpu.valLoss, LOSS_RTOL)) {
    problems.push(`validation loss webgpu ${gpu.valLoss} vs cpu ${cpu.valLoss} (${relDiff(gpu.valLoss, cpu.valLoss)})`);
  }
  if (problems.length) assert.fail(`webgpu does not reproduce cpu (tolerance: loss ${LOSS_RTOL}, gradNorm ${GRAD_RTOL} relative):\n  ${problems.join('\n  ')}`);
}

/** Two exports of the same model: same tensors, same shapes, values within WEIGHT_RTOL of the cpu ones. */
export function assertWeightsAgree(gpu: NamedArray[], cpu: NamedArray[], what: string): string {
  assert.deepEqual(gpu.map((w) => `${w.name} [${w.shape}]`), cpu.map((w) => `${w.name} [${w.shape}]`), `${what}: the same tensors and shapes`);
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    const c = cpu[i]!.data;
    const g = gpu[i]!.data;
    let scale = 0;
    let diff = 0;
    for (let j = 0; j < c.length; j++) {
      scale = Math.max(scale, Math.abs(c[j]!));
      diff = Number.isFinite(g[j]!) ? Math.max(diff, Math.abs(g[j]! - c[j]!)) : Infinity;
    }
    worst = Math.max(worst, diff / Math.max(scale, 1e-6));
    if (!(diff <= WEIGHT_RTOL * Math.max(scale, 1e-6))) bad.push(`${cpu[i]!.name}: max |webgpu − cpu| ${diff.toExponential(2)} against max |cpu| ${scale.toExponential(2)}`);
  }
  assert.deepEqual(bad, [], `${what}: weights differ beyond ${WEIGHT_RTOL} relative:\n${bad.join('\n')}`);
  return `${what}: ${cpu.length} tensors agree, largest difference ${worst.toExponential(1)} of the tensor's scale`;
}

/** Why a run did not finish cleanly on the backend it was given, if it did not. */
function finishProblems(r: BackendRun): string[] {
  const tail = r.stderr.split('\n').filter((l) => l.trim() && !DAWN_NOTE.test(l)).slice(-4).map((l) => l.slice(0, 300)).join(' | ');
  const said = tail ? `; stderr ends: ${tail}` : '; nothing on stderr';
  if (r.signal) return [`${r.backend}: the process was killed by ${r.signal} after ${r.seconds.toFixed(1)} s${said}`];
  if (r.code !== 0) return [`${r.backend}: exit ${r.code}${said}`];
  if (!r.runDir || !existsSync(join(r.runDir, 'run.json'))) return [`${r.backend}: no run directory in the output: ${r.stdout.slice(-300)}`];
  const meta = JSON.parse(readFileSync(join(r.runDir, 'run.json'), 'utf8')) as { backend: string; status: string };
  if (meta.backend !== r.backend) return [`the run asked for ${r.backend} ran on ${meta.backend}`];
  return meta.status === 'completed' ? [] : [`${r.backend}: the run is ${meta.status}`];
}

/** One line per backend for the test's diagnostics: wall time, losses, gradient norms and where the run is. */
export function describe(r: BackendRun): string {
  return `${r.backend}: ${r.seconds.toFixed(1)} s, losses ${r.steps.map((s) => s.loss.toPrecision(7)).join(' ')}, gradNorms ${r.steps.map((s) => s.gradNorm.toPrecision(5)).join(' ')} (${r.runDir ?? 'no run directory'})`;
}

export function agrees(x: number, ref: number, rtol: number): boolean {
  return Number.isFinite(x) && Number.isFinite(ref) && Math.abs(x - ref) <= rtol * Math.max(Math.abs(ref), 1e-6);
}

function relDiff(x: number, ref: number): string {
  if (!Number.isFinite(x)) return 'not finite';
  return `${(Math.abs(x - ref) / Math.max(Math.abs(ref), 1e-6)).toExponential(1)} relative`;
}

/** The CLI's --json summary: the last line of stdout that parses (dawn.node prints its errors on stdout too). */
function lastJson(stdout: string): unknown {
  for (const line of stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not the summary
    }
  }
  return undefined;
}

/** NaN and ±Inf are written to JSON as null. */
function num(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

/** The file with `backend: <b>` as the first key of its `train:` block. */
function withBackend(yaml: string, backend: BackendName): string {
  if (!/^train:\n/m.test(yaml)) throw new Error('the case needs a block `train:` (written as a mapping over lines)');
  return yaml.replace(/^train:\n/m, `train:\n  backend: ${backend}\n`);
}

function spawnAsync(args: string[], timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const timer = setTimeout(() => {
      stderr += `\n(killed: still running after ${timeoutMs / 1000} s)\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
