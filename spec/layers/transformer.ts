import { ACTIVATION_FLOPS } from '../activations';
import { attentionFlops, attentionParams, attentionShapeError } from './attention';
import type { LayerKind } from './kind';

const hidden = (d: number, ratio: number): number => Math.max(1, Math.round(d * ratio));

/** Pre-norm block: x + attn(LN(x)); x + mlp(LN(x)), mlp = dense(mlpRatio·D, gelu) -> dense(D). */
export const transformer: LayerKind<'transformer'> = {
  type: 'transformer',
  doc: 'Pre-norm transformer block on [T, D]: x + attn(LN(x)); x + mlp(LN(x)). Keeps the shape.',
  fields: {
    heads: { kind: 'int', min: 1, required: true, doc: 'Number of attention heads; must divide D.' },
    mlpRatio: { kind: 'number', min: 0, minExclusive: true, default: 4, doc: 'Hidden width of the MLP as a multiple of D.' },
    causal: { kind: 'bool', default: false, doc: 'Mask the future (each position sees only earlier ones).' },
    dropout: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0, doc: 'Dropout on attention weights and residual branches, in [0, 1).' },
  },
  toConfig: (r) => ({ heads: r.heads as number, mlpRatio: r.mlpRatio as number, causal: r.causal as boolean, dropout: r.dropout as number }),
  inferShape: (input, c) => attentionShapeError('transformer', input, c.heads) ?? input,
  params: (input, c) => {
    const d = input[1]!;
    const h = hidden(d, c.mlpRatio);
    return attentionParams(d) + 2 * (2 * d) + (d * h + h) + (h * d + d);
  },
  /** attention + 2 layerNorms (8/element) + MLP (with bias and gelu) + 2 residual adds. */
  flops: (input, _o, c) => {
    const [t, d] = [input[0]!, input[1]!];
    const h = hidden(d, c.mlpRatio);
    const mlp = t * (2 * d * h + h) + t * h * ACTIVATION_FLOPS.gelu + t * (2 * h * d + d);
    return attentionFlops(t, d, c.heads) + 2 * 8 * t * d + mlp + 2 * t * d;
  },
  depth: 2,
};

export { hidden as transformerHidden };
