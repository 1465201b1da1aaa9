import { fmt, type LayerKind } from './kind';

export const embedding: LayerKind<'embedding'> = {
  type: 'embedding',
  doc: 'Looks up a learned vector per integer token: [T] -> [T, outputDim].',
  fields: {
    inputDim: { kind: 'int', min: 1, required: true, doc: 'Vocabulary size: tokens are integers in [0, inputDim).' },
    outputDim: { kind: 'int', min: 1, required: true, doc: 'Size of each embedding vector.' },
  },
  toConfig: (r) => ({ inputDim: r.inputDim as number, outputDim: r.outputDim as number }),
  inferShape: (input, c) => (input.length === 1 ? [input[0]!, c.outputDim] : `embedding needs a [T] input of token ids (rank 1), got ${fmt(input)}`),
  params: (_i, c) => c.inputDim * c.outputDim,
  /** A table lookup: no arithmetic. */
  flops: () => 0,
  depth: 1,
};
