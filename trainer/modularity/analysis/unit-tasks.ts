/**
 * Which task each unit serves: per task t, the attribution of a unit is the mean over samples (and
 * spatial positions) of |a · ∂L_t/∂a|, with L_t the cross-entropy of task t alone and a the unit's
 * output. Computed with a ones "probe" multiplied into the layer output through transformOutput: the
 * gradient with respect to the probe is exactly a · ∂L_t/∂a, per sample and position.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed } from '../../data/rng';
import type { Split, TaskInfo } from '../../data/types';
import type { ForwardContext } from '../../engine/module';
import { checkAllApplied, maskTransform, uploadMasks } from './masked-eval';
import { subsampleSplit } from './subsample';
import type { ContextExtras, ForwardNet, UnitMasks } from './types';

export interface UnitTaskOptions {
  /** Use at most this many samples of the split, a seeded subset (default 1024). */
  maxSamples?: number;
  seed?: number;
  /** Samples per forward/backward pass (default 256). */
  batchSize?: number;
  /** Masks applied before the probes (a masked unit gets zero attribution). */
  masks?: UnitMasks;
  /** Forward-context extras passed through to the model (its transformOutput runs first). */
  context?: ContextExtras;
}

/**
 * For each listed layer, a Float32Array units × tasks (row-major): mean over samples and spatial positions
 * of |a · ∂L_t/∂a|, L_t the per-sample cross-entropy of task t. One host read at the end.
 */
export async function unitTaskAttribution(
  net: ForwardNet,
  split: Split,
  tasks: TaskInfo[],
  sampleShape: number[],
  layerIds: string[],
  opts: UnitTaskOptions = {},
): Promise<Map<string, Float32Array>> {
  const T = tasks.length;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const data = subsampleSplit(split, size, T, opts.maxSamples ?? 1024, deriveSeed(opts.seed ?? 0, 'unit-tasks'));
  const out = new Map<string, Float32Array>();
  if (layerIds.length === 0 || data.n === 0) {
    for (const id of layerIds) out.set(id, new Float32Array(0));
    return out;
  }
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 256));
  const masks = uploadMasks(opts.masks);
  const seen = new Set<string>();
  const before = maskTransform(masks, opts.context?.transformOutput, seen);
  const contextFor = (transform: ForwardContext['transformOutput']): ForwardContext => ({
    ...opts.context,
    training: false,
    step: opts.context?.step ?? 0,
    transformOutput: transform,
  });
  let sums: tf.Tensor[] = [];
  try {
    const shapes = perSampleShapes(net, data, sampleShape, layerIds, contextFor(before));
    checkAllApplied(masks, seen);
    sums = shapes.map((s) => tf.zeros([s[s.length - 1], T]));
    for (let i = 0; i < data.n; i += batchSize) {
      const n = Math.min(batchSize, data.n - i);
      const next = tf.tidy(() => {
        const xs = tf.tensor(data.x.subarray(i * size, (i + n) * size), [n, ...sampleShape]);
        const ys = tf.tensor(data.y.subarray(i * T, (i + n) * T), [n, T], 'int32');
        const probes = shapes.map((s) => tf.ones([n, ...s]));
        const perTask = tasks.map((_, t) => {
          const grads = tf.grads((...p: tf.Tensor[]) => {
            const index = new Map(layerIds.map((id, j) => [id, p[j]]));
            const ctx = contextFor((id, y) => {
              const out = before !== undefined ? before(id, y) : y;
              const probe = index.get(id);
              return probe !== undefined ? tf.mul(out, probe) : out;
            });
            return taskLossSum(net.forward(xs, ctx), ys, tasks, t);
          })(probes);
          // |a·∂L_t/∂a| summed over the batch and spatial axes: [units] per layer
          return grads.map((g) => tf.sum(tf.reshape(tf.abs(g), [-1, g.shape[g.shape.length - 1]]), 0));
        });
        return shapes.map((_, j) => tf.add(sums[j], tf.stack(perTask.map((g) => g[j]), 1)));
      });
      tf.dispose(sums);
      sums = next;
    }
    const packed = tf.tidy(() => tf.concat(sums.map((s) => tf.reshape(s, [-1]))));
    const v = (await packed.data()) as Float32Array;
    packed.dispose();
    let offset = 0;
    layerIds.forEach((id, j) => {
      const s = shapes[j];
      const positions = s.slice(0, -1).reduce((a, b) => a * b, 1);
      const len = s[s.length - 1] * T;
      const a = v.slice(offset, offset + len);
      for (let q = 0; q < len; q++) a[q] /= data.n * positions;
      out.set(id, a);
      offset += len;
    });
    return out;
  } finally {
    tf.dispose(sums);
    for (const m of masks.values()) m.dispose();
  }
}

