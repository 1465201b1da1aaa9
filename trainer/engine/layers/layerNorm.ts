/** Layer normalisation over the last axis, with a learned per-feature gamma (1) and beta (0). */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, NormConfig } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { createVariable, Initializer } from './init';

export class LayerNorm extends Module {
  readonly config: NormConfig;
  readonly gamma: NamedVariable;
  readonly beta: NamedVariable;

  constructor(node: LayerNode<'layerNorm'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const d = node.inputShape[node.inputShape.length - 1];
    this.gamma = createVariable(init, node.id, 'gamma', [d], (r) => r.ones([d]));
    this.beta = createVariable(init, node.id, 'beta', [d], (r) => r.zeros([d]));
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    // tf.batchNorm cannot be used here: its CPU kernel only broadcasts mean/variance along the
    // last axis, and here they vary along every axis but the last.
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.epsilon)));
    return tf.add(tf.mul(normed, this.gamma.variable), this.beta.variable);
  }

  trainable(): NamedVariable[] {
    return [this.gamma, this.beta];
  }
}
