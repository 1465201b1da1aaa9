/**
 * The shapes the analyses share: a partition of units into subnetworks, per-unit masks, and what a
 * (masked) evaluation reports. Units are the last axis of a layer's output (dense units, conv2d filters).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../../engine/module';

/** A partition of the units of some layers into subnetworks 0..k-1; label -1 = not in any (never ablated). */
export interface Partition {
  k: number;
  layers: Array<{ layerId: string; labels: Int32Array }>;
}

/** Per-unit multiplicative masks by layer id (missing layer = all ones). */
export type UnitMasks = Map<string, Float32Array>;

/** Anything with the model's forward pass (SequentialModel, or a test double). */
export interface ForwardNet {
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

/**
 * Extra forward-context fields an analysis passes through to the model (residual factors, a step for
 * seeded layers, an outer `transformOutput` applied before the analysis' own masks). `training` is
 * always false and `activations`/`stateUpdates` are never set by an analysis.
 */
export type ContextExtras = Partial<Omit<ForwardContext, 'training' | 'activations' | 'stateUpdates'>>;

/** Loss and accuracies of a model on a split. Accuracies are fractions in [0, 1]. */
export interface EvalResult {
  /** Mean cross-entropy summed over tasks, as the training loop reports it. */
  loss: number;
  /** Per task. */
  accuracy: number[];
  /** Per task, per class: accuracy on the samples of that class; NaN for a class absent from the split. */
  classAccuracy: number[][];
  /** Samples evaluated. */
  n: number;
}
