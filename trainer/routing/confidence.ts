/**
 * Confidence routing (seed 002): a router in front of two experts, a pruned one and the full one. Every input runs
 * the pruned expert first; its own logits give a confidence signal at zero extra cost (max softmax probability, or
 * the softmax entropy in nats). Inputs whose signal is confident enough keep the pruned prediction; the others are
 * sent to the full expert, whose prediction replaces the pruned one.
 *
 * Multi-task logits are consecutive task slices (trainer/engine/loss.ts `TaskSlice`); a sample's signal is that of
 * its *least* confident task (smallest max-probability, largest entropy), and a routed sample is routed whole.
 *
 * Thresholds are in the signal's own units:
 * - `maxProb`: kept when maxProb ≥ τ, routed when maxProb < τ (share to the full expert grows with τ);
 * - `entropy`: kept when entropy ≤ τ, routed when entropy > τ (share shrinks as τ grows).
 *
 * Cost accounting (relative to one forward pass of the full expert; c_p = prunedFlops / fullFlops):
 * - `expectedCost` (the cascade, what this router does): every input pays c_p for the pruned pass that produces the
 *   signal; a routed input also pays 1 for the full pass, which re-uses nothing of the pruned one. So
 *   expectedCost = c_p + shareFull. Routing everything costs c_p + 1 > 1: the router only pays off when
 *   shareFull < 1 − c_p.
 * - `expectedCostFreeDecision` (a bound, not what runs here): as if the decision were known before any pass
 *   (an oracle or a free router), so a routed input pays only 1 and a kept one only c_p:
 *   (1 − shareFull)·c_p + shareFull.
 * No early-exit head is implemented: the only signal is the pruned expert's output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConfidenceSignal, RoutedPoint, RoutingCost } from '../../protocol/reports';
import type { TaskSlice } from '../engine/loss';

/** The signal, the costs and an operating point are stored in `reports/routing.json`: declared in protocol/reports.ts. */
export type { ConfidenceSignal, RoutedPoint, RoutingCost } from '../../protocol/reports';

/** The signals, with their direction (the router registry of the style guide, two entries). */
export const SIGNALS: Record<ConfidenceSignal, { description: string; higherIsConfident: boolean }> = {
  maxProb: { description: 'largest softmax probability of the least confident task; routed when below the threshold', higherIsConfident: true },
  entropy: { description: 'softmax entropy (nats) of the least confident task; routed when above the threshold', higherIsConfident: false },
};

/** Throws with the known names when `s` is not a signal (configuration fails loudly). */
export function checkSignal(s: string): ConfidenceSignal {
  if (!(s in SIGNALS)) throw new Error(`unknown confidence signal '${s}': expected one of ${Object.keys(SIGNALS).join(', ')}`);
  return s as ConfidenceSignal;
}

/** The slices of `logits` [B, Σ classes] per task; with no tasks, the whole row is one task. */
function taskLogits(logits: tf.Tensor, tasks?: TaskSlice[]): tf.Tensor2D[] {
  const l2 = logits.rank === 2 ? (logits as tf.Tensor2D) : tf.reshape(logits, [logits.shape[0]!, -1]) as tf.Tensor2D;
  const cols = l2.shape[1];
  if (!tasks || tasks.length <= 1) {
    if (tasks && tasks.length === 1 && tasks[0]!.classes !== cols) throw new Error(`logits have ${cols} columns, task '${tasks[0]!.name}' has ${tasks[0]!.classes} classes`);
    return [l2];
  }
  const total = tasks.reduce((a, t) => a + t.classes, 0);
  if (total !== cols) throw new Error(`logits have ${cols} columns, the tasks ${total} classes in all`);
  let offset = 0;
  return tasks.map((t) => {
    const s = tf.slice(l2, [0, offset], [-1, t.classes]);
    offset += t.classes;
    return s;
  });
}

