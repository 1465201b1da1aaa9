/** Max and average pooling over H and W of NHWC inputs. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, PoolConfig } from '../../../spec/types';
import { ForwardContext, Module } from '../module';

export class MaxPool2d extends Module {
  readonly config: PoolConfig;

  constructor(node: LayerNode<'maxPool2d'>) {
    super(node);
    this.config = node.config;
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    const { poolSize, strides, padding } = this.config;
    return tf.maxPool(x as tf.Tensor4D, poolSize, strides, padding);
  }
}

export class AvgPool2d extends Module {
  readonly config: PoolConfig;

  constructor(node: LayerNode<'avgPool2d'>) {
    super(node);
    this.config = node.config;
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    const { poolSize, strides, padding } = this.config;
    return tf.avgPool(x as tf.Tensor4D, poolSize, strides, padding);
  }
}
