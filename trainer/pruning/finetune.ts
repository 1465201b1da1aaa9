/**
 * Training a model from given weights for a fixed number of steps (the dense model's scoring steps, the
 * fine-tuning of each pruned model): the real TrainingLoop, no run directory, no checkpoints. Every criterion
 * gets exactly the same steps, learning rate and data order.
 */
import type { ModelFile } from '../../spec/types';
import type { Dataset } from '../data/types';
import { TrainingLoop } from '../engine/loop';
import { assignWeights, readWeights } from '../engine/weights';
import type { PluginFactory } from '../engine/seams';
import type { NamedArray } from '../store/checkpoint';

export interface TrainOptions {
  plugins?: PluginFactory[];
  signal?: AbortSignal;
}

/** A loop for `model` whose weights are `weights` (by name; missing names keep their initialisation). */
export function loopWith(model: ModelFile, dataset: Dataset, weights: NamedArray[] | undefined, steps: number, lr: number, o: TrainOptions = {}): TrainingLoop {
  const train = {
    ...model.train, steps: Math.max(1, steps), epochs: 0, evalEvery: Math.max(1, steps) * 10, checkpointEvery: 0,
    optimizer: { ...model.train.optimizer, lr },
    schedule: { ...model.train.schedule, type: 'constant' as const },
  };
  const loop = new TrainingLoop({ model: { ...model, train }, dataset, plugins: o.plugins, signal: o.signal, logEvery: Math.max(1, steps) });
  if (weights) assignWeights(loop.net, weights);
  return loop;
}

/**
 * Trains `steps` steps (none when 0) and returns the loop (the caller reads its weights and disposes it) with the
 * loop's end-of-run evaluation (`valAccuracy`, `testAccuracy`, per task `testAccuracy_<task>`, ...).
 */
export async function trainSteps(model: ModelFile, dataset: Dataset, weights: NamedArray[] | undefined, steps: number, lr: number, o: TrainOptions = {}): Promise<{ loop: TrainingLoop; final: Record<string, number> }> {
  const loop = loopWith(model, dataset, weights, steps, lr, o);
  if (steps <= 0) return { loop, final: {} };
  const r = await loop.run({});
  if (r.status !== 'completed') {
    loop.dispose();
    throw new Error(r.status === 'cancelled' ? 'cancelled' : `training failed: ${r.error}`);
  }
  return { loop, final: r.final };
}

/** Host copies of a loop's model weights and state (no optimizer slots), as NamedArrays. */
export function weightsOf(loop: TrainingLoop): Promise<NamedArray[]> {
  return readWeights(loop.net);
}

export { netWith } from '../engine/weights';
