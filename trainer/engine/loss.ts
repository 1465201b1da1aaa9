/** Losses and metrics over the task slices of the logits (one slice per task, consecutive). */
import * as tf from '@tensorflow/tfjs-core';

export interface TaskSlice { name: string; classes: number }

/**
 * Mean softmax cross-entropy summed over tasks. `logits` [B, sum(classes)], `labels` int32 [B, tasks].
 * Returns a scalar. Written with logSoftmax so that it is stable for large logits.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskSlice[]): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor | undefined;
    let offset = 0;
    tasks.forEach((t, i) => {
      const l = tasks.length === 1 ? logits : tf.slice(logits, [0, offset], [-1, t.classes]);
      const y = tf.reshape(tasks.length === 1 ? labels : tf.slice(labels, [0, i], [-1, 1]), [-1]);
      const logp = tf.logSoftmax(l as tf.Tensor2D);
      const nll = tf.mean(tf.neg(tf.sum(tf.mul(logp, tf.oneHot(y as tf.Tensor1D, t.classes)), 1)));
      total = total ? tf.add(total, nll) : nll;
      offset += t.classes;
    });
    return total as tf.Scalar;
  });
}

/** Number of correct predictions per task: int32-valued float tensor [tasks]. */
export function correctCounts(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskSlice[]): tf.Tensor1D {
  return tf.tidy(() => {
    let offset = 0;
    const counts = tasks.map((t, i) => {
      const l = tasks.length === 1 ? logits : tf.slice(logits, [0, offset], [-1, t.classes]);
      const y = tf.reshape(tf.slice(labels, [0, i], [-1, 1]), [-1]);
      offset += t.classes;
      return tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), y), 'float32'));
    });
    return tf.stack(counts) as tf.Tensor1D;
  });
}

/** Global L2 norm of a set of gradients, as a scalar tensor (no host read). */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * Scales gradients so that their global norm is at most `clipNorm` (a no-op when below). Stays on
 * the device: the scale is min(1, clip/norm) as a tensor, no host read.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, clipNorm: number, norm: tf.Scalar): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  const scale = tf.tidy(() => tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipNorm), tf.add(norm, 1e-6))));
  for (const [k, g] of grads) out.set(k, tf.mul(g, scale));
  scale.dispose();
  return out;
}
