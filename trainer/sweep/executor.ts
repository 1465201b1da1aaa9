/**
 * The seam between a sweep's driver (driver.ts) and what runs its points: the embedded local pool of worker
 * processes (pool.ts) or a BullMQ queue on Redis that `dynaxx worker` processes serve (queue.ts). Both run every
 * point as a normal run in a child process (child-host.ts), so a point gives the same run wherever it ran.
 */
import type { PointResult, SweepDef, SweepJob } from '../../protocol/sweep';

export interface ExecutorEvents {
  /** A point changed: queued, started (with `worker`), finished (with `status`, `runId`, `final`, `error`). */
  onPoint(update: Partial<PointResult> & { point: number }): void;
  /** Live progress of a running point. */
  onProgress(point: number, step: number, totalSteps: number, loss?: number): void;
  onLog(level: 'info' | 'warning' | 'error', message: string): void;
}

export interface SweepExecutor {
  /** 'local', or the queue's URL without credentials (never the password). */
  readonly name: string;
  /**
   * Runs `jobs` (the points not yet finished) and resolves when every point of `def` has finished, failed or been
   * cancelled. An aborted `signal` cancels the sweep: queued points are dropped, running ones stop with a checkpoint.
   */
  run(def: SweepDef, jobs: SweepJob[], events: ExecutorEvents, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
