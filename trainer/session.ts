/**
 * A training session: model file (or stored run) -> backend -> dataset -> run directory -> loop, with
 * everything the loop emits stored (metrics.jsonl, alerts.jsonl, TensorBoard events, checkpoints) and
 * forwarded to the caller. The CLI and the JSON-RPC trainer start and resume runs here; growth
 * (trainer/run/grow.ts) too builds its run with the same assembly (trainer/run/assemble.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunOverrides } from '../protocol/trainer';
import { readModelText } from '../spec/parse';
import { initBackend } from './backend/backends';
import { UserError } from './errors';
import { loadDataset } from './data/load';
import type { Snapshot } from './engine/loop';
import { DIVERGENCE_REMEDY } from './engine/train-metrics';
import { readCheckpoint } from './store/checkpoint';
import { RunStore } from './store/run-store';
import { assembleRun } from './run/assemble';
import { checkCompatible, checkFits } from './run/compatible';
import { applyOverrides, checkOverrides, modelWithOverrides } from './run/overrides';
import { RUN_TECHNIQUES } from './run/techniques';
import type { PreparedRun, SessionOptions } from './run/types';

export { applyOverrides, checkCompatible, checkOverrides };
export type { PreparedRun, SessionEvents, SessionOptions } from './run/types';

/** Starts a new run from a model file. Throws SpecError/BackendError/data errors before anything is written. */
export async function startRun(modelFile: string, overrides: RunOverrides | undefined, opts: SessionOptions, modelText?: string): Promise<PreparedRun> {
  // one read: the text parsed is the text stored with the run (or the text a remote client sent)
  const { model, text: sourceText } = modelWithOverrides(modelText ?? readModelText(modelFile), modelFile, overrides);
  const backend = await initBackend(model.train.backend);
  checkFits(model, backend, sourceText, opts);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  checkCompatible(model, dataset);
  return assembleRun({ model, dataset, sourceText, backend, techniques: RUN_TECHNIQUES }, opts);
}

/** Resumes a stored run from its latest complete checkpoint, with the resolved spec it was started with (not a completed run, nor a diverged one on the same backend). */
export async function resumeRun(runId: string, opts: SessionOptions, backendOverride?: RunOverrides['backend']): Promise<PreparedRun> {
  const store = new RunStore(opts.runsDir);
  const dir = store.open(runId);
  dir.checkResumable(); // a damaged run.json or spec.json: say which file now, before any data is loaded
  const meta = dir.meta();
  if (meta.status === 'completed') throw new UserError(`run ${dir.id} already completed; start a new run instead`);
  if (meta.status === 'running') throw new UserError(`run ${dir.id} is still running (pid ${meta.pid}); cancel it first`);
  // the same checkpoint, data order and settings diverge again at the same step; another backend may not (a kernel's fault)
  const sameBackend = !backendOverride || backendOverride === 'auto' || backendOverride === meta.backend;
  if (meta.status === 'diverged' && sameBackend) {
    throw new UserError(`run ${dir.id} diverged (${meta.error ?? 'its loss blew up'}); resumed with the same settings it would diverge again. ${DIVERGENCE_REMEDY} (If you suspect the backend, resume it on another one.)`);
  }
  const model = applyOverrides(dir.readSpec(), { backend: backendOverride });
  const ckpt = readCheckpoint(dir.dir);
  for (const w of ckpt?.warnings ?? []) opts.events?.onLog?.('warning', w);
  const backend = await initBackend(model.train.backend);
  const sourceText = readSource(dir.dir);
  checkFits(model, backend, sourceText, opts);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  checkCompatible(model, dataset);
  const snapshot: Snapshot | undefined = ckpt
    ? { step: ckpt.step, weights: ckpt.weights, optimizer: ckpt.optimizer, state: ckpt.state as unknown as Snapshot['state'] }
    : undefined;
  return assembleRun({ model, dataset, sourceText, backend, techniques: RUN_TECHNIQUES, resume: { dir, snapshot } }, opts);
}

/** The model file text stored with a run (for exports), when it is there. */
function readSource(runDir: string): string | undefined {
  try {
    return readFileSync(join(runDir, 'model.dynaxx.yaml'), 'utf8');
  } catch {
    return undefined;
  }
}
