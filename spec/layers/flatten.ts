import { prod, type LayerKind } from './kind';

export const flatten: LayerKind<'flatten'> = {
  type: 'flatten',
  doc: 'Flattens a sample to one axis: [a, b, c] -> [a·b·c].',
  fields: {},
  toConfig: () => ({}),
  inferShape: (input) => [prod(input)],
  params: () => 0,
  flops: () => 0,
  depth: 0,
};
