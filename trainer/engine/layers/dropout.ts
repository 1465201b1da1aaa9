/**
 * Inverted dropout with a reproducible mask.
 *
 * The mask is drawn on the host from mulberry32 seeded by hash(module seed, salt, ctx.step) and
 * uploaded as one tensor of 0 and 1/(1-rate); applying it is a single multiply. This is the same
 * host-side generation tf.dropout does (tf.randomUniform fills a buffer on the host), minus its
 * three extra element-wise dispatches, and it is identical on every backend. The same
 * (seed, step) always gives the same mask, so a resumed run replays the same noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DropoutConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module } from '../module';
import { hash2, Initializer } from './init';

/** The multiplier tensor: 1/(1-rate) with probability 1-rate, else 0. */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const rng = new Initializer(seed);
  let n = 1;
  for (const d of shape) n *= d;
  const keep = 1 - rate;
  const scale = 1 / keep;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.next() < keep ? scale : 0;
  return tf.tensor(values, shape, 'float32');
}

/** x·mask when training with rate > 0, else x itself (no op). `seed` identifies the dropout site. */
export function applyDropout(x: tf.Tensor, rate: number, seed: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  if (rate >= 1) return tf.zerosLike(x);
  return tf.mul(x, dropoutMask(x.shape, rate, hash2(seed, ctx.step)));
}

export class Dropout extends Module {
  private readonly config: DropoutConfig;
  private readonly seed: number;

  constructor(node: LayerNode<'dropout'>, init: Initializer) {
    super(node);
    this.config = node.config;
    this.seed = init.seedFor(`${node.id}/dropout`);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return applyDropout(x, this.config.rate, this.seed, ctx);
  }
}
