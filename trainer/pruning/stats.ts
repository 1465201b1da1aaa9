/**
 * Calibration statistics for the pruning criteria, on `batches` batches of a split, with one host read at the end.
 * The forward pass runs in inference mode (no dropout, batchNorm on its moving statistics), so the statistics
 * describe the model that will be pruned.
 *
 * - `inputNorms` (wanda, ria), per producer: ‖X_i‖₂ of each input feature of its kernel rows over all calibration
 *   samples, and over positions for conv (per input channel) and for dense layers on [B, T, D]. The input is the
 *   output of the layer before the producer in its list (a residual body's first layer: the block's input), or the
 *   model input (`criteria/taps.ts`).
 * - `taylor` (taylor), per group: the mean over calibration samples of the mean over positions of |a_c · ∂ℓ/∂a_c|,
 *   a at the group's tap (the last layer before the consumer, where removal zeroes the channel) and ℓ the sample's
 *   own loss. The loss of a batch is the mean of the samples' (∂ℓ_n/∂a_n = B·∂L/∂a_n), so the value does not
 *   depend on the batch size. ∂L/∂a is read from a zeros probe added to the tap's output.
 * - `fisher` (obd), per producer: E[g²] of each kernel entry, g the gradient of the mean loss of one calibration
 *   batch (the empirical Fisher of mini-batch gradients, not of per-sample gradients: with batchSize 1 they agree;
 *   per-sample squares would need a backward pass per sample). Same layout as the kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherBatch, permutation } from '../data/batches';
import type { Split } from '../data/types';
import { crossEntropy, type TaskSlice } from '../engine/loss';
import type { SequentialModel } from '../engine/model';
import type { ForwardContext } from '../engine/module';
import { groupTaps, producerInputs } from './criteria/taps';
import type { ChannelGroup } from './types';

export interface CalibrationStats {
  /** By producer id. */
  inputNorms: Map<string, Float32Array>;
  /** By group id. */
  taylor: Map<string, Float32Array>;
  /** By producer id, kernel layout. */
  fisher: Map<string, Float32Array>;
}

export interface StatsOptions {
  batches: number;
  batchSize: number;
  /** Picks the calibration samples: batch b is samples b·B .. (b+1)·B − 1 of `permutation(n, seed, epoch)`. */
  seed: number;
}

