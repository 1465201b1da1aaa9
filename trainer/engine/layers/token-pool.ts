/** [B, T, D] → [B, D]: the mean over tokens, or the last token. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, TokenPoolConfig } from '../../../spec/types';
import { Module } from '../module';

export class TokenPool extends Module {
  readonly config: TokenPoolConfig;

  constructor(node: LayerNode<'tokenPool'>) {
    super(node);
    this.config = node.config;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.config.mode === 'mean') return tf.mean(x, 1);
    const [b, t, d] = x.shape as [number, number, number];
    return tf.reshape(tf.slice(x, [0, t - 1, 0], [b, 1, d]), [b, d]);
  }
}
