/**
 * Training hooks: every N steps, per-layer statistics (gradient, update and weight norms, activation
 * mean and variance) and, on request, the full gradients, activations and weights, all read back to
 * the host in ONE batched read. Later features (stability monitors, gradient clustering, pruning
 * criteria) plug in here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerStats } from '../../protocol/trainer';
import type { NamedVariable } from './module';
import type { SpectralStats } from './seams';

/** A tensor copied to the host. */
export interface HostArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export type { LayerStats };

export interface StepStats {
  step: number;
  layers: LayerStats[];
  /** The spectral-norm bound in force at this step, when the stabilizer's spectral normalisation is on. */
  spectralBound?: number;
  /** Full arrays, present only when a hook asked for them. Keyed by weight name / layer id. */
  gradients?: Map<string, Float32Array>;
  activations?: Map<string, { shape: number[]; data: Float32Array }>;
  weights?: Map<string, Float32Array>;
}

export interface TrainingHook {
  id: string;
  /** Run every N steps (0 disables). */
  every: number;
  wants?: { gradients?: boolean; activations?: boolean; weights?: boolean };
  onStats(stats: StepStats): void | Promise<void>;
}

export interface StatsInput {
  step: number;
  vars: NamedVariable[];
  /** Unclipped gradients by weight name. */
  grads: Map<string, tf.Tensor>;
  /** Weights before the update, by weight name. */
  before: Map<string, tf.Tensor>;
  /** Module outputs by layer id. */
  activations: Map<string, tf.Tensor>;
  /** Latest σ estimates per layer (stabilizer): read back in the same read as `spectralNorm`. */
  spectral?: SpectralStats;
}

/** Computes the statistics on the device, reads them back once, and calls each hook. */
export async function collectStats(hooks: TrainingHook[], input: StatsInput): Promise<void> {
  const want = {
    gradients: hooks.some((h) => h.wants?.gradients),
    activations: hooks.some((h) => h.wants?.activations),
    weights: hooks.some((h) => h.wants?.weights),
  };
  const layerIds: string[] = [];
  const byLayer = new Map<string, NamedVariable[]>();
  for (const v of input.vars) {
    if (!byLayer.has(v.layerId)) {
      byLayer.set(v.layerId, []);
      layerIds.push(v.layerId);
    }
    byLayer.get(v.layerId)!.push(v);
  }
  for (const id of input.activations.keys()) if (!byLayer.has(id)) layerIds.push(id);

  // Layout of the single read: 5 scalars per layer, then the requested full arrays.
  const layout: Array<{ kind: 'gradients' | 'activations' | 'weights'; key: string; shape: number[]; size: number }> = [];
  // then one σ per layer that has estimates (the largest of its matrices), in layer order
  const sigmaIds = input.spectral ? layerIds.filter((id) => (input.spectral!.sigma.get(id)?.length ?? 0) > 0) : [];
  const packed = tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    const sq = (t: tf.Tensor) => tf.sum(tf.square(t));
    const nan = tf.scalar(NaN);
    for (const id of layerIds) {
      const vs = byLayer.get(id) ?? [];
      const g = vs.map((v) => input.grads.get(v.name)).filter((t): t is tf.Tensor => !!t);
      const zero = tf.scalar(0);
      parts.push(g.length ? tf.sqrt(tf.addN(g.map(sq))) : zero);
      parts.push(vs.length ? tf.sqrt(tf.addN(vs.map((v) => sq(tf.sub(v.variable, input.before.get(v.name)!))))) : zero);
      parts.push(vs.length ? tf.sqrt(tf.addN(vs.map((v) => sq(v.variable)))) : zero);
      const a = input.activations.get(id);
      if (a) {
        const { mean, variance } = tf.moments(a);
        parts.push(mean, variance);
      } else {
        parts.push(nan, nan);
      }
    }
    for (const id of sigmaIds) {
      const s = input.spectral!.sigma.get(id)!;
      parts.push(s.length === 1 ? s[0] : tf.max(tf.stack(s)));
    }
    const flat = parts.map((p) => tf.reshape(p, [1]));
    if (want.gradients) for (const v of input.vars) {
      const g = input.grads.get(v.name);
      if (g) { flat.push(tf.reshape(g, [-1])); layout.push({ kind: 'gradients', key: v.name, shape: g.shape, size: g.size }); }
    }
    if (want.activations) for (const [id, a] of input.activations) {
      flat.push(tf.cast(tf.reshape(a, [-1]), 'float32'));
      layout.push({ kind: 'activations', key: id, shape: a.shape, size: a.size });
    }
    if (want.weights) for (const v of input.vars) {
      flat.push(tf.reshape(v.variable, [-1]));
      layout.push({ kind: 'weights', key: v.name, shape: v.variable.shape, size: v.variable.size });
    }
    return tf.concat(flat);
  });
  const host = (await packed.data()) as Float32Array;
  packed.dispose();

  const stats: StepStats = {
    step: input.step,
    layers: layerIds.map((layerId, i) => ({
      layerId,
      gradNorm: host[i * 5],
      updateNorm: host[i * 5 + 1],
      weightNorm: host[i * 5 + 2],
      activationMean: host[i * 5 + 3],
      activationVar: host[i * 5 + 4],
    })),
  };
  let off = layerIds.length * 5;
  if (input.spectral) {
    stats.spectralBound = input.spectral.bound;
    const byId = new Map(stats.layers.map((l) => [l.layerId, l]));
    for (const id of sigmaIds) byId.get(id)!.spectralNorm = host[off++];
  }
  for (const l of layout) {
    const data = host.slice(off, off + l.size);
    off += l.size;
    if (l.kind === 'activations') (stats.activations ??= new Map()).set(l.key, { shape: l.shape, data });
    else (stats[l.kind] ??= new Map()).set(l.key, data);
  }
  for (const h of hooks) await h.onStats(stats);
}
