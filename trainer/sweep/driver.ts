/**
 * A sweep's driver: reads the sweep file (spec/sweep/), expands its points into whole model texts, stores the
 * sweep (store/sweep-store.ts), hands the points to an executor (the local pool, or the BullMQ queue) and keeps
 * every point's state as it changes, streaming it as SweepEvents to the CLI or the editor. `attachSweep` picks up
 * a sweep whose driver died: points that finished are kept, the others go on (a queue never holds a point twice;
 * a pooled point resumes its run from the runs directory).
 */
import { createHash } from 'node:crypto';
import { availableParallelism, freemem } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { PointResult, SweepDef, SweepEvent, SweepJob, SweepRecord } from '../../protocol/sweep';
import { loadModelText, readModelText } from '../../spec/parse';
import { specLimits } from '../../spec/limits';
import { readTextFileBounded } from '../../spec/read-file';
import { expandSweep, parseSweepText } from '../../spec/sweep';
import { SpecError, type SpecDiagnostic } from '../../spec/types';
import { UserError } from '../errors';
import { newSweepId, SweepStore } from '../store/sweep-store';
import type { ExecutorEvents, SweepExecutor } from './executor';
import { LocalPool } from './pool';
import { QueueExecutor } from './queue';

export interface SweepOptions {
  runsDir: string;
  /** Local pool size (default: defaultWorkers). */
  workers?: number;
  /** `redis://[user:password@]host:port[/db]`: run on a BullMQ queue instead of the local pool. */
  queue?: string;
  /** `--backend` for every point. */
  backend?: string;
  signal?: AbortSignal;
  onEvent?(e: SweepEvent): void;
  /** Queue only: store and enqueue the sweep, then return (watch later with attachSweep). */
  detach?: boolean;
}

export interface PreparedSweep {
  def: SweepDef;
  jobs: SweepJob[];
  /** Points the sweep file's own values break, failed before anything runs (`file:line:col: ...`). */
  failed: PointResult[];
}

/** Reads and expands a sweep file; throws a SpecError listing the sweep file's (or its base model's) errors. */
export function prepareSweep(file: string, o: { backend?: string } = {}): PreparedSweep {
  const path = resolve(file);
  const limits = specLimits();
  const text = readTextFileBounded(path, limits.maxModelBytes);
  const parsed = parseSweepText(text, path, { limits });
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (!parsed.sweep || errors.length > 0) throw new SpecError(errors.length ? errors : parsed.diagnostics);
  const sweep = parsed.sweep;
  const baseText = readModelText(sweep.modelPath, limits);
  const expanded = expandSweep(sweep, baseText, { limits });
  const baseErrors = expanded.baseDiagnostics.filter((d: SpecDiagnostic) => d.severity === 'error');
  if (baseErrors.length > 0) throw new SpecError(baseErrors);
  const id = newSweepId(sweep.name);
  const jobIdOf = (index: number, values: Record<string, unknown>) =>
    `${id}.p${index}-${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 8)}`;
  const all = [...expanded.points.map((p) => ({ index: p.index, values: p.values })), ...expanded.errors.map((e) => ({ index: e.index, values: valuesOf(e) }))]
    .sort((a, b) => a.index - b.index);
  const def: SweepDef = {
    id, name: sweep.name, file: path, modelName: basename(sweep.modelPath), modelPath: sweep.modelPath, command: sweep.command, metric: sweep.metric,
    axes: sweep.axes.map((a) => a.path), seedAxes: sweep.seedAxes, attempts: sweep.attempts,
    points: all.map((p) => ({ index: p.index, values: p.values, jobId: jobIdOf(p.index, p.values) })),
    ...(o.backend ? { backend: o.backend } : {}), createdAt: new Date().toISOString(),
  };
  const jobs: SweepJob[] = expanded.points.map((p) => ({
    sweepId: id, point: p.index, jobId: def.points[p.index]!.jobId, modelName: def.modelName, modelText: p.modelText, command: sweep.command,
    ...(o.backend ? { backend: o.backend } : {}),
  }));
  const failed: PointResult[] = expanded.errors.map((e) => ({
    point: e.index, jobId: def.points[e.index]!.jobId, status: 'failed', attempts: 0,
    error: `${e.file}:${e.range.line}:${e.range.col}: ${e.message}`,
  }));
  return { def, jobs, failed };
}

function valuesOf(e: { values?: Record<string, unknown> }): Record<string, unknown> {
  return e.values ?? {};
}

/** Local pool size: one per core for the cpu backend (each run is one thread), fewer for the others, within memory. */
export function defaultWorkers(backend: string | undefined, points: number): number {
  const cores = availableParallelism();
  const byBackend = backend === 'cpu' ? cores : backend === 'webgpu' || backend === 'tensorflow' ? 1 : Math.max(1, Math.floor(cores / 2));
  const byMemory = Math.max(1, Math.floor(freemem() / (1.5 * 1024 ** 3)));
  return Math.max(1, Math.min(byBackend, byMemory, points));
}

/** Runs a sweep file to the end (or until cancelled). The record is stored as it changes. */
export async function runSweep(file: string, o: SweepOptions): Promise<SweepRecord> {
  const prepared = prepareSweep(file, { backend: o.backend });
  const { def } = prepared;
  const executor = makeExecutor(o, def, prepared.jobs);
  const record: SweepRecord = {
    def, executor: executor.name, status: 'running', updatedAt: def.createdAt,
    results: def.points.map((p) => prepared.failed.find((f) => f.point === p.index) ?? { point: p.index, jobId: p.jobId, status: 'queued', attempts: 0 }),
  };
  const store = new SweepStore(o.runsDir);
  store.create(record, prepared.jobs);
  return drive(record, prepared.jobs, executor, store, o);
}

