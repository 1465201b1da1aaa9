import { fmt, prod, type LayerKind } from './kind';

export const globalAvgPool2d: LayerKind<'globalAvgPool2d'> = {
  type: 'globalAvgPool2d',
  doc: 'Average over H and W: [H, W, C] -> [C].',
  fields: {},
  toConfig: () => ({}),
  inferShape: (input) => (input.length === 3 ? [input[2]!] : `globalAvgPool2d needs an [H, W, C] input (rank 3), got ${fmt(input)}`),
  params: () => 0,
  flops: (input) => prod(input),
  depth: 0,
};
