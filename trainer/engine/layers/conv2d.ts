/** 2-D convolution, NHWC: [B, H, W, C] -> [B, H', W', filters]; kernel [kh, kw, C, filters]. */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { activations, applyActivation, LEAKY_RELU_ALPHA, splitFused } from './activations';
import { conv2dWithFilterGrad, hasFilterGradient } from './conv2d-grad';
import { canFuseForTraining, conv2dTrain, type TrainActivation } from './fused-train';
import { createVariable, Initializer, kernelInit } from './init';

export class Conv2d extends Module {
  readonly config: Conv2dConfig;
  readonly kernel: NamedVariable;
  readonly bias: NamedVariable | undefined;

  constructor(node: LayerNode<'conv2d'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const { filters, kernelSize, activation, useBias } = node.config;
    const [kh, kw] = kernelSize;
    const channels = node.inputShape[node.inputShape.length - 1];
    const shape = [kh, kw, channels, filters];
    const fanIn = kh * kw * channels;
    const fanOut = kh * kw * filters;
    this.kernel = createVariable(init, node.id, 'kernel', shape, (r) => kernelInit(r, shape, fanIn, fanOut, activation));
    this.bias = useBias ? createVariable(init, node.id, 'bias', [filters], (r) => r.zeros([filters])) : undefined;
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    const { strides, padding, activation } = this.config;
    // a backend with the fused layer kernels: one kernel forward, relu's gradient in one pass (fused-train.ts)
    if (canFuseForTraining('conv2d', activation)) return conv2dTrain(x as tf.Tensor4D, this.kernel.variable as tf.Tensor4D, this.bias?.variable, strides, padding, activation as TrainActivation);
    if (!hasFilterGradient()) {
      const relu = activation === 'relu';
      const y = conv2dWithFilterGrad(x as tf.Tensor4D, this.kernel.variable as tf.Tensor4D, this.bias?.variable, { strides, padding, relu });
      return relu ? y : activations[activation](y);
    }
    const { fused, after } = splitFused(activation);
    const y = tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: this.kernel.variable as tf.Tensor4D,
      strides,
      pad: padding,
      dataFormat: 'NHWC',
      bias: this.bias?.variable,
      activation: fused,
      leakyreluAlpha: LEAKY_RELU_ALPHA,
    });
    return applyActivation(after, y);
  }

  trainable(): NamedVariable[] {
    return this.bias !== undefined ? [this.kernel, this.bias] : [this.kernel];
  }
}
