/**
 * `dna` (seed 003) and its `moe` baseline. The per-token costs of the pool modules and routers are defined here
 * once: the shape/FLOP inference of the model file and the trainer's FLOP accounting (trainer/dna/) both use them.
 * A multiply-add counts 2 (as everywhere in spec/).
 */
import { ACTIVATION_FLOPS } from '../activations';
import type { DnaConfig, MoeConfig } from '../types';
import { attentionFlops, attentionParams, attentionShapeError } from './attention';
import type { LayerKind } from './kind';

export type DnaModuleKind = 'attention' | 'mlp' | 'identity';

const hidden = (d: number, ratio: number): number => Math.max(1, Math.round(d * ratio));
const LN_PER_TOKEN = (d: number): number => 8 * d;

/** An MLP dense(h, gelu) → dense(D) on one token. */
export const mlpFlopsPerToken = (d: number, h: number): number => 2 * d * h + h + ACTIVATION_FLOPS.gelu * h + 2 * h * d + d;
export const mlpParams = (d: number, h: number): number => d * h + h + h * d + d;

/**
 * FLOPs one pool module spends on one token it processes: pre-norm LayerNorm + the module + the gated residual
 * add (2·D). Attention: its per-token share of the whole sequence's attention (projections + scores over T
 * tokens). Identity: 0 (a skip).
 */
export function dnaModuleFlops(kind: DnaModuleKind, t: number, d: number, heads: number, mlpRatio: number): number {
  switch (kind) {
    case 'identity': return 0;
    case 'attention': return LN_PER_TOKEN(d) + attentionFlops(t, d, heads) / t + 2 * d;
    case 'mlp': return LN_PER_TOKEN(d) + gatedMlpFlops(d, mlpRatio);
  }
}

/** An MLP of hidden ratio·D on one token and its gated residual add (2·D), without a norm: a MoE expert. */
export const gatedMlpFlops = (d: number, ratio: number): number => mlpFlopsPerToken(d, hidden(d, ratio)) + 2 * d;

export function dnaModuleParams(kind: DnaModuleKind, d: number, mlpRatio: number): number {
  switch (kind) {
    case 'identity': return 0;
    case 'attention': return 2 * d + attentionParams(d);
    case 'mlp': return 2 * d + mlpParams(d, hidden(d, mlpRatio));
  }
}

/** Router of M modules on one token: logits (matMul + bias) and softmax (5 per logit). */
export const routerFlopsPerToken = (d: number, m: number): number => 2 * d * m + m + 5 * m;
export const routerParams = (d: number, m: number): number => d * m + m;

/** The pool in index order: attention modules, then MLPs, then identities. */
export function dnaPool(c: Pick<DnaConfig, 'attention' | 'mlp' | 'identity'>): DnaModuleKind[] {
  return [
    ...Array<DnaModuleKind>(c.attention).fill('attention'),
    ...Array<DnaModuleKind>(c.mlp).fill('mlp'),
    ...Array<DnaModuleKind>(c.identity).fill('identity'),
  ];
}

/** Largest FLOPs per token of one hop: the router plus the k most expensive modules. */
export function dnaHopBound(t: number, d: number, c: DnaConfig): number {
  const costs = dnaPool(c).map((k) => dnaModuleFlops(k, t, d, c.heads, c.mlpRatio)).sort((a, b) => b - a);
  return routerFlopsPerToken(d, costs.length) + costs.slice(0, c.k).reduce((a, b) => a + b, 0);
}

function dnaShapeError(input: number[], c: DnaConfig): string | undefined {
  const m = c.attention + c.mlp + c.identity;
  if (m === 0) return 'dna needs at least one module in its pool (attention, mlp, identity)';
  if (c.attention + c.mlp === 0) return 'a dna pool of identity modules only computes nothing; add attention or mlp modules';
  if (c.k > m) return `dna k = ${c.k} exceeds the ${m} module(s) of the pool`;
  return attentionShapeError('dna', input, c.heads);
}

