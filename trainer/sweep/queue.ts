/**
 * A sweep's points on a BullMQ queue in Redis, served by `dynaxx worker` processes (worker.ts) on any machine.
 *
 * One queue (`dynaxx-runs`, key prefix `dynaxx`) carries every sweep's points; each point's BullMQ job id is its
 * `SweepJob.jobId`, so adding a point twice (a driver restarted, `--attach`) is ignored by BullMQ and a point is
 * never queued twice. Beside the queue, Redis keeps per sweep:
 *   `dynaxx:sweeps:<id>`         the definition and every job (JSON), so `--attach` works after the driver died;
 *   `dynaxx:sweeps:<id>:cancel`  set when the sweep is cancelled (workers also hear it on `dynaxx:sweeps:cancel`).
 * Retention: finished jobs (with their results) and these keys stay 30 days (`RETENTION_S`), then age out.
 *
 * The driver watches with QueueEvents for speed and polls every job's state each second as well, since events can
 * be lost while Redis restarts. Nothing here ever holds or prints the password: see redis-url.ts.
 */
import { Job, Queue, QueueEvents, type JobsOptions, type JobState } from 'bullmq';
import { Redis } from 'ioredis';
import type { PointResult, SweepDef, SweepJob, SweepRecord } from '../../protocol/sweep';
import { UserError } from '../errors';
import type { ExecutorEvents, SweepExecutor } from './executor';
import { errorText, parseRedisUrl, resolveQueueUrl, safeError, type QueueConnection } from './redis-url';
import type { PointOutcome } from './child-host';

export const QUEUE_NAME = 'dynaxx-runs';
export const QUEUE_PREFIX = 'dynaxx';
/** How long finished jobs, sweep definitions and cancel flags stay in Redis. */
export const RETENTION_S = 30 * 24 * 3600;
export const CANCEL_CHANNEL = `${QUEUE_PREFIX}:sweeps:cancel`;
export const sweepKey = (sweepId: string): string => `${QUEUE_PREFIX}:sweeps:${sweepId}`;
export const cancelKey = (sweepId: string): string => `${QUEUE_PREFIX}:sweeps:${sweepId}:cancel`;
/** The failure reason of a cancelled point's job. */
export const CANCELLED = 'cancelled';

/** What a worker reports as a job's progress (also after the run, with its run id, so a failed point names it). */
export interface WorkerProgress {
  worker: string;
  step?: number;
  totalSteps?: number;
  loss?: number;
  runId?: string;
}

/** What Redis keeps for `--attach`. */
export interface StoredSweep {
  def: SweepDef;
  jobs: SweepJob[];
}

export interface QueueExecutorOptions {
  env?: NodeJS.ProcessEnv;
  /** How often every job's state is polled (ms, default 1000). */
  pollMs?: number;
  /** After a cancel, how long to wait for running points to report (ms, default 60 000). */
  cancelWaitMs?: number;
  /** How long to wait for Redis at the start (ms, default 30 000). */
  connectTimeoutMs?: number;
  /** `run` stores and enqueues the sweep, reports every point once, and returns without waiting (`--detach`). */
  detach?: boolean;
}

const QUEUED_STATES: Array<JobState | 'unknown'> = ['waiting', 'delayed', 'prioritized', 'waiting-children'];
const TERMINAL = new Set<PointResult['status']>(['completed', 'failed', 'diverged', 'cancelled']);

/** BullMQ refuses custom ids that are integers or hold ':' (other than its own repeat-job form). */
export function checkJobId(jobId: string): void {
  if (`${parseInt(jobId, 10)}` === jobId || jobId.includes(':') || jobId.length === 0) {
    throw new Error(`job id '${jobId}' cannot be a BullMQ job id (no integers, no ':')`);
  }
}

