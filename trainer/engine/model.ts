/**
 * A sequential model: one module per top-level LayerNode, built deterministically from a seed.
 * Variables are created on the current tfjs backend at construction; dispose() frees them.
 * The model computes logits: a final softmax (every Keras classifier ends with one) is left out, because every
 * loss, metric and confidence in the trainer takes logits (see `withoutFinalSoftmax`).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradient functions by itself (the @tensorflow/tfjs union package does);
// without this, tf.variableGrads fails with "gradient function not found for Sum".
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LayerNode } from '../../spec/types';
import type { ForwardContext, Module, NamedVariable } from './module';
import { callModule } from './layers/call';
import { createModule } from './layers/index';
import { Initializer } from './layers/init';

export class SequentialModel {
  readonly modules: Module[];

  constructor(readonly layers: LayerNode[], readonly seed: number) {
    const init = new Initializer(seed);
    this.modules = withoutFinalSoftmax(layers).map((node) => createModule(node, init));
  }

  /**
   * x: [B, ...inputShape] -> [B, ...outputShape]. Call inside tf.tidy / tf.variableGrads.
   * When ctx.activations is set, every module (children included) stores its output there under
   * its id, tf.keep'd: the caller disposes those tensors. BatchNorm pushes kept moving-statistics
   * values to ctx.stateUpdates: the caller assigns, then disposes them.
   */
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let h = x;
    for (const m of this.modules) h = callModule(m, h, ctx);
    return h;
  }

  trainable(): NamedVariable[] {
    return this.modules.flatMap((m) => m.trainable());
  }

  state(): NamedVariable[] {
    return this.modules.flatMap((m) => m.state());
  }

  /** Every module, depth-first pre-order (a container before its children). Iterative. */
  allModules(): Module[] {
    const out: Module[] = [];
    const stack = [...this.modules].reverse();
    while (stack.length > 0) {
      const m = stack.pop()!;
      out.push(m);
      const kids = m.children();
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  dispose(): void {
    for (const m of this.modules) m.dispose();
  }
}

/**
 * The layers as the trainer runs them: a final `activation: softmax` (on a dense or conv2d layer, or a standalone
 * activation layer) becomes linear, so the output is the logits. The softmax cross-entropy then equals the
 * cross-entropy of the file's probabilities, computed stably; applying log-softmax to probabilities (a softmax
 * twice) would train a different, worse model. Argmax, so accuracy, is unchanged; exports keep the file's layers.
 */
export function withoutFinalSoftmax(layers: LayerNode[]): LayerNode[] {
  const last = layers[layers.length - 1];
  if (!last || !hasSoftmax(last)) return layers;
  const linear = { ...last, config: { ...(last.config as object), activation: 'linear' } } as LayerNode;
  return [...layers.slice(0, -1), linear];
}

/** Whether a node ends in a softmax over its last axis. */
export function hasSoftmax(node: LayerNode): boolean {
  if (node.type !== 'dense' && node.type !== 'conv2d' && node.type !== 'activation') return false;
  return (node.config as { activation?: string }).activation === 'softmax';
}
