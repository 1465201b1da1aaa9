/**
 * End to end: `dynaxx train examples/<name>.dynaxx.yaml --epochs N --json` through the CLI bundle, one child
 * process per backend, and the same training in PyTorch (torch_<name>.py, with underscores) on this machine, in
 * the same invocation. Reports wall time (process start to exit), training time (the CLI's `seconds`: training
 * and evaluation, without start-up and data loading), test accuracy, and the ratios ours/PyTorch and webgpu/wasm.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendId } from '../protocol/trainer';
import { failureReason, lastJsonLine, readResult, removeDir, resultDir, runChild, saveReport } from './child';
import type { BenchOptions } from './options';
import { alignedTable, markdown } from './report';
import { findPython, findScript } from './torch-peer';

export interface E2eRun {
  who: string;
  ok: boolean;
  error?: string;
  /** Process start to exit. */
  wallSeconds?: number;
  /** Training and evaluation only (the CLI's `seconds`; PyTorch: the same scope). */
  seconds?: number;
  testAccuracy?: number;
  device?: string;
  detail?: Record<string, unknown>;
}

export interface E2eReport {
  date: string;
  model: string;
  epochs: number;
  limit?: number;
  runs: E2eRun[];
  ratios: Array<{ what: string; seconds: number; wallSeconds: number }>;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** `examples/<name>.dynaxx.yaml` from the working directory or beside this script, or a file path. */
export function findModelFile(nameOrFile: string): string {
  if (nameOrFile.endsWith('.yaml') || nameOrFile.endsWith('.yml')) return resolve(nameOrFile);
  const rel = join('examples', `${nameOrFile}.dynaxx.yaml`);
  const found = [resolve(rel), join(__dirname, rel), join(__dirname, '..', rel)].find((p) => existsSync(p));
  if (!found) throw new Error(`--e2e ${nameOrFile}: ${rel} not found here or beside ${__dirname}`);
  return found;
}

/** The CLI: --cli, else cli.js beside this bundle, else dist/cli.js, else the TypeScript entry under tsx. */
export function cliCommand(explicit?: string): string[] {
  const bundled = [explicit, join(__dirname, 'cli.js'), join(__dirname, '..', 'dist', 'cli.js')].find((p) => p && existsSync(p));
  if (bundled && !bundled.endsWith('.ts')) return [bundled];
  const source = bundled ?? join(__dirname, '..', 'trainer', 'cli', 'main.ts');
  return ['--import', 'tsx', source];
}

async function runOurs(backend: BackendId, file: string, o: BenchOptions, epochs: number, timeoutSec: number): Promise<E2eRun> {
  const runsDir = resultDir();
  const args = [...cliCommand(o.cli), 'train', file, '--backend', backend, '--epochs', String(epochs), '--json', '--runs-dir', runsDir];
  if (o.limit) args.push('--limit', String(o.limit));
  log(`e2e: dynaxx train ${file} --backend ${backend} --epochs ${epochs}${o.limit ? ` --limit ${o.limit}` : ''}`);
  const r = await runChild(process.execPath, args, { timeoutMs: timeoutSec * 1000 });
  removeDir(runsDir);
  const s = lastJsonLine<Record<string, unknown>>(r.stdout);
  const who = backend;
  if (!s || s.status !== 'completed') {
    const why = s?.error ? String(s.error) : failureReason(r, `dynaxx train --backend ${backend}`, timeoutSec * 1000);
    return { who, ok: false, error: s && !s.error ? `run ${s.status}` : why, wallSeconds: r.seconds };
  }
  return {
    who, ok: true, wallSeconds: r.seconds, seconds: s.seconds as number, testAccuracy: s.testAccuracy as number,
    device: String(s.device), detail: s,
  };
}

async function runPeer(name: string, o: BenchOptions, epochs: number, device: 'cpu' | 'cuda', timeoutSec: number): Promise<E2eRun> {
  const who = `PyTorch ${device}`;
  const script = findScript(`torch_${name.replace(/-/g, '_')}.py`);
  if (!script) return { who, ok: false, error: `torch_${name.replace(/-/g, '_')}.py not found beside ${__dirname}` };
  const { python, reason } = findPython(o.python);
  if (!python) return { who, ok: false, error: reason };
  const dir = resultDir();
  const out = join(dir, 'torch.json');
  const args = [script, '--device', device, '--epochs', String(epochs)];
  if (o.limit) args.push('--limit', String(o.limit));
  log(`e2e: ${python} ${args.join(' ')}`);
  args.push('--out', out);
  const r = await runChild(python, args, { timeoutMs: timeoutSec * 1000 });
  const t = readResult<Record<string, unknown>>(out);
  removeDir(dir);
  if (r.code !== 0 || !t) return { who, ok: false, error: failureReason(r, `${python} ${script}`, timeoutSec * 1000), wallSeconds: r.seconds };
  return {
    who, ok: true, wallSeconds: r.seconds, seconds: t.seconds as number, testAccuracy: t.testAccuracy as number,
    device: `torch ${t.torch}: ${t.device}`, detail: t,
  };
}

export function e2eRatios(runs: E2eRun[]): E2eReport['ratios'] {
  const ok = runs.filter((r) => r.ok && r.seconds);
  const by = (who: string) => ok.find((r) => r.who === who);
  const peer = ok.find((r) => r.who.startsWith('PyTorch'));
  const pairs: Array<[E2eRun | undefined, E2eRun | undefined]> = [
    ...ok.filter((r) => !r.who.startsWith('PyTorch')).map((r): [E2eRun, E2eRun | undefined] => [r, peer]),
    [by('webgpu'), by('wasm')],
  ];
  return pairs.filter((p): p is [E2eRun, E2eRun] => !!p[0] && !!p[1]).map(([a, b]) => ({
    what: `${a.who}/${b.who}`, seconds: a.seconds! / b.seconds!, wallSeconds: a.wallSeconds! / b.wallSeconds!,
  }));
}

const HEAD = ['run', 'status', 'train s', 'wall s', 'test accuracy'];

export function e2eTables(r: E2eReport): { text: string; markdown: string } {
  const body = r.runs.map((x) => [
    x.who, x.ok ? 'ok' : 'failed', x.seconds?.toFixed(1) ?? '–', x.wallSeconds?.toFixed(1) ?? '–',
    x.testAccuracy === undefined ? '–' : `${(x.testAccuracy * 100).toFixed(2)}%`,
  ]);
  const ratios = r.ratios.map((q) => `${q.what}: ${q.seconds.toFixed(2)}× the training time, ${q.wallSeconds.toFixed(2)}× the wall time`);
  const notes = [
    ...ratios,
    ...r.runs.filter((x) => x.device).map((x) => `${x.who}: ${x.device}`),
    ...r.runs.filter((x) => !x.ok).map((x) => `failed: ${x.who}: ${x.error}`),
  ];
  const title = `${r.model}, ${r.epochs} epoch${r.epochs > 1 ? 's' : ''}${r.limit ? `, ${r.limit} training samples` : ''}`;
  return {
    text: [title, alignedTable(HEAD, body, 2), ...notes].join('\n'),
    markdown: [title, '', markdown(HEAD, body, 2), '', ...notes.map((n) => `- ${n}`)].join('\n'),
  };
}

export async function runE2e(o: BenchOptions, defaultOut: (mode: string) => string): Promise<void> {
  const name = o.e2e!;
  const file = findModelFile(name);
  const epochs = o.epochs ?? 3;
  const backends = o.backends ?? (['webgpu', 'wasm'] as BackendId[]);
  const timeoutSec = 3 * o.timeout;
  const out = o.out ?? defaultOut('e2e');
  const runs: E2eRun[] = [];
  const report: E2eReport = { date: new Date().toISOString().slice(0, 10), model: name, epochs, limit: o.limit, runs, ratios: [] };
  const add = (r: E2eRun) => {
    runs.push(r);
    report.ratios = e2eRatios(runs);
    saveReport(out, report);
  };
  for (const b of backends) add(await runOurs(b, file, o, epochs, timeoutSec));
  if (o.torch) {
    const device = o.torchDevice ?? (backends.includes('webgpu') ? 'cuda' : 'cpu');
    add(await runPeer(name.replace(/\.dynaxx\.ya?ml$/, '').replace(/^.*\//, ''), o, epochs, device, timeoutSec));
  }
  if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
  const t = e2eTables(report);
  console.log(`\n${t.text}\n\nMarkdown:\n\n${t.markdown}\n\nresults: ${out}`);
}
