/**
 * The module pool of a DNA hop. Every module maps [B, T, D] → [B, T, D] and states the FLOPs it
 * spends per token it processes (a multiply-add counts 2, biases and activations ignored):
 * - `mlp`: dense(D → ratio·D) → gelu → dense(→ D): 4·D·H with H = ratio·D;
 * - `attention`: the engine's multi-head self-attention (trainer/engine/layers/attention.ts, run on
 *   [B, T, D] as is): 4 projections 8·D·I plus scores and context 4·T·I (I = D);
 * - `identity`: returns x, 0 FLOPs.
 * The hop runs a module densely on all tokens and masks the output; the FLOPs are charged per
 * dispatched token (attention still reads every token's keys and values).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext, NamedVariable } from '../engine/module';
import { Attention } from '../engine/layers/attention';
import { activations } from '../engine/layers/activations';
import { createVariable, Initializer } from '../engine/layers/init';

export type ModuleSpec =
  | { kind: 'mlp'; ratio?: number }
  | { kind: 'attention'; heads?: number; causal?: boolean }
  | { kind: 'identity' };
export type ModuleKind = ModuleSpec['kind'];

export interface DnaModule {
  readonly id: string;
  readonly kind: ModuleKind;
  /** FLOPs spent on one token this module processes. */
  readonly flopsPerToken: number;
  /** [B, T, D] → [B, T, D]. Call inside tf.tidy / variableGrads. */
  forward(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D;
  trainable(): NamedVariable[];
  dispose(): void;
}

/** Sequence length T and width D of the tokens a hop sees. */
export interface TokenShape {
  seqLen: number;
  dim: number;
}

class IdentityModule implements DnaModule {
  readonly kind = 'identity';
  readonly flopsPerToken = 0;
  constructor(readonly id: string) {}
  forward(x: tf.Tensor3D): tf.Tensor3D {
    return x;
  }
  trainable(): NamedVariable[] {
    return [];
  }
  dispose(): void {}
}

class MlpModule implements DnaModule {
  readonly kind = 'mlp';
  readonly flopsPerToken: number;
  private readonly vars: NamedVariable[];

  constructor(readonly id: string, private readonly dim: number, ratio: number, init: Initializer) {
    const h = Math.max(1, Math.round(ratio * dim));
    this.flopsPerToken = 4 * dim * h;
    this.vars = [
      createVariable(init, id, 'kernel1', [dim, h], (r) => r.heNormal([dim, h], dim)),
      createVariable(init, id, 'bias1', [h], () => new Float32Array(h)),
      createVariable(init, id, 'kernel2', [h, dim], (r) => r.glorotUniform([h, dim], h, dim)),
      createVariable(init, id, 'bias2', [dim], () => new Float32Array(dim)),
    ];
  }

  forward(x: tf.Tensor3D): tf.Tensor3D {
    const [b, t] = x.shape;
    const [k1, b1, k2, b2] = this.vars.map((v) => v.variable);
    const x2d = tf.reshape(x, [b * t, this.dim]) as tf.Tensor2D;
    const hidden = activations.gelu(tf.add(tf.matMul(x2d, k1 as tf.Tensor2D), b1)) as tf.Tensor2D;
    return tf.reshape(tf.add(tf.matMul(hidden, k2 as tf.Tensor2D), b2), [b, t, this.dim]);
  }

  trainable(): NamedVariable[] {
    return this.vars;
  }

  dispose(): void {
    for (const v of this.vars) v.variable.dispose();
  }
}

class AttentionModule implements DnaModule {
  readonly kind = 'attention';
  readonly flopsPerToken: number;
  private readonly attention: Attention;

  constructor(readonly id: string, shape: TokenShape, heads: number, causal: boolean, init: Initializer) {
    const { seqLen: t, dim: d } = shape;
    const range = { file: '<dna>', line: 1, col: 1, endLine: 1, endCol: 1 };
    this.attention = new Attention(
      { id, type: 'attention', config: { heads, causal, dropout: 0 }, inputShape: [t, d], outputShape: [t, d], params: 0, flops: 0, range },
      init,
    );
    this.flopsPerToken = 8 * d * d + 4 * t * d;
  }

  forward(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    return this.attention.forward(x, ctx) as tf.Tensor3D;
  }

  trainable(): NamedVariable[] {
    return this.attention.trainable();
  }

  dispose(): void {
    this.attention.dispose();
  }
}

export function createModule(id: string, spec: ModuleSpec, shape: TokenShape, init: Initializer): DnaModule {
  switch (spec.kind) {
    case 'identity':
      return new IdentityModule(id);
    case 'mlp':
      return new MlpModule(id, shape.dim, spec.ratio ?? 4, init);
    case 'attention':
      return new AttentionModule(id, shape, spec.heads ?? 1, spec.causal ?? true, init);
  }
}
