/**
 * How the plugin turns the device-side signal ring into labels. Two kinds, by `modularity.clustering`:
 *
 * - `streaming` (DeviceStreamingClusterer): the running correlation summary lives on the device. At each
 *   clustering the ring's steps are folded in with one matmul (each step's columns centred over the samples and
 *   scaled to unit norm; C ← d^W·C + Σ_w (1 − d)·d^(W−1−w)·S_wᵀS_w), every unit's row of C is centred and
 *   normalised and projected to at most 64 dimensions with a fixed seeded Gaussian matrix (Johnson–Lindenstrauss:
 *   distances between profiles are kept to a few percent), and only that [items, ≤64] matrix is read back for
 *   k-means. Host work no longer grows with items² per observed step. The host version
 *   (cluster/streaming.ts) computes the same C and is the reference in tests.
 * - `window` (HostWindowClusterer): the ring is read back and fed to the host window k-means.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, Rng } from '../data/rng';
import type { NamedVariable } from '../engine/module';
import { createClusterer, type ClusterResult, type UnitClusterer } from './cluster/clusterer';
import { labelUnits } from './cluster/unit-labels';

export interface SignalClusterer {
  /** Clusters after folding in `ring` (steps of [samples, items], oldest first; the caller disposes them). */
  cluster(ring: tf.Tensor[]): Promise<ClusterResult>;
  /** Device state to checkpoint. */
  state(): NamedVariable[];
  save(): unknown;
  load(state: unknown): void;
  dispose(): void;
}

export interface SignalClustererOptions { items: number; k: number; seed: number; window: number; samples: number; decay?: number }

/** Most dimensions a unit's correlation profile is projected to before k-means. */
export const PROFILE_DIM = 64;

export class DeviceStreamingClusterer implements SignalClusterer {
  private readonly corr: NamedVariable;
  private readonly projection: tf.Tensor2D | undefined;
  private readonly dim: number;
  private readonly decay: number;
  private labels: Int32Array | undefined;
  private calls = 0;

  constructor(private readonly o: SignalClustererOptions) {
    const n = o.items;
    this.decay = o.decay ?? 0.98;
    this.corr = { name: 'modularity/correlation', layerId: 'modularity', role: 'correlation', variable: tf.tidy(() => tf.variable(tf.zeros([n, n]), false, `modularity/correlation#${uid++}`)) };
    this.dim = Math.min(n, PROFILE_DIM);
    if (n > PROFILE_DIM) {
      const rng = new Rng(deriveSeed(o.seed, 'modularity', 'projection'));
      const r = new Float32Array(n * this.dim);
      for (let i = 0; i < r.length; i++) r[i] = rng.normal() / Math.sqrt(this.dim);
      this.projection = tf.tensor2d(r, [n, this.dim]);
    }
  }

  /** C ← d^W·C + Σ_w (1 − d)·d^(W−1−w)·S_wᵀS_w, with S_w the step's centred, unit-norm columns. */
  fold(ring: tf.Tensor[]): void {
    if (ring.length === 0) return;
    const W = ring.length;
    const next = tf.tidy(() => {
      const x = tf.stack(ring); // [W, S, n]
      const centred = tf.sub(x, tf.mean(x, 1, true));
      const ss = tf.sum(tf.square(centred), 1, true);
      const raw = tf.sum(tf.square(x), 1, true);
      // constant, all-zero or non-finite columns add nothing that step (as in the host reference)
      const live = tf.logicalAnd(tf.greater(ss, 0), tf.greater(tf.sqrt(ss), tf.mul(1e-5, tf.sqrt(raw))));
      const unit = tf.where(live, tf.div(centred, tf.sqrt(tf.maximum(ss, 1e-30))), tf.zerosLike(centred));
      const w = tf.tensor1d(Array.from({ length: W }, (_, i) => Math.sqrt((1 - this.decay) * Math.pow(this.decay, W - 1 - i))));
      const scaled = tf.reshape(tf.mul(unit, tf.reshape(w, [W, 1, 1])), [-1, this.o.items]);
      return tf.add(tf.mul(this.corr.variable, Math.pow(this.decay, W)), tf.matMul(scaled, scaled, true, false));
    });
    this.corr.variable.assign(next);
    next.dispose();
  }

  /** Each unit's correlation profile, centred, unit-norm and projected: [items, dim]. */
  profiles(): tf.Tensor2D {
    return tf.tidy(() => {
      const c = this.corr.variable;
      const centred = tf.sub(c, tf.mean(c, 1, true));
      const rows = tf.div(centred, tf.sqrt(tf.add(tf.sum(tf.square(centred), 1, true), 1e-30)));
      return (this.projection ? tf.matMul(rows, this.projection) : rows) as tf.Tensor2D;
    });
  }

  async cluster(ring: tf.Tensor[]): Promise<ClusterResult> {
    this.fold(ring);
    const p = this.profiles();
    const data = (await p.data()) as Float32Array;
    p.dispose();
    const res = labelUnits(data, this.o.items, this.dim, this.o.k, this.labels, deriveSeed(this.o.seed, 'streaming', this.calls), 3);
    this.calls++;
    this.labels = res.labels;
    return { labels: res.labels.slice(), dormant: res.dormant, changed: res.changed };
  }

  /** The correlation summary (read once, for tests and reports). */
  async correlation(): Promise<Float32Array> {
    return (await this.corr.variable.data()) as Float32Array;
  }

  state(): NamedVariable[] {
    return [this.corr];
  }

  save(): unknown {
    return { id: 'streaming-device', calls: this.calls, labels: this.labels ? Array.from(this.labels) : null };
  }

  load(state: unknown): void {
    const s = state as { id?: string; calls: number; labels: number[] | null };
    if (s.id !== 'streaming-device') throw new Error(`checkpoint has clusterer state '${String(s.id)}', this run uses the device streaming clusterer: was modularity.clustering changed?`);
    this.calls = s.calls;
    this.labels = s.labels ? Int32Array.from(s.labels) : undefined;
  }

  dispose(): void {
    this.corr.variable.dispose();
    this.projection?.dispose();
  }
}

/** The host clusterers (cluster/): the ring is read back once and observed step by step. */
export class HostClusterer implements SignalClusterer {
  private readonly inner: UnitClusterer;

  constructor(id: string, private readonly o: SignalClustererOptions) {
    this.inner = createClusterer(id, { units: o.items, k: o.k, seed: o.seed, window: o.window, samples: o.samples });
  }

  async cluster(ring: tf.Tensor[]): Promise<ClusterResult> {
    if (ring.length > 0) {
      const stacked = tf.concat(ring);
      const data = (await stacked.data()) as Float32Array;
      stacked.dispose();
      const size = this.o.samples * this.o.items;
      for (let i = 0; i < ring.length; i++) this.inner.observe(data.subarray(i * size, (i + 1) * size));
    }
    return this.inner.cluster();
  }

  state(): NamedVariable[] {
    return [];
  }

  save(): unknown {
    return this.inner.save();
  }

  load(state: unknown): void {
    this.inner.load(state);
  }

  dispose(): void {}
}

let uid = 0;

/** `streaming` runs on the device; `window` (and the host `streaming-host` reference) on the host. */
export function createSignalClusterer(id: string, o: SignalClustererOptions): SignalClusterer {
  if (id === 'streaming') return new DeviceStreamingClusterer(o);
  if (id === 'streaming-host') return new HostClusterer('streaming', o);
  return new HostClusterer(id, o);
}
