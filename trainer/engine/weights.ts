/** Host weight arrays (checkpoints, exports) into a model's variables, by name: one place for every tool that rebuilds a model. */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelFile } from '../../spec/types';
import type { NamedArray } from '../store/checkpoint';
import { SequentialModel } from './model';

/**
 * Assigns `weights` to the model's trainable and state variables by name. Names the model lacks are ignored;
 * `strict` makes a variable without a weight an error (an export must cover its model). Shapes must match.
 */
export function assignWeights(net: SequentialModel, weights: NamedArray[], strict = false): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const v of [...net.trainable(), ...net.state()]) {
    const w = byName.get(v.name);
    if (!w) {
      if (strict) throw new Error(`no weight for ${v.name}`);
      continue;
    }
    if (w.shape.join('x') !== v.variable.shape.join('x')) throw new Error(`weight ${v.name} has shape [${w.shape}], the model expects [${v.variable.shape}]`);
    const t = tf.tensor(w.data, w.shape, w.dtype);
    v.variable.assign(t);
    t.dispose();
  }
}

/** A fresh model for `model`'s layers with `weights` assigned (the caller disposes it). */
export function netWith(model: ModelFile, weights: NamedArray[], strict = false): SequentialModel {
  const net = new SequentialModel(model.layers, model.train.seed);
  try {
    assignWeights(net, weights, strict);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

/** Host copies of the model's weights and state (no optimizer slots, no plugin state), as NamedArrays. */
export async function readWeights(net: SequentialModel): Promise<NamedArray[]> {
  const vars = [...net.trainable(), ...net.state()];
  return Promise.all(vars.map(async (v) => ({ name: v.name, shape: v.variable.shape.slice(), dtype: 'float32' as const, data: (await v.variable.data()) as Float32Array })));
}
