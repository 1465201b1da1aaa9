/** [B, ...] -> [B, prod(...)]: a reshape (no data movement). */
import * as tf from '@tensorflow/tfjs-core';
import { ForwardContext, Module } from '../module';

export class Flatten extends Module {
  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    return x.rank === 2 ? x : tf.reshape(x, [x.shape[0], -1]);
  }
}
