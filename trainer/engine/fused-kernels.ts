/**
 * Contracts of fused kernels a backend may register with tfjs (trainer/backend/webgpu-*.ts do for WebGPU), each the
 * one-dispatch form of a few tfjs ops the engine runs every step. Where no backend registers one, the engine runs the
 * ops, with the same formulas (tests hold the two equal).
 * - OPTIMIZER_UPDATE: inputs w, g, the slots (m; m and v) and the clip scale; outputs the new weight and slots.
 * - SUM_SQUARES: inputs x0…x(k−1), any number; output [k], the sum of squares of each.
 * - SOFTMAX_XENT: inputs logits [N, C] and int32 labels [N]; outputs the negative log-likelihood [N] and the
 *   log-sum-exp [N] of each row (a label outside 0…C−1 counts 0, as a one-hot of it would).
 * - SOFTMAX_XENT_GRAD: inputs logits, labels, lse (from SOFTMAX_XENT) and dy [N]; output ∂/∂logits [N, C] =
 *   (softmax − one-hot)·dy (0 on a row whose label is out of range).
 * - DENSE_TRAIN: inputs a [M, K], b [K, N], bias [N] (optional); attrs { activation: 'relu' | 'linear' }; output
 *   act(a·b + bias). The engine's gradient (layers/fused-train.ts) needs RELU_GRAD beside it.
 * - CONV2D_TRAIN: inputs x (NHWC), filter, bias [Cout] (optional); attrs strides, pad and activation ('relu' | 'linear');
 *   output act(conv2d(x, filter) + bias).
 * - RELU_GRAD: inputs dy and y (a relu's output, same shape); output dy where y > 0, else 0.
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

export const SUM_SQUARES = 'DynaxxSumSquares';
export const SOFTMAX_XENT = 'DynaxxSoftmaxXent';
export const SOFTMAX_XENT_GRAD = 'DynaxxSoftmaxXentGrad';

export const DENSE_TRAIN = 'DynaxxDenseTrain';
export const CONV2D_TRAIN = 'DynaxxConv2DTrain';
export const RELU_GRAD = 'DynaxxReluGrad';

/** Whether the active backend has the fused kernel `name`. */
export function hasFused(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
