/** Shared helpers for the end-to-end tests: run the built CLI / trainer (dist/), temp folders, model files. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');
export const CLI = join(ROOT, 'bin', 'dynaxx');
export const TRAINER = join(ROOT, 'dist', 'trainer.js');

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
}

export function tempDir(prefix = 'dynaxx-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeModel(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function runCli(args: string[], cwd?: string): CliResult {
  requireBuild();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: cwd ?? ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function spawnCli(args: string[], cwd?: string): ChildProcess {
  requireBuild();
  return spawn(process.execPath, [CLI, ...args], { cwd: cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits until `check()` is true, polling every 50 ms, or throws after `ms`. */
export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The only run folder in a runs directory. */
export function onlyRun(runsDir: string): string {
  const ids = readdirSync(runsDir).filter((n) => !n.startsWith('.'));
  if (ids.length !== 1) throw new Error(`expected one run in ${runsDir}, found ${ids.join(', ') || 'none'}`);
  return join(runsDir, ids[0]);
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

/** A small synthetic classification model that trains in seconds on the cpu backend. */
export function blobsModel(opts: { steps?: number; checkpointEvery?: number; lr?: number; optimizer?: string; extra?: string } = {}): string {
  return `name: blobs-test
data: { source: synthetic, kind: blobs, samples: 2048, classes: 4, features: 16 }
model:
  input: [16]
  layers:
    - { type: dense, name: hidden, units: 32, activation: relu }
    - { type: dropout, rate: 0.1 }
    - { type: dense, name: logits, units: 4 }
train:
  steps: ${opts.steps ?? 60}
  batchSize: 32
  optimizer: { type: ${opts.optimizer ?? 'adam'}, lr: ${opts.lr ?? 0.01} }
  checkpointEvery: ${opts.checkpointEvery ?? 20}
  evalEvery: 20
  seed: 7
  backend: cpu
${opts.extra ?? ''}`;
}
