import type { AttentionConfig } from '../types';
import { fmt, type LayerKind } from './kind';

/**
 * Why [T, D] does not fit `heads`, or undefined when it does. Shared with `transformer`. With an explicit
 * `headDim` the inner width is heads · headDim and D need not be divisible by heads.
 */
export function attentionShapeError(type: string, input: number[], heads: number, headDim?: number): string | undefined {
  if (input.length !== 2) return `${type} needs a [T, D] input (rank 2), got ${fmt(input)}`;
  if (headDim === undefined && input[1]! % heads !== 0) return `${type} needs D divisible by heads, but D = ${input[1]} and heads = ${heads}`;
  return undefined;
}

/**
 * q, k, v projections [D, I] + bias [I], o projection [I, D] + bias [D]; I = inner width (heads · headDim,
 * default D): 4·D·I + 3·I + D, which is 4·D² + 4·D by default.
 */
export const attentionParams = (d: number, inner = d): number => 4 * d * inner + 3 * inner + d;

/**
 * Projections 4·2·T·D·I (+3·T·I + T·D bias), scores 2·T²·I, softmax 5·heads·T², weighted sum 2·T²·I; I = inner
 * width (default D).
 */
export function attentionFlops(t: number, d: number, heads: number, inner = d): number {
  return 8 * t * d * inner + 3 * t * inner + t * d + 2 * t * t * inner + 5 * heads * t * t + 2 * t * t * inner;
}

/** Inner width of an attention layer: heads · headDim, or D when `headDim` is not given. */
export const attentionInner = (d: number, c: AttentionConfig): number => (c.headDim === undefined ? d : c.heads * c.headDim);

export const attention: LayerKind<'attention'> = {
  type: 'attention',
  doc: 'Multi-head self-attention over [T, D]; keeps the shape.',
  fields: {
    heads: { kind: 'int', min: 1, required: true, doc: 'Number of heads; must divide D unless headDim is given.' },
    headDim: {
      kind: 'int', min: 1,
      doc: 'Width of each head (default D / heads). The q, k, v projections map D to heads · headDim and the output projection maps it back to D.',
    },
    causal: { kind: 'bool', default: false, doc: 'Mask the future (each position sees only earlier ones).' },
    dropout: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0, doc: 'Dropout on the attention weights, in [0, 1).' },
  },
  toConfig: (r): AttentionConfig => ({
    heads: r.heads as number, causal: r.causal as boolean, dropout: r.dropout as number,
    ...(r.headDim !== undefined ? { headDim: r.headDim as number } : {}),
  }),
  inferShape: (input, c) => attentionShapeError('attention', input, c.heads, c.headDim) ?? input,
  params: (input, c) => attentionParams(input[1]!, attentionInner(input[1]!, c)),
  flops: (input, _o, c) => attentionFlops(input[0]!, input[1]!, c.heads, attentionInner(input[1]!, c)),
  depth: 1,
};
