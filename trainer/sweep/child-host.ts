/**
 * Runs one sweep point in a child process (`dynaxx __sweep-point`, child.ts), so that every point gets a fresh
 * engine and backend, a crash or an out-of-memory kill takes down one point only, and a worker can stop a run
 * without stopping itself. Used by the local pool (pool.ts) and by `dynaxx worker` (worker.ts) alike.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepJob } from '../../protocol/sweep';
import { quoteValue } from '../../spec/limits';
import type { FromChild, ToChild } from './child';
import type { PointOutcome, PointRunOptions } from './point-runner';

export { checkJob } from './job-check';
export type { PointOutcome, PointRunOptions } from './point-runner';

/** How long a cancelled point may take to write its checkpoint before its process is killed. */
const CANCEL_GRACE_MS = 60_000;

/** The CLI bundle the child runs: beside this bundle (dist/), or dist/ of the source tree under tsx. */
export function cliEntry(): string {
  for (const f of [join(__dirname, 'cli.js'), join(__dirname, '..', '..', 'dist', 'cli.js')]) if (existsSync(f)) return f;
  throw new Error('dist/cli.js is missing: build first (npm run build)');
}

/** Never throws: a child that dies without an outcome is a failed, retryable point (with its last stderr lines). */
export function runPointInChild(job: SweepJob, opts: PointRunOptions): Promise<PointOutcome> {
  const started = Date.now();
  return new Promise((resolveOutcome) => {
    let child: ReturnType<typeof fork>;
    try {
      child = fork(cliEntry(), ['__sweep-point'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    } catch (e) {
      resolveOutcome({ status: 'failed', error: (e as Error).message, retryable: false, runMs: 0 });
      return;
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-4000); });
    let outcome: PointOutcome | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      if (child.connected) child.send({ type: 'cancel' } satisfies ToChild);
      killTimer = setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE_MS);
      killTimer.unref();
    };
    child.on('message', (m: FromChild) => {
      if (m.type === 'progress') opts.onProgress?.(m);
      else if (m.type === 'log') opts.onLog?.(m.level, m.message);
      else if (m.type === 'done') outcome = m.outcome;
    });
    child.on('error', () => { /* reported by 'exit' */ });
    child.on('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', cancel);
      if (killTimer) clearTimeout(killTimer);
      if (outcome) return resolveOutcome(outcome);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolveOutcome({
        status: opts.signal?.aborted ? 'cancelled' : 'failed',
        error: `the point's process ${child.pid ?? ''} ended (${signal ?? `exit code ${code}`}) without a result${tail ? `: ${quoteValue(tail, 600)}` : ''}`,
        retryable: !opts.signal?.aborted, runMs: Date.now() - started,
      });
    });
    if (opts.signal?.aborted) cancel();
    else opts.signal?.addEventListener('abort', cancel, { once: true });
    child.send({ type: 'run', job, runsDir: opts.runsDir, dataDir: opts.dataDir } satisfies ToChild);
  });
}
