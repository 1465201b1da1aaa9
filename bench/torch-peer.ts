/**
 * Runs the PyTorch peers (torch_ref.py, torch_fashion_mlp.py) in a child python, bounded in time, or says why it
 * cannot and how to get it. torch_ref.py rewrites its result file after every case, so the cases measured before a
 * crash or a timeout are kept and the others are reported as failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { failureReason, readResult, removeDir, resultDir, runChild } from './child';
import type { Timing } from './measure';
import type { Case } from './plan';

/** The peer's timings have the same shape as ours. */
export type TorchResult = Timing;

export interface TorchRun {
  python: string;
  torch: string;
  device: string;
  deviceType: 'cpu' | 'cuda';
  threads: number;
  blas: string;
  /** The BLAS library the peer loaded (torch_ref.py reads /proc/self/maps), e.g. openblas-pthread/libblas.so.3. */
  blasLibrary?: string;
  results: TorchResult[];
  failures: Array<{ model: string; batch: number; error: string }>;
}

export type TorchOutcome = { ok: true; run: TorchRun } | { ok: false; reason: string };

const HOW_TO = 'get it with `apt-get install python3-torch libopenblas0-pthread` (Debian/Ubuntu) or `pip install torch`, or pass --python PATH';

/** `explicit`, else `name` beside this script (bench/ under tsx, the packed GPU folder), else in bench/ beside dist/. */
export function findScript(name: string, explicit?: string): string | undefined {
  const candidates = explicit ? [explicit] : [join(__dirname, name), join(__dirname, '..', 'bench', name)];
  return candidates.find((p) => existsSync(p));
}

/** The first python that imports torch: --python, else python3, else /usr/bin/python3 (Debian's, when python3 is a pyenv shim). */
export function findPython(explicit?: string): { python?: string; reason?: string } {
  const tried: string[] = [];
  for (const py of explicit ? [explicit] : ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { reason: `no python with torch (${tried.join('; ')}): ${HOW_TO}` };
}

export interface TorchOptions {
  device: 'cpu' | 'cuda';
  steps?: number;
  warmup?: number;
  python?: string;
  script?: string;
  /** Seconds for the whole peer run. */
  timeoutSec: number;
}

/** The reference models in PyTorch; a case it did not reach is a failure with the reason. */
export async function runTorch(cases: Case[], o: TorchOptions): Promise<TorchOutcome> {
  const script = findScript('torch_ref.py', o.script);
  if (!script) return { ok: false, reason: `torch_ref.py not found beside ${__dirname}: pass --torch-script PATH` };
  const { python, reason } = findPython(o.python);
  if (!python) return { ok: false, reason: reason! };
  const dir = resultDir();
  const file = join(dir, 'torch.json');
  const args = [script, '--device', o.device, '--cases', cases.map((c) => `${c.ref.name}:${c.batch}`).join(','), '--out', file];
  if (o.steps) args.push('--steps', String(o.steps));
  if (o.warmup) args.push('--warmup', String(o.warmup));
  const r = await runChild(python, args, { timeoutMs: o.timeoutSec * 1000 });
  const partial = readResult<Omit<TorchRun, 'python'>>(file);
  removeDir(dir);
  const failed = r.code !== 0 ? failureReason(r, `${python} ${script}`, o.timeoutSec * 1000) : undefined;
  if (!partial) return { ok: false, reason: failed ?? `${python} ${script} wrote no results` };
  const run: TorchRun = { python, ...partial };
  for (const c of cases) {
    const seen = [...run.results, ...run.failures].some((x) => x.model === c.ref.name && x.batch === c.batch);
    if (!seen) run.failures.push({ model: c.ref.name, batch: c.batch, error: failed ?? 'not measured' });
  }
  return { ok: true, run };
}
