/** Mean over H and W: [B, H, W, C] -> [B, C]. */
import * as tf from '@tensorflow/tfjs-core';
import { ForwardContext, Module } from '../module';

export class GlobalAvgPool2d extends Module {
  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }
}
