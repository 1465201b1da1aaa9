/** Activation names and their FLOP cost per element (documented in README.md). */
import type { Activation } from './types';

export const ACTIVATION_FLOPS: Record<Activation, number> = {
  linear: 0, relu: 1, leakyRelu: 2, elu: 3, selu: 4, sigmoid: 4, tanh: 4, swish: 5, softmax: 5, gelu: 8,
};

export const ACTIVATIONS = Object.keys(ACTIVATION_FLOPS) as Activation[];