/** Per sample: the smallest over tasks of the largest softmax probability. [B]. */
export function maxProb(logits: tf.Tensor, tasks?: TaskSlice[]): tf.Tensor1D {
  return tf.tidy(() => {
    const per = taskLogits(logits, tasks).map((l) => tf.max(tf.softmax(l), 1));
    return (per.length === 1 ? per[0]! : tf.min(tf.stack(per, 1), 1)) as tf.Tensor1D;
  });
}

/** Per sample: the largest over tasks of the softmax entropy −Σ p log p, in nats (from logSoftmax: stable). [B]. */
export function entropy(logits: tf.Tensor, tasks?: TaskSlice[]): tf.Tensor1D {
  return tf.tidy(() => {
    const per = taskLogits(logits, tasks).map((l) => {
      const logp = tf.logSoftmax(l);
      return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1));
    });
    return (per.length === 1 ? per[0]! : tf.max(tf.stack(per, 1), 1)) as tf.Tensor1D;
  });
}

/** The chosen signal per sample. [B]. */
export function confidenceSignal(logits: tf.Tensor, signal: ConfidenceSignal, tasks?: TaskSlice[]): tf.Tensor1D {
  return signal === 'maxProb' ? maxProb(logits, tasks) : entropy(logits, tasks);
}

/** Host form of the rule: does a sample with this signal value go to the full expert? */
export function routesToFull(value: number, threshold: number, signal: ConfidenceSignal): boolean {
  return SIGNALS[signal].higherIsConfident ? value < threshold : value > threshold;
}

/**
 * The router on device: a bool tensor [B], true where the sample goes to the full expert (the same rule as
 * `routesToFull`). `prunedLogits` [B, Σ classes] are the pruned expert's outputs.
 */
export function routeByConfidence(prunedLogits: tf.Tensor, threshold: number, signal: ConfidenceSignal, tasks?: TaskSlice[]): tf.Tensor1D {
  return tf.tidy(() => {
    const v = confidenceSignal(prunedLogits, signal, tasks);
    return (SIGNALS[signal].higherIsConfident ? tf.less(v, threshold) : tf.greater(v, threshold)) as tf.Tensor1D;
  });
}

export function routingCost(prunedFlops: number, fullFlops: number, routed: number, total: number): RoutingCost {
  if (!(fullFlops > 0)) throw new Error(`fullFlops must be positive, got ${fullFlops}`);
  if (!(prunedFlops >= 0)) throw new Error(`prunedFlops must be non-negative, got ${prunedFlops}`);
  if (!(total > 0) || routed < 0 || routed > total) throw new Error(`routed ${routed} of ${total} samples is not a share`);
  const prunedCost = prunedFlops / fullFlops;
  const shareFull = routed / total;
  return { prunedCost, shareFull, expectedCost: prunedCost + shareFull, expectedCostFreeDecision: (1 - shareFull) * prunedCost + shareFull };
}

/** Per-sample outcomes of both experts, host arrays of one length (what the sweep reads once). */
export interface ExpertOutcomes {
  /** The pruned expert's signal per sample. */
  signal: Float32Array;
  /** Tasks the pruned / full expert got right per sample (0..tasks). */
  prunedCorrect: Float32Array;
  fullCorrect: Float32Array;
  tasks: number;
}

/** Routes on the host by `threshold` and accounts cost and accuracy. */
export function routedPoint(o: ExpertOutcomes, threshold: number, signal: ConfidenceSignal, prunedFlops: number, fullFlops: number): RoutedPoint {
  const n = o.signal.length;
  let routed = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if (routesToFull(o.signal[i]!, threshold, signal)) {
      routed++;
      correct += o.fullCorrect[i]!;
    } else {
      correct += o.prunedCorrect[i]!;
    }
  }
  return { threshold, routed, ...routingCost(prunedFlops, fullFlops, routed, n), accuracy: correct / (n * o.tasks) };
}