/** Picks up a sweep whose driver stopped (killed, or `--detach`): from the queue with `queue`, else from the runs directory. */
export async function attachSweep(idOrPrefix: string, o: SweepOptions): Promise<SweepRecord> {
  const store = new SweepStore(o.runsDir);
  let record: SweepRecord;
  let jobs: SweepJob[];
  if (o.queue) {
    const local = store.find(idOrPrefix);
    const loaded = await QueueExecutor.loadSweep(o.queue, local ?? idOrPrefix);
    jobs = loaded.jobs;
    record = local ? store.read(local) : {
      def: loaded.def, executor: '', status: 'running', updatedAt: loaded.def.createdAt,
      results: loaded.def.points.map((p) => ({ point: p.index, jobId: p.jobId, status: jobs.some((j) => j.point === p.index) ? 'queued' : 'failed', attempts: 0 })),
    };
    if (!local) store.create(record, jobs);
  } else {
    record = store.read(idOrPrefix);
    if (record.executor !== 'local') throw new UserError(`sweep ${record.def.id} ran on a queue (${record.executor}); attach with --queue URL`);
    const done = new Set(record.results.filter((r) => r.status === 'completed' || r.status === 'diverged' || (r.status === 'failed' && r.attempts === 0)).map((r) => r.point));
    jobs = store.jobs(record.def.id).filter((j) => !done.has(j.point));
  }
  const executor = makeExecutor(o, record.def, jobs);
  record = { ...record, executor: executor.name, status: 'running' };
  store.write(record);
  return drive(record, jobs, executor, store, o);
}

function makeExecutor(o: SweepOptions, def: SweepDef, jobs: SweepJob[]): SweepExecutor {
  const points = jobs.length;
  if (o.queue) return new QueueExecutor(o.queue, { detach: !!o.detach });
  if (o.detach) throw new UserError('--detach needs --queue: the local pool runs only while `dynaxx sweep` does');
  const workers = o.workers ?? defaultWorkers(def.backend ?? backendOfJobs(jobs), points);
  return new LocalPool({ workers, runsDir: o.runsDir, dataDir: dirname(def.modelPath) });
}

/** The backend the points ask for (the first point's `train.backend`), for the pool's default size. */
function backendOfJobs(jobs: SweepJob[]): string | undefined {
  try {
    return jobs[0] ? loadModelText(jobs[0].modelText, jobs[0].modelName).train.backend : undefined;
  } catch {
    return undefined;
  }
}

async function drive(record: SweepRecord, jobs: SweepJob[], executor: SweepExecutor, store: SweepStore, o: SweepOptions): Promise<SweepRecord> {
  const id = record.def.id;
  const emit = (e: SweepEvent) => o.onEvent?.(e);
  const signal = o.signal ?? new AbortController().signal;
  emit({ kind: 'started', sweepId: id, points: record.def.points.length, executor: executor.name, metric: record.def.metric });
  for (const r of record.results) if (r.status !== 'queued') emit({ kind: 'point', sweepId: id, result: r });
  let warned = false;
  const events: ExecutorEvents = {
    onPoint: (u) => {
      const i = record.results.findIndex((r) => r.point === u.point);
      if (i < 0) return;
      const prev = record.results[i]!;
      const next: PointResult = { ...prev, ...u };
      if (u.status && u.status !== 'queued' && u.status !== 'running' && prev.status !== u.status) next.seenAt = Date.now();
      if (next.final && next.metric === undefined) {
        const m = next.final[record.def.metric.name];
        if (typeof m === 'number') next.metric = m;
        else if (next.status === 'completed' && !warned) {
          warned = true;
          emit({ kind: 'log', sweepId: id, level: 'warning', message: `point ${next.point} has no '${record.def.metric.name}' in its summary (it has ${Object.keys(next.final).join(', ') || 'nothing'}): check metric: in ${record.def.file}` });
        }
      }
      record.results[i] = next;
      store.write(record);
      if (prev.status !== next.status || u.status !== undefined) emit({ kind: 'point', sweepId: id, result: next });
    },
    onProgress: (point, step, totalSteps, loss) => emit({ kind: 'progress', sweepId: id, point, step, totalSteps, ...(loss !== undefined ? { loss } : {}) }),
    onLog: (level, message) => emit({ kind: 'log', sweepId: id, level, message }),
  };
  try {
    await executor.run(record.def, jobs, events, signal);
  } finally {
    await executor.close();
  }
  const open = record.results.some((r) => r.status === 'queued' || r.status === 'running');
  // a cancel from elsewhere (`--cancel`, the editor) ends the points as cancelled without aborting this driver
  const cancelled = signal.aborted || (!open && record.results.some((r) => r.status === 'cancelled'));
  record.status = cancelled ? 'cancelled' : open ? (o.detach ? 'running' : 'interrupted') : 'completed';
  store.write(record);
  emit({
    kind: 'finished', sweepId: id, status: record.status,
    completed: record.results.filter((r) => r.status === 'completed').length,
    failed: record.results.filter((r) => r.status === 'failed').length,
  });
  return record;
}
