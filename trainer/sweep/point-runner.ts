/**
 * One sweep point, run in this process as a normal run in the runs directory, tagged with its sweep, point and job
 * id (run.json `sweep`). A point is never trained twice: when the runs directory already holds a run of the same
 * job (a shared directory, a retry after a worker died), a completed or diverged run is its result, and an
 * interrupted or cancelled one with a checkpoint is resumed from it. Never throws: every end is a PointOutcome.
 */
import { join, resolve } from 'node:path';
import type { PointResult } from '../../protocol/sweep';
import type { BackendRequest } from '../../protocol/trainer';
import { quoteValue } from '../../spec/limits';
import { SpecError } from '../../spec/types';
import { BackendError } from '../backend/backends';
import { DataError } from '../data/errors';
import { UserError } from '../errors';
import { runPrune } from '../run/prune';
import type { SessionOptions } from '../run/types';
import { resumeRun, startRun } from '../session';
import { RunStore, type RunMeta } from '../store/run-store';
import { checkJob } from './job-check';

export interface PointRunOptions {
  runsDir: string;
  /** Where relative data paths of the point's model file resolve (the worker's data directory). */
  dataDir: string;
  signal?: AbortSignal;
  onProgress?(p: { step: number; totalSteps: number; loss?: number }): void;
  onLog?(level: 'info' | 'warning' | 'error', message: string): void;
}

export interface PointOutcome {
  status: 'completed' | 'failed' | 'diverged' | 'cancelled';
  runId?: string;
  final?: Record<string, number>;
  error?: string;
  /** A failure another try may not repeat (a crash, a lost backend); a bad model file or value is not. */
  retryable: boolean;
  step?: number;
  totalSteps?: number;
  runMs: number;
  pareto?: PointResult['pareto'];
  /** The run resumed an earlier try's checkpoint (or was an earlier try's finished run). */
  resumedFrom?: number;
}

export async function runPoint(data: unknown, o: PointRunOptions): Promise<PointOutcome> {
  const started = Date.now();
  let runId: string | undefined;
  try {
    const job = checkJob(data);
    const store = new RunStore(o.runsDir);
    const earlier = store.list().find((r) => r.sweep?.job === job.jobId);
    if (earlier && (earlier.status === 'completed' || earlier.status === 'diverged') && job.command === 'train') {
      o.onLog?.('info', `point ${job.point}: run ${earlier.id} of an earlier try already ${earlier.status}; not trained again`);
      return { ...fromMeta(earlier), runMs: 0, resumedFrom: earlier.step };
    }
    let lastLoss: number | undefined;
    const session: SessionOptions = {
      runsDir: o.runsDir,
      signal: o.signal,
      sweep: { id: job.sweepId, point: job.point, job: job.jobId },
      events: {
        onMetrics: (_id, recs) => {
          for (const r of recs) if (r.split === 'train' && typeof r.loss === 'number') lastLoss = r.loss;
        },
        onProgress: (_id, step, totalSteps) => o.onProgress?.({ step, totalSteps, ...(lastLoss !== undefined ? { loss: lastLoss } : {}) }),
        onLog: (level, message) => o.onLog?.(level, message),
      },
    };
    const backend = job.backend as BackendRequest | undefined;
    const file = join(resolve(o.dataDir), job.modelName);
    const resumable = earlier && earlier.checkpoint && earlier.status !== 'corrupt' && earlier.status !== 'completed' && earlier.status !== 'diverged';
    if (job.command === 'prune') {
      let target = file;
      if (earlier?.status === 'completed') target = earlier.id;
      else if (resumable) {
        const r = await resume(store, earlier, session, backend, o);
        if (r.status !== 'completed') return { ...fromMeta(store.open(earlier.id).meta()), runMs: Date.now() - started, retryable: true, resumedFrom: earlier.checkpoint!.step };
        target = earlier.id;
      }
      const out = await runPrune(target, { backend }, session, target === file ? job.modelText : undefined);
      runId = out.runId;
      const meta = store.open(out.runId).meta();
      const pareto = out.sweep.points.map((p) => ({ criterion: p.criterion, target: p.target, flopReduction: p.flopReduction, accuracy: p.accuracyMean }));
      const m = fromMeta(meta);
      return { ...m, final: { ...m.final, ...prunedMetrics(out.sweep.points) }, runMs: Date.now() - started, pareto };
    }
    const withTrainLoss = (final: Record<string, number> | undefined) => (lastLoss === undefined ? final : { ...final, trainLoss: lastLoss });
    if (resumable) {
      const r = await resume(store, earlier, session, backend, o);
      const m = fromMeta(store.open(earlier.id).meta());
      return { ...m, final: withTrainLoss(m.final), runMs: Date.now() - started, resumedFrom: earlier.checkpoint!.step, ...(r.error ? { error: r.error } : {}) };
    }
    const run = await startRun(file, backend ? { backend } : undefined, session, job.modelText);
    runId = run.runId;
    const r = await run.run();
    return {
      status: r.status === 'completed' || r.status === 'diverged' || r.status === 'cancelled' ? r.status : 'failed',
      runId, final: withTrainLoss(r.final), step: r.step, totalSteps: r.totalSteps, runMs: Date.now() - started, retryable: r.status === 'failed',
      ...(r.error ? { error: r.error } : {}),
    };
  } catch (e) {
    const user = e instanceof UserError || e instanceof SpecError || e instanceof DataError || e instanceof BackendError;
    const message = e instanceof Error ? e.message : String(e);
    return { status: o.signal?.aborted ? 'cancelled' : 'failed', ...(runId ? { runId } : {}), error: quoteValue(message, 2000), retryable: !user && !o.signal?.aborted, runMs: Date.now() - started };
  }
}

