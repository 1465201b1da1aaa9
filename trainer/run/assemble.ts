/**
 * The one place a run is built: from a resolved model, its data and backend, and the techniques it may use.
 * Start, resume and grow all come here. Every run gets its own part (layer statistics and monitors, stats.ts);
 * each technique adds its part when the model uses it (run-technique.ts): loop plugins, the stabilizer, hooks,
 * what it stores, its end-of-run report. A model that uses no technique gets the plain loop with nothing added.
 */
import type { ModelFile } from '../../spec/types';
import type { BackendChoice } from '../backend/backends';
import type { Dataset } from '../data/types';
import { TrainingLoop, type Snapshot } from '../engine/loop';
import type { RunParts, RunTechnique } from '../run-technique';
import { RunStore, type RunDir } from '../store/run-store';
import { statsParts } from './stats';
import type { PreparedRun, SessionOptions } from './types';
import { wire } from './wire';

export interface RunPlan {
  model: ModelFile;
  dataset: Dataset;
  /** The model file text stored with the run (a resumed run: the one stored with it, when there is one). */
  sourceText: string | undefined;
  backend: BackendChoice;
  /** The techniques the run may use (trainer/run/techniques.ts, or growth's list). */
  techniques: readonly RunTechnique[];
  /** A resumed run: its directory and the snapshot to continue from. Without it a new run is created. */
  resume?: { dir: RunDir; snapshot: Snapshot | undefined };
}

export async function assembleRun(plan: RunPlan, opts: SessionOptions): Promise<PreparedRun> {
  const { model, dataset, sourceText, backend } = plan;
  const log = (line: string) => opts.events?.onLog?.('info', line);
  const parts: RunParts[] = [statsParts(model, opts)];
  for (const t of plan.techniques) {
    const part = t.forRun({ model, dataset, sourceText, log });
    if (part) parts.push(part);
  }
  const stabilizers = parts.flatMap((p) => (p.stabilizer ? [p.stabilizer] : []));
  if (stabilizers.length > 1) throw new Error(`a run has one stabilizer; ${stabilizers.length} techniques gave one`);
  const loop = new TrainingLoop({
    model, dataset, hooks: [...(opts.hooks ?? []), ...parts.flatMap((p) => p.hooks ?? [])], signal: opts.signal, logEvery: opts.logEvery,
    resume: plan.resume?.snapshot, stabilizer: stabilizers[0], plugins: parts.flatMap((p) => p.plugins ?? []),
  });
  try {
    for (const p of parts) await p.prepare?.(loop);
  } catch (e) {
    loop.dispose();
    throw e;
  }
  const dir = plan.resume ? reopen(plan.resume, backend) : create(plan, loop, opts);
  const lines = parts.flatMap((p) => p.attach?.(dir, loop) ?? []);
  log(plan.resume
    ? `run ${dir.id}: resuming at step ${plan.resume.snapshot?.step ?? 0} on ${backend.backend} (${backend.device})`
    : `run ${dir.id}: backend ${backend.backend} (${backend.device}); ${backend.reason}`);
  for (const line of lines) log(`run ${dir.id}: ${line}`);
  const finishing = parts.flatMap((p) => (p.finish ? [p.finish] : []));
  return wire(dir, loop, model, dataset, backend, opts, finishing.length === 0 ? undefined : async (l) => {
    const out: string[] = [];
    for (const f of finishing) out.push(...(await f(l)));
    return out;
  });
}

/** A new run's directory, with the model and its text. */
function create(plan: RunPlan, loop: TrainingLoop, opts: SessionOptions): RunDir {
  const { model, sourceText, backend } = plan;
  const dir = new RunStore(opts.runsDir).create(model, { name: model.name, sourceText, backend: backend.backend, device: backend.device, totalSteps: loop.totalSteps, sweep: opts.sweep });
  dir.writeSpec(model, sourceText);
  return dir;
}

/** A resumed run's directory: metrics after the snapshot dropped (they are trained again), marked running. */
function reopen(resume: NonNullable<RunPlan['resume']>, backend: BackendChoice): RunDir {
  const { dir, snapshot } = resume;
  dir.truncateMetricsAfter(snapshot?.step ?? 0);
  dir.updateMeta({ status: 'running', pid: process.pid, backend: backend.backend, device: backend.device, error: undefined });
  return dir;
}
