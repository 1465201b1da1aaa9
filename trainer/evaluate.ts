/** `dynaxx eval`: rebuilds a stored run's model from its resolved spec and latest checkpoint and evaluates it. */
import { dirname } from 'node:path';
import type { BackendRequest } from '../protocol/trainer';
import { initBackend } from './backend/backends';
import { UserError } from './errors';
import { loadDataset } from './data/load';
import { TrainingLoop, type Snapshot } from './engine/loop';
import { applyOverrides, checkCompatible } from './session';
import { readCheckpoint } from './store/checkpoint';
import { RunStore } from './store/run-store';

export interface EvalResult {
  runId: string;
  step: number;
  split: 'test' | 'validation';
  samples: number;
  loss: number;
  accuracy: number;
  [metric: string]: string | number;
}

export async function evaluateRun(runsDir: string, runId: string, split: 'test' | 'validation', backend?: BackendRequest): Promise<EvalResult> {
  const dir = new RunStore(runsDir).open(runId);
  const model = applyOverrides(dir.readSpec(), { backend });
  const ckpt = readCheckpoint(dir.dir);
  if (!ckpt) throw new UserError(`run ${dir.id} has no checkpoint yet: nothing to evaluate`);
  await initBackend(model.train.backend);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  checkCompatible(model, dataset);
  const data = split === 'test' ? dataset.test ?? dataset.validation : dataset.validation;
  const usedSplit = split === 'test' && !dataset.test ? 'validation' : split;
  const resume: Snapshot = { step: ckpt.step, weights: ckpt.weights, optimizer: ckpt.optimizer, state: ckpt.state as unknown as Snapshot['state'] };
  const loop = new TrainingLoop({ model, dataset, resume });
  try {
    const m = await loop.evaluate(data);
    if (!m) throw new UserError(`the ${usedSplit} split of run ${dir.id} is empty`);
    return { runId: dir.id, step: ckpt.step, split: usedSplit, samples: data.n, ...m } as EvalResult;
  } finally {
    loop.dispose();
  }
}