/** Gathers what `needs` asks for (other entries, e.g. 'trajectory', are ignored); the maps of the rest are empty. */
export async function collectStats(
  net: SequentialModel, groups: ChannelGroup[], split: Split, tasks: TaskSlice[], sampleShape: number[],
  needs: ReadonlyArray<string>, opts: StatsOptions,
): Promise<CalibrationStats> {
  const want = new Set(needs);
  const B = Math.min(opts.batchSize, split.n);
  if (!(B >= 1) || !(opts.batches >= 1)) throw new Error(`collectStats: needs at least one batch of at least one sample (batches ${opts.batches}, batchSize ${opts.batchSize}, split of ${split.n})`);
  const producers = [...new Set(groups.map((g) => g.producer))];
  const taps = want.has('taylor') ? groupTaps(net.layers, groups) : [];
  const tapIndex = new Map(taps.map((t, i) => [t.layer, i]));
  // the layer whose output feeds each producer ('' = the model input), and the producers it feeds
  const sources = new Map<string, string[]>();
  if (want.has('inputNorms')) {
    for (const [p, src] of producerInputs(net.layers, producers)) sources.set(src ?? '', [...(sources.get(src ?? '') ?? []), p]);
  }
  const kernels = want.has('fisher') ? producers.map((p) => {
    const v = net.trainable().find((x) => x.name === `${p}/kernel`);
    if (!v) throw new Error(`collectStats: the model has no variable '${p}/kernel'`);
    return v.variable;
  }) : [];
  const probes = taps.map((t) => tf.tidy(() => tf.variable(tf.zeros([B, ...t.shape]), true, `pruning/stats/probe/${t.layer}#${uid++}`)));
  const sumSq = new Map<string, tf.Tensor>();
  const taylorSum: (tf.Tensor | undefined)[] = taps.map(() => undefined);
  const fisherSum: (tf.Tensor | undefined)[] = kernels.map(() => undefined);
  const add = (old: tf.Tensor | undefined, t: tf.Tensor): tf.Tensor => {
    if (!old) return t;
    const s = tf.add(old, t);
    old.dispose();
    t.dispose();
    return s;
  };
  const sumSqOf = (y: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sum(tf.square(tf.reshape(y, [-1, y.shape[y.rank - 1]!])), 0));

  const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  const buf = { x: new Float32Array(B * sampleSize), y: new Int32Array(B * tasks.length) };
  const perEpoch = Math.floor(split.n / B);
  try {
    for (let b = 0; b < opts.batches; b++) {
      const perm = permutation(split.n, opts.seed, Math.floor(b / perEpoch));
      const at = (b % perEpoch) * B;
      gatherBatch(split, perm.subarray(at, at + B), buf);
      const xs = tf.tensor(buf.x, [B, ...sampleShape]);
      const ys = tf.tensor(buf.y, [B, tasks.length], 'int32');
      const stash: (tf.Tensor | undefined)[] = taps.map(() => undefined);
      const batchSq: Array<[string, tf.Tensor]> = [];
      if (sources.has('')) batchSq.push(['', sumSqOf(xs)]);
      const ctx: ForwardContext = {
        training: false,
        step: 0,
        transformOutput: (id, y) => {
          if (sources.has(id)) batchSq.push([id, tf.keep(sumSqOf(y))]);
          const ti = tapIndex.get(id);
          if (ti === undefined) return y;
          stash[ti] = tf.keep(y);
          return tf.add(y, probes[ti]!);
        },
      };
      if (probes.length + kernels.length > 0) {
        const { value, grads } = tf.variableGrads(() => crossEntropy(net.forward(xs, ctx), ys, tasks), [...probes, ...kernels]);
        value.dispose();
        taps.forEach((t, i) => {
          const g = grads[probes[i]!.name];
          const term = g
            ? tf.tidy(() => tf.div(tf.sum(tf.abs(tf.mul(tf.reshape(stash[i]!, [-1, t.group.channels]), tf.reshape(g, [-1, t.group.channels]))), 0), t.positions))
            : tf.zeros([t.group.channels]);
          taylorSum[i] = add(taylorSum[i], term);
        });
        kernels.forEach((k, i) => {
          const g = grads[k.name];
          fisherSum[i] = add(fisherSum[i], g ? tf.square(g) : tf.zerosLike(k));
        });
        for (const g of Object.values(grads)) g.dispose();
      } else {
        tf.tidy(() => { net.forward(xs, ctx); });
      }
      for (const [id, s] of batchSq) sumSq.set(id, add(sumSq.get(id), s));
      for (const t of [xs, ys, ...stash]) t?.dispose();
    }
    // one read: every statistic flattened into one vector
    const parts: Array<{ kind: keyof CalibrationStats; keys: string[]; t: tf.Tensor }> = [];
    for (const [src, t] of sumSq) parts.push({ kind: 'inputNorms', keys: sources.get(src)!, t });
    taps.forEach((tap, i) => parts.push({ kind: 'taylor', keys: [tap.group.id], t: taylorSum[i]! }));
    producers.forEach((p, i) => { if (fisherSum[i]) parts.push({ kind: 'fisher', keys: [p], t: fisherSum[i]! }); });
    const out: CalibrationStats = { inputNorms: new Map(), taylor: new Map(), fisher: new Map() };
    if (parts.length === 0) return out;
    const packed = tf.tidy(() => tf.concat(parts.map(({ kind, t }) => {
      const flat = tf.reshape(t, [-1]);
      return kind === 'inputNorms' ? tf.sqrt(flat) : tf.div(flat, opts.batches);
    })));
    const v = (await packed.data()) as Float32Array;
    packed.dispose();
    let off = 0;
    for (const { kind, keys, t } of parts) {
      const slice = v.slice(off, off + t.size);
      off += t.size;
      for (const k of keys) out[kind].set(k, Float32Array.from(slice));
    }
    return out;
  } finally {
    for (const t of [...probes, ...sumSq.values(), ...taylorSum, ...fisherSum]) t?.dispose();
  }
}

let uid = 0;
