/**
 * The process a sweep point runs in (`dynaxx __sweep-point`, forked by child-host.ts with an IPC channel): it takes
 * one job, runs it (point-runner.ts) and sends back progress, log lines and the outcome. Ctrl-C in the terminal
 * reaches the whole process group: the child leaves it to its parent, which cancels points through the channel.
 * When the parent dies (SIGKILL, machine gone) the channel closes: the run stops at the next step with a
 * checkpoint, so the retry on another worker resumes it.
 */
import type { SweepJob } from '../../protocol/sweep';
import { runPoint } from './point-runner';

/** Parent → child. */
export type ToChild = { type: 'run'; job: SweepJob; runsDir: string; dataDir: string } | { type: 'cancel' };
/** Child → parent. */
export type FromChild =
  | { type: 'progress'; step: number; totalSteps: number; loss?: number }
  | { type: 'log'; level: 'info' | 'warning' | 'error'; message: string }
  | { type: 'done'; outcome: Awaited<ReturnType<typeof runPoint>> };

export async function sweepPointChild(): Promise<number> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('dynaxx __sweep-point is started by `dynaxx sweep` and `dynaxx worker`, not by hand\n');
    return 2;
  }
  const abort = new AbortController();
  process.on('SIGINT', () => { /* the parent decides */ });
  process.on('disconnect', () => {
    abort.abort();
    setTimeout(() => process.exit(137), 20_000).unref();
  });
  const first = await new Promise<Extract<ToChild, { type: 'run' }>>((resolveRun) => {
    process.on('message', (m: ToChild) => {
      if (m.type === 'run') resolveRun(m);
      else if (m.type === 'cancel') abort.abort();
    });
  });
  let lastSent = 0;
  const post = (m: FromChild) => {
    if (process.connected) send(m);
  };
  const outcome = await runPoint(first.job, {
    runsDir: first.runsDir, dataDir: first.dataDir, signal: abort.signal,
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastSent < 250 && p.step < p.totalSteps) return;
      lastSent = now;
      post({ type: 'progress', ...p });
    },
    onLog: (level, message) => post({ type: 'log', level, message }),
  });
  if (!process.connected) return 0;
  await new Promise<void>((done) => send({ type: 'done', outcome } satisfies FromChild, () => done()));
  return 0;
}