/**
 * The task each unit serves most (argmax of its attribution row); -1 when the unit's total attribution
 * is at most `threshold` (default 1e-3) times the largest unit total of the layer, or zero.
 */
export function dominantTask(attribution: Float32Array, tasks: number | ReadonlyArray<TaskInfo>, opts: { threshold?: number } = {}): Int32Array {
  const T = typeof tasks === 'number' ? tasks : tasks.length;
  if (T <= 0 || attribution.length % T !== 0) throw new Error(`attribution of length ${attribution.length} is not units × ${T} tasks`);
  const units = attribution.length / T;
  const totals = new Float64Array(units);
  for (let u = 0; u < units; u++) for (let t = 0; t < T; t++) totals[u] += attribution[u * T + t];
  const floor = (opts.threshold ?? 1e-3) * totals.reduce((m, v) => Math.max(m, v), 0);
  const out = new Int32Array(units).fill(-1);
  for (let u = 0; u < units; u++) {
    if (!(totals[u] > floor) || totals[u] === 0) continue;
    let best = 0;
    for (let t = 1; t < T; t++) if (attribution[u * T + t] > attribution[u * T + best]) best = t;
    out[u] = best;
  }
  return out;
}

/** Output shape without the batch axis of each listed layer, from one forward pass on one sample. */
function perSampleShapes(net: ForwardNet, data: Split, sampleShape: number[], layerIds: string[], base: ForwardContext): number[][] {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const found = new Map<string, number[]>();
  tf.tidy(() => {
    const ctx: ForwardContext = {
      ...base,
      transformOutput: (id, y) => {
        const out = base.transformOutput !== undefined ? base.transformOutput(id, y) : y;
        if (!found.has(id)) found.set(id, out.shape.slice(1));
        return out;
      },
    };
    net.forward(tf.tensor(data.x.subarray(0, size), [1, ...sampleShape]), ctx);
  });
  const missing = layerIds.filter((id) => !found.has(id));
  if (missing.length > 0) throw new Error(`unit-task attribution: the model has no layer ${missing.map((m) => `'${m}'`).join(', ')}`);
  return layerIds.map((id) => {
    const s = found.get(id)!;
    if (s.length === 0) throw new Error(`unit-task attribution: layer '${id}' outputs a scalar per sample; it has no units`);
    return s;
  });
}

/** Cross-entropy of task t alone, summed over the batch (so per-sample gradients are not scaled by 1/B). */
function taskLossSum(logits: tf.Tensor, labels: tf.Tensor, tasks: TaskInfo[], t: number): tf.Scalar {
  const offset = tasks.slice(0, t).reduce((a, x) => a + x.classes, 0);
  const classes = tasks[t].classes;
  const l = tasks.length === 1 ? logits : tf.slice(logits, [0, offset], [-1, classes]);
  const y = tf.reshape(tf.slice(labels, [0, t], [-1, 1]), [-1]) as tf.Tensor1D;
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(l as tf.Tensor2D), tf.oneHot(y, classes)))) as tf.Scalar;
}