/** A point's state from its job: what the driver's `onPoint` gets. */
export function pointFromJob(job: Job, state: JobState | 'unknown', point: number, def: SweepDef): Partial<PointResult> & { point: number } {
  const progress = (job.progress && typeof job.progress === 'object' ? job.progress : {}) as Partial<WorkerProgress>;
  const worker = job.processedBy ?? progress.worker;
  const attempts = Math.max(job.attemptsStarted ?? 0, job.attemptsMade ?? 0);
  const queueMs = job.processedOn ? Math.max(0, job.processedOn - job.timestamp) : undefined;
  const base = { point, jobId: job.id ?? '', attempts, ...(job.processedOn ? { startedAt: job.processedOn } : {}) };
  if (state === 'active') return { ...base, status: 'running', worker, queueMs };
  if (state === 'completed') {
    const o = (job.returnvalue ?? {}) as Partial<PointOutcome>;
    const status = o.status === 'diverged' || o.status === 'failed' || o.status === 'cancelled' ? o.status : 'completed';
    const metric = o.final?.[def.metric.name];
    return {
      ...base, status, worker, queueMs, runId: o.runId, ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}), final: o.final, error: o.error, step: o.step, totalSteps: o.totalSteps,
      runMs: o.runMs, pareto: o.pareto, ...(typeof metric === 'number' ? { metric } : {}),
    };
  }
  if (state === 'failed') {
    const cancelled = job.failedReason === CANCELLED;
    return {
      ...base, status: cancelled ? 'cancelled' : 'failed', worker, queueMs, runId: progress.runId,
      ...(cancelled ? {} : { error: job.failedReason || 'failed' }),
      ...(progress.step !== undefined ? { step: progress.step, totalSteps: progress.totalSteps } : {}),
    };
  }
  return { ...base, status: 'queued' };
}

/**
 * A point's job and its state, the state read first. Read the other way round, a job read while it runs and a state
 * read after it finished make a 'completed' point without its result (no run id, no metrics), and a finished point is
 * never read again. This way the state never says more than the job read after it shows.
 */
