/** Token embedding: float token ids [B, T] -> [B, T, outputDim] (ids are cast to int32 and gathered). */
import * as tf from '@tensorflow/tfjs-core';
import type { EmbeddingConfig, LayerNode } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable } from '../module';
import { createVariable, Initializer } from './init';

/** Standard deviation of the initial embeddings (GPT-2 convention). */
export const EMBEDDING_INIT_STD = 0.02;

/** Whether the active backend can back-propagate through tf.gather. */
function gatherHasGradient(): boolean {
  return tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined;
}

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
    if (gatherHasGradient()) return tf.gather(this.embeddings.variable, ids);
    // The gradient of gather needs UnsortedSegmentSum, which the wasm backend lacks: use a one-hot
    // matmul there (B·T·V·D multiply-adds; fine for the small vocabularies such backends train).
    const { inputDim, outputDim } = this.config;
    const oneHot = tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, inputDim);
    const y = tf.matMul(oneHot, this.embeddings.variable as tf.Tensor2D);
    return tf.reshape(y, [...ids.shape, outputDim]);
  }

  trainable(): NamedVariable[] {
    return [this.embeddings];
  }
}
