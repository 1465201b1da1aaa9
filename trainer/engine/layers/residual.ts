/**
 * y = x + scale·body(x), or x + scale·α·body(x) when the forward context provides a residual factor α
 * (the stabilizer's residual scaling). The block owns its body's modules; children() returns them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, ResidualConfig } from '../../../spec/types';
import { ForwardContext, Module, NamedVariable, scaleBranch } from '../module';
import { callModule } from './call';
import type { Initializer } from './init';
import type { ModuleFactory } from './factory';

export class Residual extends Module {
  readonly config: ResidualConfig;
  readonly body: Module[];

  /** `build` is the registry's createModule (passed in, so this file does not import the registry). */
  constructor(node: LayerNode<'residual'>, init: Initializer, build: ModuleFactory) {
    super(node);
    this.config = node.config;
    this.body = (node.body ?? []).map((child) => build(child, init));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let h = x;
    for (const m of this.body) h = callModule(m, h, ctx);
    const { scale } = this.config;
    // The body always runs (even at scale 0) so its variables keep a (zero) gradient and its
    // activations are recorded; the multiply is skipped for the common scale 1.
    const alpha = ctx.residualScale?.(this.id, 'body');
    if (alpha === undefined) return tf.add(x, scale === 1 ? h : tf.mul(h, scale));
    return tf.add(x, scaleBranch(scale === 1 ? h : tf.mul(h, scale), alpha));
  }

  trainable(): NamedVariable[] {
    return this.body.flatMap((m) => m.trainable());
  }

  state(): NamedVariable[] {
    return this.body.flatMap((m) => m.state());
  }

  children(): Module[] {
    return this.body;
  }

  /** The variables are the body's: dispose each child once. */
  dispose(): void {
    for (const m of this.body) m.dispose();
  }
}
