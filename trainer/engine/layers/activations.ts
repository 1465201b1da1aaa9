/** Activation functions by id, and the subset that tfjs fused matMul / conv2d kernels can apply in place. */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../../../spec/types';

export const LEAKY_RELU_ALPHA = 0.2;

/** 2·sqrt(2/π): gelu's tanh approximation written as x·sigmoid(2z), since 0.5·(1 + tanh(z)) = sigmoid(2z). */
const GELU_C1 = 2 * Math.sqrt(2 / Math.PI);
const GELU_C2 = GELU_C1 * 0.044715;

/**
 * gelu (tanh approximation): 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))
 * = x·sigmoid(x·(C1 + C2·x²)), six element-wise ops instead of nine.
 */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(x, tf.add(tf.mul(tf.square(x), GELU_C2), GELU_C1));
  return tf.mul(x, tf.sigmoid(inner));
}

export const activations: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  gelu,
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  softmax: (x) => tf.softmax(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  swish: (x) => tf.mul(x, tf.sigmoid(x)),
  leakyRelu: (x) => tf.leakyRelu(x, LEAKY_RELU_ALPHA),
};

export function applyActivation(name: Activation, x: tf.Tensor): tf.Tensor {
  const f = activations[name];
  if (f === undefined) throw new Error(`unknown activation '${name}'`);
  return f(x);
}

/** tfjs fused-kernel activation names (tf.fused.Activation) for the activations they implement. */
type FusedActivation = 'linear' | 'relu' | 'elu' | 'sigmoid' | 'leakyrelu';

const FUSABLE: Partial<Record<Activation, FusedActivation>> = {
  linear: 'linear',
  relu: 'relu',
  elu: 'elu',
  sigmoid: 'sigmoid',
  leakyRelu: 'leakyrelu',
};

/**
 * Splits an activation into the part a fused matMul/conv2d applies (one dispatch with the bias) and
 * the remainder applied afterwards. tfjs unfuses by itself while recording gradients, so this is
 * always safe.
 */
export function splitFused(name: Activation): { fused: FusedActivation; after: Activation } {
  const fused = FUSABLE[name];
  return fused !== undefined ? { fused, after: 'linear' } : { fused: 'linear', after: name };
}