/** Continue an earlier try's run from its checkpoint (a run left 'running' by a worker that died is taken over). */
async function resume(store: RunStore, earlier: RunMeta, session: SessionOptions, backend: BackendRequest | undefined, o: PointRunOptions) {
  const dir = store.open(earlier.id);
  if (dir.meta().status === 'running') dir.updateMeta({ status: 'interrupted' }); // the queue says its worker is gone
  o.onLog?.('info', `resuming run ${earlier.id} of an earlier try from its checkpoint at step ${earlier.checkpoint!.step}`);
  const run = await resumeRun(earlier.id, session, backend);
  return run.run();
}

/**
 * A prune point's numbers to compare (spec/sweep/parse.ts PRUNE_METRICS): the pruned models' mean accuracy on the
 * selection split (what a sweep should choose by) and the report split, over all its points and per FLOP target.
 */
export function prunedMetrics(points: ReadonlyArray<{ target: number; accuracyMean: number; selection?: { accuracyMean: number } }>): Record<string, number> {
  const out: Record<string, number> = {};
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const put = (suffix: string, ps: typeof points) => {
    if (ps.length === 0) return;
    out[`prunedTestAccuracy${suffix}`] = mean(ps.map((p) => p.accuracyMean));
    if (ps.every((p) => p.selection)) out[`prunedValAccuracy${suffix}`] = mean(ps.map((p) => p.selection!.accuracyMean));
  };
  put('', points);
  for (const t of [...new Set(points.map((p) => p.target))].sort((a, b) => a - b)) put(String(t), points.filter((p) => p.target === t));
  return out;
}

function fromMeta(m: RunMeta): Omit<PointOutcome, 'runMs'> {
  const status = m.status === 'completed' || m.status === 'diverged' || m.status === 'cancelled' ? m.status : 'failed';
  return {
    status, runId: m.id, step: m.step, totalSteps: m.totalSteps, retryable: status === 'failed',
    ...(m.final ? { final: m.final } : {}), ...(m.error ? { error: m.error } : {}),
  };
}
