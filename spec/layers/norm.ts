import { prod, type LayerKind } from './kind';

/** Layer normalisation over the last axis: learned gain and bias (2·D parameters). */
export const layerNorm: LayerKind<'layerNorm'> = {
  type: 'layerNorm',
  doc: 'Layer normalisation over the last axis, with learned gain and bias; keeps the shape.',
  fields: { epsilon: { kind: 'number', min: 0, minExclusive: true, default: 1e-5, doc: 'Added to the variance for stability.' } },
  toConfig: (r) => ({ epsilon: r.epsilon as number, momentum: 0 }),
  inferShape: (input) => (input.length === 0 ? 'layerNorm needs an input with at least one axis' : input),
  params: (input) => 2 * input[input.length - 1]!,
  /** mean 1, variance 3, normalise 2, affine 2 per element. */
  flops: (input) => 8 * prod(input),
  depth: 0,
};

/** Batch normalisation over the last (channel) axis: gain, bias, moving mean and variance (4·C). */
export const batchNorm: LayerKind<'batchNorm'> = {
  type: 'batchNorm',
  doc: 'Batch normalisation over the last (channel) axis; keeps the shape.',
  fields: {
    epsilon: { kind: 'number', min: 0, minExclusive: true, default: 1e-3, doc: 'Added to the variance for stability.' },
    momentum: { kind: 'number', min: 0, max: 1, default: 0.99, doc: 'Momentum of the moving mean and variance.' },
  },
  toConfig: (r) => ({ epsilon: r.epsilon as number, momentum: r.momentum as number }),
  inferShape: (input) => (input.length === 0 ? 'batchNorm needs an input with at least one axis' : input),
  params: (input) => 4 * input[input.length - 1]!,
  /** Inference form: normalise 2, affine 2 per element. */
  flops: (input) => 4 * prod(input),
  depth: 0,
};
