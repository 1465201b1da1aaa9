import type { LayerKind } from './kind';

export const dropout: LayerKind<'dropout'> = {
  type: 'dropout',
  doc: 'Randomly zeroes a fraction of the inputs while training; keeps the shape.',
  fields: { rate: { kind: 'number', min: 0, max: 1, maxExclusive: true, required: true, doc: 'Fraction of inputs dropped, in [0, 1).' } },
  toConfig: (r) => ({ rate: r.rate as number }),
  inferShape: (input) => input,
  params: () => 0,
  /** Counted as free: the forward pass used for inference does nothing. */
  flops: () => 0,
  depth: 0,
};
