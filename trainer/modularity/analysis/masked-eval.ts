/**
 * Evaluation with some units switched off: per-unit masks multiply a layer's output on its last axis
 * through the engine's `transformOutput` seam. Batched under tf.tidy, one host read at the end.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Split, TaskInfo } from '../../data/types';
import { correctCounts, crossEntropy } from '../../engine/loss';
import type { ForwardContext } from '../../engine/module';
import type { ContextExtras, EvalResult, ForwardNet, Partition, UnitMasks } from './types';

export interface MaskedEvalOptions {
  /** Samples per forward pass (default 512). */
  batchSize?: number;
  /** Forward-context extras passed through to the model (its own transformOutput runs before the masks). */
  context?: ContextExtras;
}

/** Loss, per-task and per-class accuracy of `net` on `split` with `masks` applied (none = the plain model). */
export async function evaluateMasked(
  net: ForwardNet,
  split: Split,
  tasks: TaskInfo[],
  sampleShape: number[],
  masks?: UnitMasks,
  opts: MaskedEvalOptions = {},
): Promise<EvalResult> {
  const T = tasks.length;
  const totalClasses = tasks.reduce((a, t) => a + t.classes, 0);
  if (split.n === 0) {
    return { loss: NaN, accuracy: tasks.map(() => NaN), classAccuracy: tasks.map((t) => new Array<number>(t.classes).fill(NaN)), n: 0 };
  }
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 512));
  const uploaded = uploadMasks(masks);
  const seen = new Set<string>();
  const ctx: ForwardContext = {
    ...opts.context,
    training: false,
    step: opts.context?.step ?? 0,
    transformOutput: maskTransform(uploaded, opts.context?.transformOutput, seen),
  };
  // [loss·n, correct per task, correct per (task, class)], summed over batches on the device
  let acc: tf.Tensor = tf.zeros([1 + T + totalClasses]);
  try {
    for (let i = 0; i < split.n; i += batchSize) {
      const n = Math.min(batchSize, split.n - i);
      const next = tf.tidy(() => {
        const xs = tf.tensor(split.x.subarray(i * size, (i + n) * size), [n, ...sampleShape]);
        const ys = tf.tensor(split.y.subarray(i * T, (i + n) * T), [n, T], 'int32');
        const logits = net.forward(xs, ctx);
        return tf.add(acc, tf.concat([
          tf.reshape(tf.mul(crossEntropy(logits, ys, tasks), n), [1]),
          correctCounts(logits, ys, tasks),
          classCorrect(logits, ys, tasks),
        ]));
      });
      acc.dispose();
      acc = next;
      if (i === 0) checkAllApplied(uploaded, seen);
    }
    const v = await acc.data();
    return toResult(v, split, tasks);
  } finally {
    acc.dispose();
    for (const m of uploaded.values()) m.dispose();
  }
}

/**
 * `base` (default: all ones) with the units of the ablated subnetworks set to 0. Units labelled -1 are
 * never ablated. Layers of `base` that the partition does not name are copied as they are; a layer
 * with nothing ablated and no base mask gets no entry (all ones). `base` is not modified.
 */
export function masksWithout(partition: Partition, ablate: ReadonlySet<number>, base?: UnitMasks): UnitMasks {
  const out: UnitMasks = new Map();
  for (const [id, m] of base ?? []) out.set(id, Float32Array.from(m));
  for (const { layerId, labels } of partition.layers) {
    let m = out.get(layerId);
    if (m !== undefined && m.length !== labels.length) {
      throw new Error(`base mask of layer '${layerId}' has ${m.length} units but the partition labels ${labels.length}`);
    }
    for (let u = 0; u < labels.length; u++) {
      const l = labels[u];
      if (l < -1 || l >= partition.k || !Number.isInteger(l)) {
        throw new Error(`partition label ${l} of unit ${u} in layer '${layerId}' is not -1 or a subnetwork in 0..${partition.k - 1}`);
      }
      if (l < 0 || !ablate.has(l)) continue;
      if (m === undefined) {
        m = new Float32Array(labels.length).fill(1);
        out.set(layerId, m);
      }
      m[u] = 0;
    }
  }
  return out;
}

