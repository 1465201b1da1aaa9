/**
 * The module pool of a `dna` layer (spec/layers/dna.ts has their costs). Every module maps [B, T, D] → [B, T, D]:
 * - `attention`: pre-norm multi-head self-attention, attn(LN(x)) (the engine's Attention and LayerNorm);
 * - `mlp`: pre-norm MLP, dense(D → mlpRatio·D, gelu) → dense(→ D) on LN(x);
 * - `identity`: a skip. It is never run: a token routed there keeps x (the hop's residual) at 0 FLOPs.
 * These are exactly a transformer block's two branches (trainer/engine/layers/transformer.ts: ln1+attn, ln2+mlp1+mlp2),
 * so a DNA forced along attention, mlp, attention, mlp, ... is that transformer stack (tested).
 * Sub-module ids are `<module id>.ln`, `.attn`, `.fc1`, `.fc2`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dnaModuleFlops, dnaModuleParams, DnaModuleKind, gatedMlpFlops } from '../../spec/layers/dna';
import type { SourceRange } from '../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../engine/module';
import { Attention } from '../engine/layers/attention';
import { callModule } from '../engine/layers/call';
import { Dense } from '../engine/layers/dense';
import type { Initializer } from '../engine/layers/init';
import { LayerNorm } from '../engine/layers/layerNorm';
import { TRANSFORMER_LN_EPSILON } from '../engine/layers/transformer';
import { subNode } from '../engine/layers/sub-node';

export interface PoolShape {
  seqLen: number;
  dim: number;
  heads: number;
  mlpRatio: number;
  causal: boolean;
}

/**
 * A pool module: an engine module with a kind and its per-token cost. Its own node is a weightless container
 * (type `activation`), so nothing that looks for dense or attention layers by type mistakes it for one.
 */
export abstract class PoolModule extends Module {
  abstract readonly kind: DnaModuleKind;
  /** FLOPs spent on one token this module processes (spec/layers/dna.ts dnaModuleFlops). */
  abstract readonly flopsPerToken: number;
}

/** The short label paths use: attn0, mlp1, skip (one identity) or skip0, skip1 (several). */
export function moduleLabels(kinds: DnaModuleKind[]): string[] {
  const seen = new Map<DnaModuleKind, number>();
  const identities = kinds.filter((k) => k === 'identity').length;
  return kinds.map((k) => {
    const i = seen.get(k) ?? 0;
    seen.set(k, i + 1);
    if (k === 'identity') return identities === 1 ? 'skip' : `skip${i}`;
    return `${k === 'attention' ? 'attn' : 'mlp'}${i}`;
  });
}

class IdentityModule extends PoolModule {
  readonly kind = 'identity';
  readonly flopsPerToken = 0;
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

class AttentionModule extends PoolModule {
  readonly kind = 'attention';
  readonly flopsPerToken: number;
  readonly ln: LayerNorm;
  readonly attn: Attention;

  constructor(id: string, s: PoolShape, init: Initializer, range: SourceRange) {
    const seq = [s.seqLen, s.dim];
    super(subNode(id, 'activation', { activation: 'linear' }, seq, seq, dnaModuleParams('attention', s.dim, s.mlpRatio), 0, range));
    this.flopsPerToken = dnaModuleFlops('attention', s.seqLen, s.dim, s.heads, s.mlpRatio);
    this.ln = new LayerNorm(subNode(`${id}.ln`, 'layerNorm', { epsilon: TRANSFORMER_LN_EPSILON, momentum: 0 }, seq, seq, 2 * s.dim, 8 * s.seqLen * s.dim, range), init);
    this.attn = new Attention(subNode(`${id}.attn`, 'attention', { heads: s.heads, causal: s.causal, dropout: 0 }, seq, seq, 0, 0, range), init);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return callModule(this.attn, callModule(this.ln, x, ctx), ctx);
  }

  children(): Module[] {
    return [this.ln, this.attn];
  }

  trainable(): NamedVariable[] {
    return [...this.ln.trainable(), ...this.attn.trainable()];
  }
  dispose(): void {
    for (const c of this.children()) c.dispose();
  }

}

/** dense(h, gelu) → dense(D), optionally after a LayerNorm (the MoE's experts share the block's norm). */
export class MlpModule extends PoolModule {
  readonly kind = 'mlp';
  readonly flopsPerToken: number;
  readonly ln: LayerNorm | undefined;
  readonly fc1: Dense;
  readonly fc2: Dense;

  constructor(id: string, s: PoolShape, init: Initializer, range: SourceRange, withNorm = true) {
    const seq = [s.seqLen, s.dim];
    const h = Math.max(1, Math.round(s.mlpRatio * s.dim));
    super(subNode(id, 'activation', { activation: 'linear' }, seq, seq, dnaModuleParams('mlp', s.dim, s.mlpRatio), 0, range));
    this.flopsPerToken = withNorm ? dnaModuleFlops('mlp', s.seqLen, s.dim, s.heads, s.mlpRatio) : gatedMlpFlops(s.dim, s.mlpRatio);
    this.ln = withNorm
      ? new LayerNorm(subNode(`${id}.ln`, 'layerNorm', { epsilon: TRANSFORMER_LN_EPSILON, momentum: 0 }, seq, seq, 2 * s.dim, 8 * s.seqLen * s.dim, range), init)
      : undefined;
    this.fc1 = new Dense(subNode(`${id}.fc1`, 'dense', { units: h, activation: 'gelu', useBias: true }, seq, [s.seqLen, h], s.dim * h + h, 2 * s.seqLen * s.dim * h, range), init);
    this.fc2 = new Dense(subNode(`${id}.fc2`, 'dense', { units: s.dim, activation: 'linear', useBias: true }, [s.seqLen, h], seq, h * s.dim + s.dim, 2 * s.seqLen * s.dim * h, range), init);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const normed = this.ln ? callModule(this.ln, x, ctx) : x;
    return callModule(this.fc2, callModule(this.fc1, normed, ctx), ctx);
  }

  children(): Module[] {
    return this.ln ? [this.ln, this.fc1, this.fc2] : [this.fc1, this.fc2];
  }

  trainable(): NamedVariable[] {
    return this.children().flatMap((m) => m.trainable());
  }
  dispose(): void {
    for (const c of this.children()) c.dispose();
  }

}

export function createPoolModule(id: string, kind: DnaModuleKind, shape: PoolShape, init: Initializer, range: SourceRange): PoolModule {
  switch (kind) {
    case 'identity':
      return new IdentityModule(subNode(id, 'activation', { activation: 'linear' }, [shape.seqLen, shape.dim], [shape.seqLen, shape.dim], 0, 0, range));
    case 'attention':
      return new AttentionModule(id, shape, init, range);
    case 'mlp':
      return new MlpModule(id, shape, init, range);
  }
}
