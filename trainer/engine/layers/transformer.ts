/**
 * Pre-norm transformer block on [B, T, D]:
 *   h = x + drop(attn(ln1(x)));  y = h + drop(mlp2(mlp1(ln2(h))))
 * with mlp1 = dense(round(mlpRatio·D), gelu) and mlp2 = dense(D). The sub-layers are ordinary
 * modules with ids `${id}.ln1`, `${id}.attn`, `${id}.ln2`, `${id}.mlp1`, `${id}.mlp2` (so their
 * variables are `${id}.attn/queryKernel`, ...), exposed through children().
 * config.dropout applies to the attention weights and to both residual branches (as in GPT-2);
 * the layer norms use epsilon 1e-5. A residual factor from the forward context (the stabilizer's
 * α_attn, α_mlp) multiplies each branch: h = x + α_attn·drop(attn(...)), y = h + α_mlp·drop(mlp(...)).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, Shape, TransformerConfig } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable, scaleBranch } from '../module';
import { Attention } from './attention';
import { callModule } from './call';
import { Dense } from './dense';
import { applyDropout } from './dropout';
import type { Initializer } from './init';
import { LayerNorm } from './layerNorm';
import { subNode } from './sub-node';

export const TRANSFORMER_LN_EPSILON = 1e-5;

export class Transformer extends Module {
  readonly config: TransformerConfig;
  readonly ln1: LayerNorm;
  readonly attn: Attention;
  readonly ln2: LayerNorm;
  readonly mlp1: Dense;
  readonly mlp2: Dense;
  private readonly seed1: number;
  private readonly seed2: number;

  constructor(node: LayerNode<'transformer'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const { heads, mlpRatio, causal, dropout } = node.config;
    const [t, d] = node.inputShape;
    const hidden = Math.max(1, Math.round(mlpRatio * d));
    const seq: Shape = [t, d];
    const norm = { epsilon: TRANSFORMER_LN_EPSILON, momentum: 0 };
    this.ln1 = new LayerNorm(subNode(`${node.id}.ln1`, 'layerNorm', norm, seq, seq, 2 * d, 8 * t * d, node.range), init);
    this.attn = new Attention(
      subNode(`${node.id}.attn`, 'attention', { heads, causal, dropout }, seq, seq, 4 * d * d + 4 * d, 8 * t * d * d + 4 * t * t * d, node.range),
      init,
    );
    this.ln2 = new LayerNorm(subNode(`${node.id}.ln2`, 'layerNorm', norm, seq, seq, 2 * d, 8 * t * d, node.range), init);
    this.mlp1 = new Dense(
      subNode(`${node.id}.mlp1`, 'dense', { units: hidden, activation: 'gelu', useBias: true }, seq, [t, hidden], d * hidden + hidden, 2 * t * d * hidden, node.range),
      init,
    );
    this.mlp2 = new Dense(
      subNode(`${node.id}.mlp2`, 'dense', { units: d, activation: 'linear', useBias: true }, [t, hidden], seq, hidden * d + d, 2 * t * d * hidden, node.range),
      init,
    );
    this.seed1 = init.seedFor(`${node.id}/residDropout1`);
    this.seed2 = init.seedFor(`${node.id}/residDropout2`);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const { dropout } = this.config;
    const a = callModule(this.attn, callModule(this.ln1, x, ctx), ctx);
    const h = tf.add(x, scaleBranch(applyDropout(a, dropout, this.seed1, ctx), ctx.residualScale?.(this.id, 'attn') ?? 1));
    const m = callModule(this.mlp2, callModule(this.mlp1, callModule(this.ln2, h, ctx), ctx), ctx);
    return tf.add(h, scaleBranch(applyDropout(m, dropout, this.seed2, ctx), ctx.residualScale?.(this.id, 'mlp') ?? 1));
  }

  children(): Module[] {
    return [this.ln1, this.attn, this.ln2, this.mlp1, this.mlp2];
  }

  trainable(): NamedVariable[] {
    return this.children().flatMap((m) => m.trainable());
  }

  dispose(): void {
    for (const m of this.children()) m.dispose();
  }
}
