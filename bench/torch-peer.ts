/** Runs the PyTorch peer (torch_ref.py) in a child python, or says why it cannot and how to get it. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
  results: TorchResult[];
  failures: Array<{ model: string; batch: number; error: string }>;
}

export type TorchOutcome = { ok: true; run: TorchRun } | { ok: false; reason: string };

const HOW_TO = 'get it with `apt-get install python3-torch` (Debian/Ubuntu) or `pip install torch`, or pass --python PATH';

/** --torch-script, beside this script (bench/ under tsx, the packed GPU folder), or bench/ beside dist/. */
export function findTorchScript(explicit?: string): string | undefined {
  const candidates = explicit ? [explicit] : [join(__dirname, 'torch_ref.py'), join(__dirname, '..', 'bench', 'torch_ref.py')];
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

export function runTorch(cases: Case[], o: { device: 'cpu' | 'cuda'; steps?: number; warmup?: number; python?: string; script?: string }): TorchOutcome {
  const script = findTorchScript(o.script);
  if (!script) return { ok: false, reason: `torch_ref.py not found beside ${__dirname}: pass --torch-script PATH` };
  const { python, reason } = findPython(o.python);
  if (!python) return { ok: false, reason: reason! };
  const args = [script, '--device', o.device, '--cases', cases.map((c) => `${c.ref.name}:${c.batch}`).join(',')];
  if (o.steps) args.push('--steps', String(o.steps));
  if (o.warmup) args.push('--warmup', String(o.warmup));
  const r = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) return { ok: false, reason: `${python} ${script} failed (exit ${r.status ?? r.signal})` };
  try {
    return { ok: true, run: { python, ...JSON.parse(r.stdout) } };
  } catch {
    return { ok: false, reason: `${python} ${script} printed no JSON: ${r.stdout.slice(0, 200)}` };
  }
}