/** Masks keeping only the subnetworks in `keep` (and the unassigned units): every other one is ablated. */
export function masksKeeping(partition: Partition, keep: ReadonlySet<number>, base?: UnitMasks): UnitMasks {
  const ablate = new Set<number>();
  for (let k = 0; k < partition.k; k++) if (!keep.has(k)) ablate.add(k);
  return masksWithout(partition, ablate, base);
}

/** The units of each subnetwork, over all layers of the partition. */
export function subnetworkSizes(partition: Partition): number[] {
  const sizes = new Array<number>(partition.k).fill(0);
  for (const { labels } of partition.layers) for (const l of labels) if (l >= 0 && l < partition.k) sizes[l]++;
  return sizes;
}

/** Host masks as kept 1-D tensors (the caller disposes them). */
export function uploadMasks(masks: UnitMasks | undefined): Map<string, tf.Tensor1D> {
  const out = new Map<string, tf.Tensor1D>();
  for (const [id, m] of masks ?? []) out.set(id, tf.tensor1d(m));
  return out;
}

/**
 * A transformOutput that runs `outer` first, then multiplies the output of every masked layer by its
 * mask on the last axis. Records the ids it saw in `seen`. Undefined when there is nothing to do.
 */
export function maskTransform(
  masks: Map<string, tf.Tensor1D>,
  outer: ForwardContext['transformOutput'],
  seen: Set<string>,
): ForwardContext['transformOutput'] {
  if (masks.size === 0) return outer;
  return (layerId, y) => {
    seen.add(layerId);
    const out = outer !== undefined ? outer(layerId, y) : y;
    const m = masks.get(layerId);
    if (m === undefined) return out;
    const units = out.shape[out.shape.length - 1];
    if (units !== m.size) throw new Error(`mask of layer '${layerId}' has ${m.size} units but the layer outputs ${units} on its last axis`);
    return tf.mul(out, m);
  };
}

/** Throws when a mask names a layer the forward pass never ran (a typo would silently mask nothing). */
export function checkAllApplied(masks: Map<string, unknown>, seen: Set<string>): void {
  const missing = [...masks.keys()].filter((id) => !seen.has(id));
  if (missing.length > 0) throw new Error(`masks name layers the model does not have: ${missing.join(', ')}`);
}

/** Correct predictions per (task, class), concatenated over tasks: [sum(classes)]. */
function classCorrect(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskInfo[]): tf.Tensor1D {
  return tf.tidy(() => {
    let offset = 0;
    const parts = tasks.map((t, i) => {
      const l = tasks.length === 1 ? logits : tf.slice(logits, [0, offset], [-1, t.classes]);
      const y = tf.reshape(tf.slice(labels, [0, i], [-1, 1]), [-1]) as tf.Tensor1D;
      offset += t.classes;
      const hit = tf.cast(tf.equal(tf.argMax(l, 1), y), 'float32');
      return tf.sum(tf.mul(tf.oneHot(y, t.classes), tf.reshape(hit, [-1, 1])), 0);
    });
    return tf.concat(parts) as tf.Tensor1D;
  });
}

function toResult(v: ArrayLike<number>, split: Split, tasks: TaskInfo[]): EvalResult {
  const T = tasks.length;
  const accuracy = tasks.map((_, t) => v[1 + t] / split.n);
  let offset = 1 + T;
  const classAccuracy = tasks.map((task, t) => {
    const count = new Array<number>(task.classes).fill(0);
    for (let i = 0; i < split.n; i++) {
      const c = split.y[i * T + t];
      if (c >= 0 && c < task.classes) count[c]++;
    }
    const row = count.map((n, c) => (n > 0 ? v[offset + c] / n : NaN));
    offset += task.classes;
    return row;
  });
  return { loss: v[0] / split.n, accuracy, classAccuracy, n: split.n };
}
