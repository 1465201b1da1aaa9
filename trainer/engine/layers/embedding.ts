/** Token embedding: float token ids [B, T] -> [B, T, outputDim] (ids are cast to int32 and gathered). */
import * as tf from '@tensorflow/tfjs-core';
import type { EmbeddingConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { createVariable, Initializer } from './init';

/** Standard deviation of the initial embeddings (GPT-2 convention). */
export const EMBEDDING_INIT_STD = 0.02;

export class Embedding extends Module {
  readonly config: EmbeddingConfig;
  readonly embeddings: NamedVariable;

  constructor(node: LayerNode<'embedding'>, init: Initializer) {
    super(node);
    this.config = node.config;
    const shape = [node.config.inputDim, node.config.outputDim];
    this.embeddings = createVariable(init, node.id, 'embeddings', shape, (r) => r.normal(shape, EMBEDDING_INIT_STD));
  }

  forward(x: tf.Tensor, _ctx: ForwardContext): tf.Tensor {
    const ids = x.dtype === 'int32' ? x : tf.cast(x, 'int32');
    return tf.gather(this.embeddings.variable, ids);
  }

  trainable(): NamedVariable[] {
    return [this.embeddings];
  }
}
