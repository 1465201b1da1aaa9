/**
 * `dynaxx worker --queue URL`: serves the sweep queue (queue.ts) on one machine. Each job is checked like any model
 * file sent over the wire, then trained as a normal run in a child process (child-host.ts); progress goes back
 * through the job, the run's outcome is the job's result.
 *
 * Faults: a worker killed outright loses its job's lock; after `lockMs` another worker's stalled check puts the job
 * back on the queue (up to twice), and the retry resumes the run's checkpoint when the runs dir is shared. Redis
 * going away is ridden out (ioredis reconnects; errors are logged, redacted). A cancelled sweep's running points
 * stop with a checkpoint and fail as 'cancelled', without retries. Stopping the worker (its signal) puts its
 * running points back on the queue after their checkpoint, for another worker to resume.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { SweepJob } from '../../protocol/sweep';
import { checkJob, runPointInChild, type PointOutcome } from './child-host';
import { CANCELLED, CANCEL_CHANNEL, QUEUE_NAME, QUEUE_PREFIX, cancelKey, type WorkerProgress } from './queue';
import { errorText, parseRedisUrl, resolveQueueUrl } from './redis-url';

export interface WorkerRunOptions {
  /** The queue URL (else `DYNAXX_QUEUE_URL`); the password may come from `DYNAXX_QUEUE_PASSWORD`. */
  url: string;
  concurrency: number;
  runsDir: string;
  dataDir: string;
  /** Overrides every job's backend. */
  backend?: string;
  /** The job lock (ms, default 30 000): a dead worker's job goes to another worker after about this long. */
  lockMs?: number;
  /** One line per event; never holds credentials. */
  log(line: string): void;
  /** Stops the worker: no new jobs, running points back on the queue with their checkpoint. */
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

interface Running {
  sweepId: string;
  ac: AbortController;
  why?: 'cancel' | 'shutdown';
}

/** How often a running job's progress is written to Redis at most. */
const PROGRESS_MS = 500;