export const dna: LayerKind<'dna'> = {
  type: 'dna',
  doc: 'Distributed neural architecture on [T, D]: a shared pool of pre-norm attention, MLP and identity modules and a router per hop; every token picks its own top-k modules at each hop. Keeps the shape.',
  fields: {
    hops: { kind: 'int', min: 1, required: true, doc: 'Routing steps: at each one every token goes through the modules its router picks.' },
    attention: { kind: 'int', min: 0, default: 2, doc: 'Attention modules in the pool (pre-norm multi-head self-attention).' },
    mlp: { kind: 'int', min: 0, default: 2, doc: 'MLP modules in the pool (pre-norm dense(mlpRatio·D, gelu) → dense(D)).' },
    identity: { kind: 'int', min: 0, default: 1, doc: 'Identity (skip) modules: a token routed there leaves the hop unchanged, at 0 FLOPs.' },
    heads: { kind: 'int', min: 1, required: true, doc: 'Heads of every attention module; must divide D.' },
    mlpRatio: { kind: 'number', min: 0, minExclusive: true, default: 4, doc: 'Hidden width of the MLP modules as a multiple of D.' },
    causal: { kind: 'bool', default: false, doc: 'Attention modules mask the future (for language modelling).' },
    k: { kind: 'int', min: 1, max: 2, default: 1, doc: 'Modules per token per hop (top-1 or top-2 routing).' },
    capacityFactor: {
      kind: 'number', min: 0, minExclusive: true, default: 2,
      doc: 'Each module takes at most ceil(capacityFactor · tokens · k / modules) tokens per batch; the rest are dropped for that module (counted). Small pools route unevenly early in training: at 1.5 a 5-module pool dropped 45% of its choices (measured), so the default leaves room.',
    },
    balanceWeight: { kind: 'number', min: 0, default: 0.01, doc: 'Weight of the Switch load-balancing loss (averaged over hops).' },
    computeWeight: { kind: 'number', min: 0, default: 0, doc: 'Weight of the compute loss: the routed share of each module times its FLOPs relative to the largest (identity free).' },
    zWeight: { kind: 'number', min: 0, default: 0.001, doc: 'Weight of the router z-loss (mean squared log-sum-exp of the logits), for stability.' },
  },
  toConfig: (r): DnaConfig => ({
    hops: r.hops as number, attention: r.attention as number, mlp: r.mlp as number, identity: r.identity as number,
    heads: r.heads as number, mlpRatio: r.mlpRatio as number, causal: r.causal as boolean, k: r.k as 1 | 2,
    capacityFactor: r.capacityFactor as number, balanceWeight: r.balanceWeight as number,
    computeWeight: r.computeWeight as number, zWeight: r.zWeight as number,
  }),
  inferShape: (input, c) => dnaShapeError(input, c) ?? input,
  params: (input, c) => {
    const d = input[1]!;
    const pool = dnaPool(c);
    return pool.reduce((s, k) => s + dnaModuleParams(k, d, c.mlpRatio), 0) + c.hops * routerParams(d, pool.length);
  },
  /** The static bound: every hop runs the router and its k most expensive modules on every token (runs measure the real average). */
  flops: (input, _o, c) => input[0]! * c.hops * dnaHopBound(input[0]!, input[1]!, c),
  depth: 2,
};


export const moe: LayerKind<'moe'> = {
  type: 'moe',
  doc: 'Pre-norm transformer block whose MLP is a top-k mixture of experts: x + attn(LN(x)); h + Σ gate·expert(LN(h)). Keeps the shape. The MoE baseline for dna.',
  fields: {
    heads: { kind: 'int', min: 1, required: true, doc: 'Attention heads; must divide D.' },
    experts: { kind: 'int', min: 1, default: 4, doc: 'Expert MLPs.' },
    expertRatio: { kind: 'number', min: 0, minExclusive: true, default: 1, doc: 'Hidden width of each expert as a multiple of D (experts · expertRatio = a dense block\'s mlpRatio keeps the parameters equal).' },
    causal: { kind: 'bool', default: false, doc: 'Mask the future.' },
    k: { kind: 'int', min: 1, max: 2, default: 2, doc: 'Experts per token (top-1 or top-2).' },
    capacityFactor: { kind: 'number', min: 0, minExclusive: true, default: 1.25, doc: 'Each expert takes at most ceil(capacityFactor · tokens · k / experts) tokens per batch; the rest pass by on the residual.' },
    balanceWeight: { kind: 'number', min: 0, default: 0.01, doc: 'Weight of the Switch load-balancing loss.' },
    zWeight: { kind: 'number', min: 0, default: 0.001, doc: 'Weight of the router z-loss.' },
  },
  toConfig: (r): MoeConfig => ({
    heads: r.heads as number, experts: r.experts as number, expertRatio: r.expertRatio as number, causal: r.causal as boolean,
    k: r.k as 1 | 2, capacityFactor: r.capacityFactor as number, balanceWeight: r.balanceWeight as number, zWeight: r.zWeight as number,
  }),
  inferShape: (input, c) => (c.k > c.experts ? `moe k = ${c.k} exceeds its ${c.experts} expert(s)` : attentionShapeError('moe', input, c.heads) ?? input),
  params: (input, c) => {
    const d = input[1]!;
    return 2 * 2 * d + attentionParams(d) + c.experts * mlpParams(d, hidden(d, c.expertRatio)) + routerParams(d, c.experts);
  },
  /** Attention + 2 layerNorms + the attention residual add + router + k experts per token (static bound). */
  flops: (input, _o, c) => {
    const [t, d] = [input[0]!, input[1]!];
    return attentionFlops(t, d, c.heads) + 2 * LN_PER_TOKEN(d) * t + t * d + t * (routerFlopsPerToken(d, c.experts) + c.k * gatedMlpFlops(d, c.expertRatio));
  },
  depth: 2,
};
