/**
 * The tensor math of emergent modularity, as small pure functions (call inside tf.tidy):
 * - assignments: one-hot [units, k] matrices from cluster labels;
 * - masks: m_k = sigmoid(θ_k / T) per subnetwork, a unit's mask is its subnetwork's;
 * - modularity loss: Σ over connections of Σ_ij X_ij·|W|_ij, X_ij = 1 when units i and j are in different
 *   subnetworks (the L1 magnitude of cross-subnetwork weights; per-entry strength = the loss weight);
 * - diversity loss: mean over pairs of distinct non-empty subnetworks of cos², the cosine between their
 *   batch activation profiles (mean |activation| of their units per sample, centred over the batch);
 * - mask cost: Σ_k m_k · share_k (share = the subnetwork's part of the masked units).
 */
import * as tf from '@tensorflow/tfjs-core';

/** One-hot [labels.length, k]; a label of −1 (or ≥ k) gives a row of zeros. */
export function assignmentMatrix(labels: Int32Array, k: number): tf.Tensor2D {
  const data = new Float32Array(labels.length * k);
  labels.forEach((l, i) => {
    if (l >= 0 && l < k) data[i * k + l] = 1;
  });
  return tf.tensor2d(data, [labels.length, k]);
}

/** m = sigmoid(θ / T). */
export function subnetworkMasks(theta: tf.Tensor, temperature: number): tf.Tensor1D {
  return tf.sigmoid(tf.div(theta, temperature)) as tf.Tensor1D;
}

/** Each unit's mask, A·m: [units]. */
export function unitMask(assign: tf.Tensor2D, masks: tf.Tensor1D): tf.Tensor1D {
  return tf.reshape(tf.matMul(assign, tf.reshape(masks, [-1, 1])), [-1]) as tf.Tensor1D;
}

/** X = 1 − A_from·A_toᵀ: 1 between units of different subnetworks (and for unassigned units). */
export function crossIndicator(aFrom: tf.Tensor2D, aTo: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(1, tf.matMul(aFrom, aTo, false, true)) as tf.Tensor2D;
}

/**
 * |W| summed to [from units, to units]: a dense kernel [in, out] whose rows are the units themselves
 * (positions = 1) or (h·W + w)·C + c after a flatten (positions = H·W); a conv kernel [kh, kw, in, out].
 */
export function unitWeightMass(kernel: tf.Tensor, positions: number): tf.Tensor2D {
  const abs = tf.abs(kernel);
  if (kernel.rank === 4) return tf.sum(abs, [0, 1]) as tf.Tensor2D;
  if (positions === 1) return abs as tf.Tensor2D;
  const [rows, out] = kernel.shape as [number, number];
  return tf.sum(tf.reshape(abs, [positions, rows / positions, out]), 0) as tf.Tensor2D;
}

/** Σ X ⊙ |W| over the given connections. */
export function modularityLoss(pairs: Array<{ kernel: tf.Tensor; positions: number; cross: tf.Tensor2D }>): tf.Scalar {
  return tf.addN(pairs.map((p) => tf.sum(tf.mul(p.cross, unitWeightMass(p.kernel, p.positions))))) as tf.Scalar;
}

/** Mean |activation| per sample and unit: [B, units] from [B, units] or [B, ..., units]. */
export function unitActivity(y: tf.Tensor): tf.Tensor2D {
  const abs = tf.abs(y);
  if (y.rank === 2) return abs as tf.Tensor2D;
  const units = y.shape[y.rank - 1]!;
  return tf.mean(tf.reshape(abs, [y.shape[0]!, -1, units]), 1) as tf.Tensor2D;
}

/**
 * Cosine similarities [k, k] of the subnetworks' activation profiles, and the diversity loss: the mean of
 * cos² over the pairs `valid` marks (1 for distinct, both non-empty subnetworks; 0 elsewhere, diagonal
 * included). `assignNorm` is the assignment matrix with each column divided by its subnetwork's size.
 */
export function diversity(activity: tf.Tensor2D, assignNorm: tf.Tensor2D, valid: tf.Tensor2D): { loss: tf.Scalar; cos: tf.Tensor2D } {
  const profile = tf.matMul(activity, assignNorm); // [B, k]
  const centred = tf.sub(profile, tf.mean(profile, 0, true));
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(centred), 0, true), 1e-12));
  const unit = tf.div(centred, norm);
  const cos = tf.matMul(unit, unit, true, false) as tf.Tensor2D;
  const pairs = tf.sum(valid);
  const loss = tf.div(tf.sum(tf.mul(tf.square(cos), valid)), tf.maximum(pairs, 1)) as tf.Scalar;
  return { loss, cos };
}

/** Σ_k m_k · share_k. */
export function maskCost(masks: tf.Tensor1D, share: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.mul(masks, share)) as tf.Scalar;
}

/** T at `progress` ∈ [0, 1] of the mask phase: geometric from `t0` to `t1`. */
export function temperatureAt(t0: number, t1: number, progress: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return t0 * Math.pow(t1 / t0, p);
}