function summary(o: PointOutcome): string {
  const parts: string[] = [];
  if (o.runId) parts.push(`run ${o.runId}`);
  const f = o.final ?? {};
  const key = ['valAccuracy', 'testAccuracy', 'accuracy', 'loss'].find((k) => typeof f[k] === 'number');
  if (key) parts.push(`${key} ${Number(f[key].toFixed(4))}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export async function runWorker(o: WorkerRunOptions): Promise<void> {
  const conn = parseRedisUrl(resolveQueueUrl(o.url, o.env), o.env);
  const me = `${hostname()}:${process.pid}`;
  const log = (line: string): void => o.log(conn.scrub(line));
  const lockMs = o.lockMs ?? 30_000;
  const running = new Map<string, Running>();

  let lastErrorLog = 0;
  const onError = (what: string) => (e: unknown): void => {
    const now = Date.now();
    if (now - lastErrorLog < 10_000) return;
    lastErrorLog = now;
    log(`worker ${me}: ${what}: ${errorText(e, conn)} (reconnecting)`);
  };

  const cancelSweep = (sweepId: string): void => {
    for (const r of running.values()) {
      if (r.sweepId !== sweepId || r.ac.signal.aborted) continue;
      r.why ??= 'cancel';
      r.ac.abort();
    }
  };
  const redis = new Redis(conn.options);
  redis.on('error', onError('redis'));
  const sub = new Redis(conn.options);
  sub.on('error', onError('redis'));
  sub.on('message', (_channel: string, sweepId: string) => cancelSweep(sweepId));
  void sub.subscribe(CANCEL_CHANNEL).catch(onError('subscribe'));
  // The flag is polled too: a message published while this worker was reconnecting is lost.
  const flagTimer = setInterval(() => {
    const ids = new Set([...running.values()].filter((r) => !r.ac.signal.aborted).map((r) => r.sweepId));
    for (const id of ids) void redis.exists(cancelKey(id)).then((n) => { if (n) cancelSweep(id); }, () => undefined);
  }, 1000);

  const processor = async (job: Job, token?: string): Promise<PointOutcome> => {
    let data: SweepJob;
    try {
      data = checkJob(job.data);
      if (data.jobId !== job.id) throw new Error(`sweep job: 'jobId' ${data.jobId} is not the queue's job id ${job.id}`);
    } catch (e) {
      const msg = errorText(e, conn);
      log(`worker ${me}: job ${job.id} refused: ${msg}`);
      throw new UnrecoverableError(msg);
    }
    if (await redis.exists(cancelKey(data.sweepId))) {
      log(`worker ${me}: point ${data.point} of sweep ${data.sweepId} cancelled before it started`);
      throw new UnrecoverableError(CANCELLED);
    }
    const run: SweepJob = o.backend ? { ...data, backend: o.backend } : data;
    const entry: Running = { sweepId: data.sweepId, ac: new AbortController() };
    if (o.signal.aborted) entry.why = 'shutdown';
    running.set(job.id ?? data.jobId, entry);
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    log(`worker ${me}: point ${data.point} of sweep ${data.sweepId} started${attempt > 1 ? ` (try ${attempt})` : ''}`);

    let progress: WorkerProgress = { worker: me };
    let sentAt = 0;
    const send = (force: boolean): void => {
      const now = Date.now();
      if (!force && now - sentAt < PROGRESS_MS) return;
      sentAt = now;
      void job.updateProgress({ ...progress }).catch(() => undefined);
    };
    send(true);
    try {
      const outcome = entry.why === 'shutdown'
        ? { status: 'cancelled' as const, retryable: true, runMs: 0 }
        : await runPointInChild(run, {
          runsDir: o.runsDir,
          dataDir: o.dataDir,
          signal: entry.ac.signal,
          onProgress: (p) => {
            progress = { ...progress, step: p.step, totalSteps: p.totalSteps, ...(p.loss !== undefined ? { loss: p.loss } : {}) };
            send(false);
          },
          onLog: (level, message) => { if (level !== 'info') log(`worker ${me}: point ${data.point} of sweep ${data.sweepId}: ${level}: ${message}`); },
        });
      progress = { ...progress, ...(outcome.runId ? { runId: outcome.runId } : {}), ...(outcome.step !== undefined ? { step: outcome.step, totalSteps: outcome.totalSteps } : {}) };
      await job.updateProgress({ ...progress }).catch(() => undefined);
      const what = `point ${data.point} of sweep ${data.sweepId}`;
      switch (outcome.status) {
        case 'completed':
        case 'diverged':
          log(`worker ${me}: ${what} ${outcome.status}${summary(outcome)}`);
          return outcome;
        case 'cancelled':
          if (entry.why === 'shutdown') {
            // Not the sweep's cancel: this worker stops. The point goes back to the queue, its checkpoint kept.
            log(`worker ${me}: ${what} stopped with the worker; back on the queue${summary(outcome)}`);
            await job.moveToWait(token);
            throw new WaitingError();
          }
          log(`worker ${me}: ${what} cancelled${summary(outcome)}`);
          throw new UnrecoverableError(CANCELLED);
        default: {
          const error = conn.scrub(outcome.error || 'failed');
          log(`worker ${me}: ${what} failed${outcome.retryable ? ' (will be retried if tries are left)' : ''}: ${error}`);
          if (!outcome.retryable) throw new UnrecoverableError(error);
          throw new Error(error);
        }
      }
    } finally {
      running.delete(job.id ?? data.jobId);
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: conn.options,
    prefix: QUEUE_PREFIX,
    name: me,
    concurrency: Math.max(1, o.concurrency),
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', onError('queue'));

  const stopped = new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    else o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const loop = worker.run().catch((e: unknown) => log(`worker ${me}: stopped: ${errorText(e, conn)}`));
  await stopped;
  log(`worker ${me}: stopping${running.size ? `; ${running.size} running point(s) go back to the queue after their checkpoint` : ''}`);
  for (const r of running.values()) {
    r.why ??= 'shutdown';
    r.ac.abort();
  }
  await worker.close().catch(onError('close'));
  await loop;
  clearInterval(flagTimer);
  await Promise.allSettled([redis.quit(), sub.quit()]);
  log(`worker ${me}: stopped`);
}
