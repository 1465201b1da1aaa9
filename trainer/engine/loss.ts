/**
 * Losses and metrics over the task slices of the logits (one slice per task, consecutive). A task
 * with `positions` P (data/positions.ts) owns P·classes logits and P label columns: it is scored at
 * each of its B·P positions. The logits are read as [B, -1], so a model emitting [B, T, V] fits a
 * task with P = T and V classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { positionsOf } from '../data/positions';
import { hasFused, SOFTMAX_XENT, SOFTMAX_XENT_GRAD, SUM_SQUARES } from './fused-kernels';

export interface TaskSlice {
  name: string;
  classes: number;
  /** Label columns (positions) of the task; default 1. */
  positions?: number;
}

/**
 * Each task's logits as [B·P, classes] and labels as [B·P] (row b·P + p: sample b, position p).
 * `logits` [B, ...] with Σ classes·positions values per sample, `labels` int32 [B, Σ positions].
 * Call inside tf.tidy.
 */
function taskViews(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskSlice[]): Array<{ l: tf.Tensor2D; y: tf.Tensor1D; classes: number }> {
  const flat = logits.rank === 2 ? logits : tf.reshape(logits, [logits.shape[0]!, -1]);
  if (tasks.length === 1 && positionsOf(tasks[0]!) === 1) {
    return [{ l: flat as tf.Tensor2D, y: tf.reshape(labels, [-1]) as tf.Tensor1D, classes: tasks[0]!.classes }];
  }
  let offset = 0;
  let col = 0;
  return tasks.map((t) => {
    const p = positionsOf(t);
    const l = tf.reshape(tf.slice(flat, [0, offset], [-1, p * t.classes]), [-1, t.classes]) as tf.Tensor2D;
    const y = tf.reshape(tf.slice(labels, [0, col], [-1, p]), [-1]) as tf.Tensor1D;
    offset += p * t.classes;
    col += p;
    return { l, y, classes: t.classes };
  });
}

/**
 * Softmax cross-entropy summed over tasks; each task's is the mean over its B·P positions (per
 * token for a sequence task, so it compares across context lengths). `logits` [B, ...] holding
 * Σ classes·positions values per sample, `labels` int32 [B, Σ positions]. Returns a scalar.
 * Written with logSoftmax so that it is stable for large logits.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskSlice[]): tf.Scalar {
  return tf.tidy(() => {
    const fused = hasFused(SOFTMAX_XENT);
    const nlls = taskViews(logits, labels, tasks).map(({ l, y, classes }) =>
      tf.mean(fused ? fusedXent(l, y) : tf.neg(tf.sum(tf.mul(tf.logSoftmax(l), tf.oneHot(y, classes)), 1))));
    return (nlls.length === 1 ? nlls[0]! : tf.addN(nlls)) as tf.Scalar;
  });
}

/**
 * Per-row softmax cross-entropy [N] by the backend's fused kernels (fused-kernels.ts): one dispatch forward, one
 * backward, instead of about a dozen each; the same values and gradient as the logSoftmax form above.
 */
function fusedXent(l: tf.Tensor2D, y: tf.Tensor1D): tf.Tensor1D {
  const f = tf.customGrad(((logits: tf.Tensor, save: tf.GradSaveFunc) => {
    const [nll, lse] = tf.engine().runKernel(SOFTMAX_XENT, { logits, labels: y }) as tf.Tensor[];
    save([logits, lse!]);
    return {
      value: nll!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(SOFTMAX_XENT_GRAD, { logits: saved[0]!, labels: y, lse: saved[1]!, dy }) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(l) as tf.Tensor1D;
}

/** Correct predictions per task, counted over every position (B·P per task): int-valued float tensor [tasks]. */
export function correctCounts(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskSlice[]): tf.Tensor1D {
  return tf.tidy(() => {
    const counts = taskViews(logits, labels, tasks).map(({ l, y }) => tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), y), 'float32')));
    return tf.stack(counts) as tf.Tensor1D;
  });
}

/**
 * Global L2 norm of a set of gradients, as a scalar tensor (no host read). Where the backend has the fused sum of
 * squares (engine/fused-kernels.ts) it is a few dispatches for all gradients, otherwise two ops per gradient.
 */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (grads.length > 0 && hasFused(SUM_SQUARES)) {
      const squares = tf.engine().runKernel(SUM_SQUARES, Object.fromEntries(grads.map((g, i) => [`x${i}`, g]))) as tf.Tensor;
      return tf.sqrt(tf.sum(squares)) as tf.Scalar;
    }
    return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  });
}

/**
 * The factor min(1, clip/norm) that scales every gradient so that their global norm is at most `clipNorm` (a no-op
 * when below); the optimizer folds it into its update. Stays on the device: no host read.
 */
export function clipScale(norm: tf.Scalar, clipNorm: number): tf.Scalar {
  return tf.tidy(() => tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipNorm), tf.add(norm, 1e-6))));
}
