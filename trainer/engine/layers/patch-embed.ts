/**
 * ViT-style patch embedding: [B, H, W, C] → [B, T, D] with T = (H/p)·(W/p). Each p×p patch is mapped by one linear
 * projection (a conv2d with kernel p and stride p: the engine's conv path, with its wasm gradient workarounds) and
 * gets a learned position vector (row-major patch order). Ids: `<id>.proj` (kernel, bias), `<id>/positions`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, PatchEmbedConfig } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { callModule } from './call';
import { Conv2d } from './conv2d';
import { EMBEDDING_INIT_STD } from './embedding';
import { createVariable, Initializer } from './init';

export class PatchEmbed extends Module {
  readonly config: PatchEmbedConfig;
  readonly proj: Conv2d;
  readonly positions: NamedVariable;
  private readonly tokens: number;

  constructor(node: LayerNode<'patchEmbed'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const { patch, dim } = node.config;
    const [h, w, c] = node.inputShape;
    const [gh, gw] = [h! / patch, w! / patch];
    this.tokens = gh * gw;
    const conv: LayerNode<'conv2d'> = {
      id: `${node.id}.proj`, type: 'conv2d', range: node.range,
      config: { filters: dim, kernelSize: [patch, patch], strides: [patch, patch], padding: 'valid', activation: 'linear', useBias: true },
      inputShape: node.inputShape, outputShape: [gh, gw, dim], params: patch * patch * c! * dim + dim, flops: 2 * this.tokens * patch * patch * c! * dim,
    };
    this.proj = new Conv2d(conv, init);
    const shape = [this.tokens, dim];
    this.positions = createVariable(init, node.id, 'positions', shape, (r) => r.normal(shape, EMBEDDING_INIT_STD));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const y = callModule(this.proj, x, ctx);
    return tf.add(tf.reshape(y, [x.shape[0]!, this.tokens, this.config.dim]), this.positions.variable);
  }

  children(): Module[] {
    return [this.proj];
  }

  trainable(): NamedVariable[] {
    return [...this.proj.trainable(), this.positions];
  }

  dispose(): void {
    this.proj.dispose();
    this.positions.variable.dispose();
  }
}
