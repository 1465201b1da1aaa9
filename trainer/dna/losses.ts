/**
 * Auxiliary losses of a DNA router, all on [N, M] routing tensors (see router.ts). Call inside tf.tidy.
 * - load balance (Switch Transformer): L_bal = M · Σ_m f_m · P_m, f_m = share of the top-k choices that
 *   went to m (selected[:, m] summed, over N·k: Σ f = 1; before capacity), P_m = mean_n probs[n, m].
 *   Gradient through P only; 1 when routing is uniform.
 * - compute: mean_n Σ_m choice[n, m] · relFlops[m] (pass `choice`: forward the 0/1 dispatch, backward
 *   through the probabilities), relFlops = module FLOPs / the largest module's (identity 0).
 * - router z-loss (ST-MoE): mean_n (logsumexp_m logits[n, m])².
 */
import * as tf from '@tensorflow/tfjs-core';

export function loadBalanceLoss(probs: tf.Tensor2D, selected: tf.Tensor2D): tf.Scalar {
  const m = probs.shape[1];
  const picks = tf.sum(selected);
  const f = tf.div(tf.sum(selected, 0), tf.maximum(picks, 1)); // [M], Σ = 1
  const p = tf.mean(probs, 0); // [M]
  return tf.mul(m, tf.sum(tf.mul(f, p))) as tf.Scalar;
}

/** Relative cost of each module: flops / max flops (all 0 when every module is free). */
export function relativeFlops(flopsPerToken: number[]): number[] {
  const max = Math.max(0, ...flopsPerToken);
  return flopsPerToken.map((f) => (max > 0 ? f / max : 0));
}

export function computeLoss(choice: tf.Tensor2D, relFlops: number[]): tf.Scalar {
  const cost = tf.tensor1d(relFlops);
  return tf.mean(tf.sum(tf.mul(choice, cost), 1)) as tf.Scalar;
}

export function routerZLoss(logits: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.square(tf.logSumExp(logits, 1))) as tf.Scalar;
}
