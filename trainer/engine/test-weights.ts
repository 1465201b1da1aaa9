/**
 * Test helpers for the tools that rebuild models from host weights (pruning, subnetwork extraction): random weights
 * for every variable of a model, and a model built from exactly such a list.
 */
import assert from 'node:assert/strict';
import type { ModelFile } from '../../spec/types';
import { mulberry32 } from '../data/rng';
import type { NamedArray } from '../store/checkpoint';
import type { SequentialModel } from './model';
import { netWith } from './weights';

/**
 * Uniform weights in [-1, 1) for every trainable variable. State variables are random too (`state: 'random'`:
 * moving variances in [0.5, 1.5)) or keep their initial values (`'initial'`).
 */
export function randomWeights(model: ModelFile, seed: number, state: 'random' | 'initial' = 'random'): NamedArray[] {
  const net = netWith(model, []);
  const rand = mulberry32(seed);
  const draw = (role: string) => (role === 'movingVariance' ? 0.5 + rand() : 2 * rand() - 1);
  const out = [...net.trainable(), ...(state === 'random' ? net.state() : [])].map((v): NamedArray => ({
    name: v.name, shape: [...v.variable.shape], dtype: 'float32', data: Float32Array.from({ length: v.variable.size }, () => draw(v.role)),
  }));
  if (state === 'initial') {
    out.push(...net.state().map((v): NamedArray => ({ name: v.name, shape: [...v.variable.shape], dtype: 'float32', data: v.variable.dataSync() as Float32Array })));
  }
  net.dispose();
  return out;
}

/** A model holding `weights`: every variable must be given with its shape, and (`exact`) nothing else. */
export function buildNet(model: ModelFile, weights: NamedArray[], exact = true): SequentialModel {
  const net = netWith(model, weights, true);
  if (exact) assert.equal(weights.length, net.trainable().length + net.state().length, 'no extra arrays');
  return net;
}
