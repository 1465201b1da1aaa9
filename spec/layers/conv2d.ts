import { ACTIVATION_FLOPS, ACTIVATIONS } from '../activations';
import type { Activation } from '../types';
import { prod, window2d, type LayerKind } from './kind';

/** 2-D convolution on [H, W, C] (channels last). */
export const conv2d: LayerKind<'conv2d'> = {
  type: 'conv2d',
  doc: '2-D convolution on [H, W, C] inputs (channels last): [H, W, C] -> [H\', W\', filters].',
  fields: {
    filters: { kind: 'int', min: 1, required: true, doc: 'Number of output channels.' },
    kernelSize: { kind: 'pair', default: [3, 3], doc: 'Kernel size: a number or [height, width].' },
    strides: { kind: 'pair', default: [1, 1], doc: 'Strides: a number or [height, width].' },
    padding: { kind: 'enum', values: ['same', 'valid'], default: 'same', doc: '`same` keeps H×W (for stride 1); `valid` uses no padding.' },
    activation: { kind: 'enum', values: ACTIVATIONS, default: 'linear', doc: 'Activation applied to the output.' },
    useBias: { kind: 'bool', default: true, doc: 'Add a learned bias per filter.' },
  },
  toConfig: (r) => ({
    filters: r.filters as number,
    kernelSize: r.kernelSize as [number, number],
    strides: r.strides as [number, number],
    padding: r.padding as 'same' | 'valid',
    activation: r.activation as Activation,
    useBias: r.useBias as boolean,
  }),
  inferShape: (input, c) => {
    const hw = window2d('conv2d', input, c.kernelSize, c.strides, c.padding);
    return typeof hw === 'string' ? hw : [...hw, c.filters];
  },
  params: (input, c) => c.kernelSize[0] * c.kernelSize[1] * input[2]! * c.filters + (c.useBias ? c.filters : 0),
  flops: (input, output, c) => {
    const outPositions = output[0]! * output[1]!;
    const mac = 2 * c.kernelSize[0] * c.kernelSize[1] * input[2]! * c.filters * outPositions;
    return mac + (c.useBias ? prod(output) : 0) + prod(output) * ACTIVATION_FLOPS[c.activation];
  },
  depth: 1,
};
