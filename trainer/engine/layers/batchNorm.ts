/**
 * Batch normalisation over every axis but the last (features / channels).
 *
 * Training: normalises with the batch mean and (biased) variance and, when ctx.stateUpdates is set,
 * pushes the new moving statistics, Keras convention:
 *   moving <- momentum·moving + (1 - momentum)·batch   (momentum 0.99 = slow average).
 * The pushed values are tf.keep'd: whoever applies them (variable.assign) disposes them.
 * Inference: normalises with the moving statistics (one fused kernel).
 * movingMean / movingVariance are state() (checkpointed), not trainable. ctx.batchNormMomentum (the
 * stabilizer's safety setting) overrides config.momentum.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, NormConfig } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { createVariable, Initializer } from './init';

export class BatchNorm extends Module {
  readonly config: NormConfig;
  readonly gamma: NamedVariable;
  readonly beta: NamedVariable;
  readonly movingMean: NamedVariable;
  readonly movingVariance: NamedVariable;
  private readonly axes: number[];

  constructor(node: LayerNode<'batchNorm'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const c = node.inputShape[node.inputShape.length - 1];
    this.gamma = createVariable(init, node.id, 'gamma', [c], (r) => r.ones([c]));
    this.beta = createVariable(init, node.id, 'beta', [c], (r) => r.zeros([c]));
    this.movingMean = createVariable(init, node.id, 'movingMean', [c], (r) => r.zeros([c]), false);
    this.movingVariance = createVariable(init, node.id, 'movingVariance', [c], (r) => r.ones([c]), false);
    // batch axis + every sample axis but the last
    this.axes = Array.from({ length: node.inputShape.length }, (_, i) => i);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const { epsilon } = this.config;
    const momentum = ctx.batchNormMomentum ?? this.config.momentum;
    if (!ctx.training) {
      return this.normalize(x, this.movingMean.variable, this.movingVariance.variable, epsilon);
    }
    const { mean, variance } = tf.moments(x, this.axes);
    if (ctx.stateUpdates !== undefined) {
      const m = this.movingMean.variable;
      const v = this.movingVariance.variable;
      ctx.stateUpdates.push(
        { variable: m, value: tf.keep(tf.add(tf.mul(m, momentum), tf.mul(mean, 1 - momentum))) },
        { variable: v, value: tf.keep(tf.add(tf.mul(v, momentum), tf.mul(variance, 1 - momentum))) },
      );
    }
    return this.normalize(x, mean, variance, epsilon);
  }

  private normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): tf.Tensor {
    const gamma = this.gamma.variable;
    const beta = this.beta.variable;
    if (x.rank <= 4) {
      // One FusedBatchNorm dispatch; its broadcast (along the last axis) is exactly ours.
      return tf.batchNorm(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
    }
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(normed, gamma), beta);
  }

  trainable(): NamedVariable[] {
    return [this.gamma, this.beta];
  }

  state(): NamedVariable[] {
    return [this.movingMean, this.movingVariance];
  }
}
