import { fmt, prod, type LayerKind } from './kind';

export const tokenPool: LayerKind<'tokenPool'> = {
  type: 'tokenPool',
  doc: 'Pools tokens: [T, D] -> [D], the mean over tokens or the last token (for causal models).',
  fields: {
    mode: { kind: 'enum', values: ['mean', 'last'], default: 'mean', doc: '`mean` averages all tokens; `last` keeps the last one.' },
  },
  toConfig: (r) => ({ mode: r.mode as 'mean' | 'last' }),
  inferShape: (input) => (input.length === 2 ? [input[1]!] : `tokenPool needs a [T, D] input (rank 2), got ${fmt(input)}`),
  params: () => 0,
  flops: (input, _o, c) => (c.mode === 'mean' ? prod(input) : 0),
  depth: 0,
};
