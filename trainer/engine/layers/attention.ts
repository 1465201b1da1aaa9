/**
 * Multi-head self-attention on [B, T, D]: q, k, v projections (kernel [D, I] + bias [I]), o projection
 * (kernel [I, D] + bias [D]), I = heads · headDim (headDim defaults to D / heads, so I = D),
 * softmax(q·kᵀ / sqrt(headDim) + causal mask)·v, heads merged and projected by o.
 * When training, dropout (config.dropout) is applied to the attention weights.
 *
 * Hook: when `ctx.transformOutput` is set, the merged heads [B, T, I] (head h at [h·headDim, (h+1)·headDim))
 * pass through it under the id `<layer id>/heads` before the o projection (head pruning masks them there,
 * trainer/pruning/masks.ts). Other hooks return unknown ids unchanged; without a hook nothing is added.
 *
 * Dispatches per forward (WebGPU): 4 fused matMul+bias, 2 batched matMuls, 3 transposes in and 1
 * out (none with one head), one scale, one mask add (causal only), one softmax. The causal mask
 * is built once on the host for the node's T and kept until dispose().
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { applyDropout } from './dropout';
import { createVariable, Initializer } from './init';

/** Added to masked scores: exp underflows to exactly 0 in float32. */
const MASKED = -1e9;

function causalMask(t: number): tf.Tensor2D {
  const values = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) values[i * t + j] = MASKED;
  return tf.tensor2d(values, [t, t]);
}

interface Projection {
  kernel: NamedVariable;
  bias: NamedVariable;
}

export class Attention extends Module {
  readonly config: AttentionConfig;
  readonly query: Projection;
  readonly key: Projection;
  readonly value: Projection;
  readonly output: Projection;
  private readonly dim: number;
  private readonly inner: number;
  private readonly headDim: number;
  private readonly seed: number;
  private mask: tf.Tensor2D | undefined;

  constructor(node: LayerNode<'attention'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const [t, d] = node.inputShape;
    const { heads } = node.config;
    if (node.inputShape.length !== 2) throw new Error(`${node.id}: attention expects [T, D] inputs, got [${node.inputShape.join(', ')}]`);
    const given = node.config.headDim;
    if (!(heads >= 1)) throw new Error(`${node.id}: heads must be >= 1, got ${heads}`);
    if (given === undefined && d % heads !== 0) throw new Error(`${node.id}: model width ${d} is not divisible by heads ${heads}`);
    if (given !== undefined && !(Number.isInteger(given) && given >= 1)) throw new Error(`${node.id}: headDim must be a positive integer, got ${given}`);
    this.dim = d;
    this.headDim = given ?? d / heads;
    this.inner = heads * this.headDim;
    const projection = (name: string, fanIn: number, fanOut: number): Projection => ({
      kernel: createVariable(init, node.id, `${name}Kernel`, [fanIn, fanOut], (r) => r.glorotUniform([fanIn, fanOut], fanIn, fanOut)),
      bias: createVariable(init, node.id, `${name}Bias`, [fanOut], (r) => r.zeros([fanOut])),
    });
    const inner = this.inner;
    this.query = projection('query', d, inner);
    this.key = projection('key', d, inner);
    this.value = projection('value', d, inner);
    this.output = projection('output', inner, d);
    this.seed = init.seedFor(`${node.id}/dropout`);
    // kept: the model may be built inside a tf.tidy
    this.mask = node.config.causal ? tf.keep(causalMask(t)) : undefined;
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const { heads, causal, dropout } = this.config;
    const [b, t] = x.shape;
    const d = this.dim;
    const inner = this.inner;
    const x2d = tf.reshape(x, [b * t, d]) as tf.Tensor2D;
    const project = (p: Projection, input: tf.Tensor2D): tf.Tensor =>
      tf.fused.matMul({ a: input, b: p.kernel.variable as tf.Tensor2D, bias: p.bias.variable });
    // [B·T, I] -> [B, H, T, dh]
    const split = (y: tf.Tensor): tf.Tensor =>
      heads === 1 ? tf.reshape(y, [b, 1, t, inner]) : tf.transpose(tf.reshape(y, [b, t, heads, this.headDim]), [0, 2, 1, 3]);

    // The 1/sqrt(dh) scale goes on q ([B·T, I]), smaller than the scores ([B, H, T, T]) once T > dh.
    const q = split(tf.mul(project(this.query, x2d), 1 / Math.sqrt(this.headDim)));
    const k = split(project(this.key, x2d));
    const v = split(project(this.value, x2d));
    let scores: tf.Tensor = tf.matMul(q, k, false, true); // [B, H, T, T]
    if (causal) {
      const mask = this.mask !== undefined && this.mask.shape[0] === t ? this.mask : causalMask(t);
      scores = tf.add(scores, mask);
    }
    const weights = applyDropout(tf.softmax(scores), dropout, this.seed, ctx);
    const context = tf.matMul(weights, v); // [B, H, T, dh]
    let merged = (heads === 1 ? tf.reshape(context, [b * t, inner]) : tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b * t, inner])) as tf.Tensor2D;
    if (ctx.transformOutput !== undefined) {
      merged = tf.reshape(ctx.transformOutput(`${this.id}/heads`, tf.reshape(merged, [b, t, inner])), [b * t, inner]) as tf.Tensor2D;
    }
    return tf.reshape(project(this.output, merged), [b, t, d]);
  }

  trainable(): NamedVariable[] {
    return [this.query, this.key, this.value, this.output].flatMap((p) => [p.kernel, p.bias]);
  }

  dispose(): void {
    super.dispose();
    this.mask?.dispose();
    this.mask = undefined;
  }
}
