/**
 * The contract of a fused optimizer update, a tfjs kernel a backend may register (trainer/backend/webgpu-optimizer.ts
 * does for WebGPU): inputs w, g, the slots (m; m and v) and the clip scale, outputs the new weight and slots, with
 * exactly the formulas of the op-by-op update in optimizers.ts. Where no backend registers it, nothing changes.
 */
import * as tf from '@tensorflow/tfjs-core';

export const OPTIMIZER_UPDATE = 'DynaxxOptimizerUpdate';

/** Attributes of one update; `kind` picks the slots: sgd none, momentum [m], adam [m, v]. */
export interface OptimizerUpdateAttrs {
  kind: 'sgd' | 'momentum' | 'adam';
  lr: number;
  /** momentum μ, or Adam's β1 */
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Adam's bias corrections 1−β1^t and 1−β2^t */
  c1: number;
  c2: number;
  weightDecay: number;
  /** AdamW: decay applied to the weight, not folded into the gradient */
  decoupled: boolean;
}

/** Whether the active backend has the fused update. */
export function hasFusedUpdate(): boolean {
  return tf.getKernel(OPTIMIZER_UPDATE, tf.getBackend()) !== undefined;
}
