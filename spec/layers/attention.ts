import type { AttentionConfig } from '../types';
import { fmt, type LayerKind } from './kind';

/** Why [T, D] does not fit `heads`, or undefined when it does. Shared with `transformer`. */
export function attentionShapeError(type: string, input: number[], heads: number): string | undefined {
  if (input.length !== 2) return `${type} needs a [T, D] input (rank 2), got ${fmt(input)}`;
  if (input[1]! % heads !== 0) return `${type} needs D divisible by heads, but D = ${input[1]} and heads = ${heads}`;
  return undefined;
}

/** q, k, v, o projections with bias. */
export const attentionParams = (d: number): number => 4 * d * d + 4 * d;

/** Projections 4·2·T·D² (+4·T·D bias), scores 2·T²·D, softmax 5·heads·T², weighted sum 2·T²·D. */
export function attentionFlops(t: number, d: number, heads: number): number {
  return 8 * t * d * d + 4 * t * d + 2 * t * t * d + 5 * heads * t * t + 2 * t * t * d;
}

export const attention: LayerKind<'attention'> = {
  type: 'attention',
  doc: 'Multi-head self-attention over [T, D]; keeps the shape.',
  fields: {
    heads: { kind: 'int', min: 1, required: true, doc: 'Number of heads; must divide D.' },
    causal: { kind: 'bool', default: false, doc: 'Mask the future (each position sees only earlier ones).' },
    dropout: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0, doc: 'Dropout on the attention weights, in [0, 1).' },
  },
  toConfig: (r): AttentionConfig => ({ heads: r.heads as number, causal: r.causal as boolean, dropout: r.dropout as number }),
  inferShape: (input, c) => attentionShapeError('attention', input, c.heads) ?? input,
  params: (input) => attentionParams(input[1]!),
  flops: (input, _o, c) => attentionFlops(input[0]!, input[1]!, c.heads),
  depth: 1,
};
