/** Running one module inside a container (the model, a residual block, a transformer block). */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext, Module } from '../module';

/**
 * Runs `module.forward` in its own tf.tidy (its intermediates are freed as soon as it returns;
 * tensors saved for the backward pass are kept by the tape) and, when `ctx.activations` is set,
 * records the output there under the module id with tf.keep. The caller of the forward pass owns
 * and disposes every recorded tensor. A module that returns its input unchanged is recorded as a
 * clone (no copy, shared data), so every entry is safe to dispose.
 */
export function callModule(module: Module, x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
  const y = tf.tidy(() => {
    const out = module.forward(x, ctx);
    return ctx.transformOutput !== undefined ? ctx.transformOutput(module.id, out) : out;
  });
  if (ctx.activations !== undefined) {
    ctx.activations.get(module.id)?.dispose();
    ctx.activations.set(module.id, tf.keep(y === x ? tf.clone(y) : y));
  }
  return y;
}
