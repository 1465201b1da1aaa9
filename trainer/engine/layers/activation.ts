/** A standalone activation layer. */
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module } from '../module';
import { applyActivation } from './activations';

export class ActivationLayer extends Module {
  readonly config: ActivationConfig;

  constructor(node: LayerNode<'activation'>) {
    super(node);
    this.config = node.config;
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    return applyActivation(this.config.activation, x);
  }
}