async function jobAndState(queue: Queue, jobId: string): Promise<{ job: Job | undefined; state: JobState | 'unknown' }> {
  const state = await queue.getJobState(jobId);
  return { job: await queue.getJob(jobId), state };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Tracked {
  job: SweepJob;
  last?: string;
  status?: PointResult['status'];
  /** Serializes the refreshes of one job (events and the poll). */
  busy: Promise<void>;
}

export class QueueExecutor implements SweepExecutor {
  readonly name: string;
  private readonly conn: QueueConnection;
  private readonly opts: QueueExecutorOptions;
  private redis?: Redis;
  private queue?: Queue;
  private events?: QueueEvents;
  private lastError?: string;
  /** While `run` runs: connection errors become (rate-limited) warnings for the driver. */
  private onConnError?: (e: unknown) => void;

  constructor(url: string | undefined, opts: QueueExecutorOptions = {}) {
    this.opts = opts;
    this.conn = parseRedisUrl(resolveQueueUrl(url, opts.env), opts.env);
    this.name = this.conn.redacted;
  }

  /** The sweep as the driver stored it, for `dynaxx sweep --attach ID`. */
  static async loadSweep(url: string | undefined, sweepId: string, opts: QueueExecutorOptions = {}): Promise<StoredSweep> {
    const ex = new QueueExecutor(url, opts);
    try {
      const r = await ex.client();
      const text = await r.get(sweepKey(sweepId));
      if (!text) throw new UserError(`no sweep '${sweepId}' on the queue at ${ex.name} (unknown id, or older than ${RETENTION_S / 86400} days)`);
      return JSON.parse(text) as StoredSweep;
    } catch (e) {
      throw safeError(e, ex.conn);
    } finally {
      await ex.close();
    }
  }

  /**
   * The sweep's record as the queue knows it (`dynaxx sweep --report ID --queue URL` on a machine without its
   * record): every point's latest state from its job; a point whose job is gone (aged out, dropped) is 'cancelled'
   * when the sweep was cancelled, else 'queued'.
   */
  static async loadResults(url: string | undefined, def: SweepDef, opts: QueueExecutorOptions = {}): Promise<SweepRecord> {
    const ex = new QueueExecutor(url, opts);
    try {
      const r = await ex.client();
      const cancelled = (await r.exists(cancelKey(def.id))) > 0;
      const queue = ex.getQueue();
      const results: PointResult[] = [];
      for (const p of def.points) {
        const { job, state } = await jobAndState(queue, p.jobId);
        const base: PointResult = { point: p.index, jobId: p.jobId, status: cancelled ? 'cancelled' : 'queued', attempts: 0 };
        results.push(job ? { ...base, ...pointFromJob(job, state, p.index, def) } : base);
      }
      const open = results.some((x) => x.status === 'queued' || x.status === 'running');
      return { def, executor: ex.name, status: cancelled ? 'cancelled' : open ? 'running' : 'completed', results, updatedAt: new Date().toISOString() };
    } catch (e) {
      throw safeError(e, ex.conn);
    } finally {
      await ex.close();
    }
  }

  /**
   * Cancels a sweep from anywhere (`dynaxx sweep --cancel ID --queue URL`): sets its cancel flag and tells the
   * workers, which stop its running points with a checkpoint, and drops its queued points. Its driver, if one runs,
   * sees the flag and finishes. Returns how many queued points were dropped.
   */
  async cancel(sweepId: string): Promise<number> {
    try {
      const r = await this.client();
      const text = await r.get(sweepKey(sweepId));
      if (!text) throw new UserError(`no sweep '${sweepId}' on the queue at ${this.name}`);
      const stored = JSON.parse(text) as StoredSweep;
      await this.raiseCancel(sweepId);
      let dropped = 0;
      for (const j of stored.jobs) if (await this.dropQueued(j.jobId)) dropped++;
      return dropped;
    } catch (e) {
      throw safeError(e, this.conn);
    }
  }

  async run(def: SweepDef, jobs: SweepJob[], events: ExecutorEvents, signal: AbortSignal): Promise<void> {
    for (const j of jobs) checkJobId(j.jobId);
    const r = await this.client().catch((e) => { throw safeError(e, this.conn); });
    const queue = this.getQueue();
    await this.storeSweep(r, def, jobs);
    await r.del(cancelKey(def.id));

    const tracked = new Map<string, Tracked>(jobs.map((j) => [j.jobId, { job: j, busy: Promise.resolve() }]));
    // A point cancelled by an earlier run of this sweep is queued again (it is not finished: the driver passed it).
    for (const j of jobs) {
      const old = await queue.getJob(j.jobId);
      if (old && (await old.getState()) === 'failed' && old.failedReason === CANCELLED) await old.remove().catch(() => undefined);
    }
    const jobOpts = (j: SweepJob): JobsOptions => ({
      jobId: j.jobId,
      attempts: Math.max(1, def.attempts),
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: RETENTION_S },
      removeOnFail: { age: RETENTION_S },
    });
    await queue.addBulk(jobs.map((j) => ({ name: def.command, data: j, opts: jobOpts(j) })));
    events.onLog('info', `sweep ${def.id}: ${jobs.length} point(s) on the queue at ${this.name}`);
    if (this.opts.detach) {
      for (const j of jobs) {
        const { job, state } = await jobAndState(queue, j.jobId);
        if (job) events.onPoint(pointFromJob(job, state, j.point, def));
      }
      return;
    }

    let cancelling = false;
    let cancelDeadline = Infinity;
    const emit = (t: Tracked, update: Partial<PointResult> & { point: number }): void => {
      const key = JSON.stringify(update);
      if (key === t.last) return;
      t.last = key;
      t.status = update.status;
      events.onPoint(update);
    };
    const refresh = (t: Tracked): Promise<void> => {
      t.busy = t.busy.then(async () => {
        if (t.status && TERMINAL.has(t.status)) return;
        const { job, state } = await jobAndState(queue, t.job.jobId);
        if (!job) {
          // Dropped by a cancel (maybe `--cancel` elsewhere, before this driver saw the flag), else lost (a Redis
          // that came back without its data): queue it again.
          if (!cancelling && (await r.exists(cancelKey(def.id)))) void startCancel('cancelled from elsewhere').catch((e) => this.noteError(e, events));
          if (cancelling || (await r.exists(cancelKey(def.id)))) emit(t, { point: t.job.point, jobId: t.job.jobId, status: 'cancelled', attempts: 0 });
          else await queue.add(def.command, t.job, jobOpts(t.job));
          return;
        }
        emit(t, pointFromJob(job, state, t.job.point, def));
      }).catch((e) => this.noteError(e, events));
      return t.busy;
    };

    this.onConnError = (e) => this.noteError(e, events);
    const qe = this.getEvents();
    const onJob = ({ jobId }: { jobId: string }): void => {
      const t = tracked.get(jobId);
      if (t) void refresh(t);
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
      const t = tracked.get(jobId);
      if (!t || !data || typeof data !== 'object') return;
      const p = data as Partial<WorkerProgress>;
      if (typeof p.step === 'number' && typeof p.totalSteps === 'number') events.onProgress(t.job.point, p.step, p.totalSteps, p.loss);
    };
    const JOB_EVENTS = ['active', 'completed', 'failed', 'waiting', 'removed'] as const;
    for (const e of JOB_EVENTS) qe.on(e, onJob);
    qe.on('progress', onProgress);

    const startCancel = async (why: string): Promise<void> => {
      if (cancelling) return;
      cancelling = true;
      cancelDeadline = Date.now() + (this.opts.cancelWaitMs ?? 60_000);
      events.onLog('info', `sweep ${def.id}: cancelling (${why})`);
      await this.raiseCancel(def.id);
      for (const t of tracked.values()) {
        if (t.status && TERMINAL.has(t.status)) continue;
        if (await this.dropQueued(t.job.jobId)) emit(t, { point: t.job.point, jobId: t.job.jobId, status: 'cancelled', attempts: 0 });
      }
    };
    const onAbort = (): void => { void startCancel('the driver was stopped').catch((e) => this.noteError(e, events)); };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    try {
      for (;;) {
        const open = [...tracked.values()].filter((t) => !(t.status && TERMINAL.has(t.status)));
        if (open.length === 0) break;
        if (cancelling && Date.now() > cancelDeadline) {
          for (const t of open) {
            emit(t, { point: t.job.point, jobId: t.job.jobId, status: 'cancelled', attempts: 0, error: `no report from its worker within ${Math.round((this.opts.cancelWaitMs ?? 60_000) / 1000)} s of the cancel` });
          }
          break;
        }
        try {
          if (!cancelling && (await r.exists(cancelKey(def.id)))) await startCancel('cancelled from elsewhere');
          for (let i = 0; i < open.length; i += 50) await Promise.all(open.slice(i, i + 50).map(refresh));
        } catch (e) {
          this.noteError(e, events);
        }
        await delay(this.opts.pollMs ?? 1000);
      }
    } finally {
      this.onConnError = undefined;
      signal.removeEventListener('abort', onAbort);
      for (const e of JOB_EVENTS) qe.off(e, onJob);
      qe.off('progress', onProgress);
    }
  }

  async close(): Promise<void> {
    const closing: Array<Promise<unknown>> = [];
    if (this.events) closing.push(this.events.close());
    if (this.queue) closing.push(this.queue.close());
    if (this.redis) closing.push(this.redis.quit().catch(() => this.redis?.disconnect()));
    this.events = undefined;
    this.queue = undefined;
    this.redis = undefined;
    await Promise.allSettled(closing);
  }

  /** The plain client, once Redis answers (a UserError naming the redacted URL after `connectTimeoutMs`). */
  private async client(): Promise<Redis> {
    if (!this.redis) {
      this.redis = new Redis(this.conn.options);
      this.redis.on('error', (e: unknown) => this.connError(e));
    }
    const r = this.redis;
    const ms = this.opts.connectTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UserError(`cannot reach the queue at ${this.name} within ${Math.round(ms / 1000)} s${this.lastError ? `: ${this.lastError}` : ''}`)), ms);
    });
    try {
      await Promise.race([r.ping(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return r;
  }

  private getQueue(): Queue {
    if (!this.queue) {
      this.queue = new Queue(QUEUE_NAME, { connection: this.conn.options, prefix: QUEUE_PREFIX });
      this.queue.on('error', (e: unknown) => this.connError(e));
    }
    return this.queue;
  }

  private getEvents(): QueueEvents {
    if (!this.events) {
      this.events = new QueueEvents(QUEUE_NAME, { connection: this.conn.options, prefix: QUEUE_PREFIX });
      this.events.on('error', (e: unknown) => this.connError(e));
    }
    return this.events;
  }

  private connError(e: unknown): void {
    this.lastError = errorText(e, this.conn);
    this.onConnError?.(e);
  }

  private lastLogged = 0;
  /** A connection fault while the sweep runs: a warning (at most every 10 s), never the password. */
  private noteError(e: unknown, events: ExecutorEvents): void {
    const now = Date.now();
    if (now - this.lastLogged < 10_000) return;
    this.lastLogged = now;
    events.onLog('warning', `queue at ${this.name}: ${errorText(e, this.conn)} (retrying)`);
  }

  /** Stores the definition and the jobs, keeping jobs an earlier run stored (an attach passes only the open ones). */
  private async storeSweep(r: Redis, def: SweepDef, jobs: SweepJob[]): Promise<void> {
    const text = await r.get(sweepKey(def.id));
    const byId = new Map<string, SweepJob>();
    if (text) for (const j of (JSON.parse(text) as StoredSweep).jobs) byId.set(j.jobId, j);
    for (const j of jobs) byId.set(j.jobId, j);
    const stored: StoredSweep = { def, jobs: [...byId.values()].sort((a, b) => a.point - b.point) };
    await r.set(sweepKey(def.id), JSON.stringify(stored), 'EX', RETENTION_S);
  }

  private async raiseCancel(sweepId: string): Promise<void> {
    const r = await this.client();
    await r.set(cancelKey(sweepId), '1', 'EX', RETENTION_S);
    await r.publish(CANCEL_CHANNEL, sweepId);
  }

  /** Removes a job that no worker has started; false when it runs or has finished (its worker handles the cancel). */
  private async dropQueued(jobId: string): Promise<boolean> {
    const job = await this.getQueue().getJob(jobId);
    if (!job) return false;
    if (!QUEUED_STATES.includes(await job.getState())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false; // taken by a worker in between: the worker sees the flag
    }
  }
}
