/** Fully connected layer on the last axis: [B, D] -> [B, units] and [B, T, D] -> [B, T, units]. */
import * as tf from '@tensorflow/tfjs-core';
import type { DenseConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { applyActivation, LEAKY_RELU_ALPHA, splitFused } from './activations';
import { canFuseForTraining, denseTrain, type TrainActivation } from './fused-train';
import { createVariable, Initializer, kernelInit } from './init';

export class Dense extends Module {
  readonly config: DenseConfig;
  readonly kernel: NamedVariable;
  readonly bias: NamedVariable | undefined;
  private readonly inputDim: number;

  constructor(node: LayerNode<'dense'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const { units, activation, useBias } = node.config;
    this.inputDim = node.inputShape[node.inputShape.length - 1];
    const shape = [this.inputDim, units];
    this.kernel = createVariable(init, node.id, 'kernel', shape, (r) => kernelInit(r, shape, this.inputDim, units, activation));
    this.bias = useBias ? createVariable(init, node.id, 'bias', [units], (r) => r.zeros([units])) : undefined;
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    const { units, activation } = this.config;
    const { fused, after } = splitFused(activation);
    // One fused dispatch for matMul + bias (+ relu/elu/sigmoid/leakyRelu) on a 2-D view.
    const x2d = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inputDim]) as tf.Tensor2D;
    // training on a backend with the fused layer kernels: one kernel forward, relu's gradient in one pass (fused-train.ts)
    let y: tf.Tensor = canFuseForTraining('dense', activation) ? denseTrain(x2d, this.kernel.variable as tf.Tensor2D, this.bias?.variable, activation as TrainActivation) : tf.fused.matMul({
      a: x2d,
      b: this.kernel.variable as tf.Tensor2D,
      bias: this.bias?.variable,
      activation: fused,
      leakyreluAlpha: LEAKY_RELU_ALPHA,
    });
    if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), units]);
    return applyActivation(after, y);
  }

  trainable(): NamedVariable[] {
    return this.bias !== undefined ? [this.kernel, this.bias] : [this.kernel];
  }
}
