/**
 * The embedded executor: a pool of worker slots on this machine, each running one point at a time in its own
 * child process (child-host.ts). Nothing to install. A point that fails for a reason another try may not repeat (a
 * crash, a lost backend) is tried again up to the sweep's `attempts`; a bad model file or value fails at once.
 * Cancelling stops queued points at once and running ones with a checkpoint.
 */
import { hostname } from 'node:os';
import type { SweepDef, SweepJob } from '../../protocol/sweep';
import { runPointInChild } from './child-host';
import type { ExecutorEvents, SweepExecutor } from './executor';

export class LocalPool implements SweepExecutor {
  readonly name = 'local';

  constructor(private readonly o: { workers: number; runsDir: string; dataDir: string }) {}

  async run(def: SweepDef, jobs: SweepJob[], ev: ExecutorEvents, signal: AbortSignal): Promise<void> {
    const queued = [...jobs];
    const queuedAt = Date.now();
    for (const j of jobs) ev.onPoint({ point: j.point, status: 'queued', attempts: 0 });
    const slot = async (n: number) => {
      while (!signal.aborted && queued.length > 0) {
        const job = queued.shift()!;
        const worker = `${hostname()}/local-${n}`;
        const queueMs = Date.now() - queuedAt;
        for (let attempt = 1; ; attempt++) {
          const startedAt = Date.now();
          ev.onPoint({ point: job.point, status: 'running', worker, attempts: attempt, queueMs, startedAt });
          const out = await runPointInChild(job, {
            runsDir: this.o.runsDir, dataDir: this.o.dataDir, signal,
            onProgress: (p) => ev.onProgress(job.point, p.step, p.totalSteps, p.loss),
            onLog: (level, message) => { if (level !== 'info') ev.onLog(level, `point ${job.point}: ${message}`); },
          });
          const again = out.status === 'failed' && out.retryable && attempt < def.attempts && !signal.aborted;
          if (again) {
            ev.onLog('warning', `point ${job.point} failed on try ${attempt} of ${def.attempts} (${out.error}); trying again`);
            continue;
          }
          ev.onPoint({
            point: job.point, status: out.status, worker, attempts: attempt, runMs: out.runMs, finishedAt: Date.now(),
            ...(out.runId ? { runId: out.runId } : {}), ...(out.final ? { final: out.final } : {}), ...(out.error ? { error: out.error } : {}),
            ...(out.step !== undefined ? { step: out.step, totalSteps: out.totalSteps } : {}), ...(out.pareto ? { pareto: out.pareto } : {}),
          });
          break;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.workers, jobs.length)) }, (_, i) => slot(i + 1)));
    for (const j of queued) ev.onPoint({ point: j.point, status: 'cancelled', attempts: 0 });
  }

  async close(): Promise<void> { /* the children end with their points */ }
}
