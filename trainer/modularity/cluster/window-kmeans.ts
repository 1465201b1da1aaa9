/**
 * "window": k-means over the recent history of signals. Keeps the last `window` steps in a ring
 * buffer; a unit's signature is its column over every kept row (up to window*samples numbers),
 * so two units land together when their per-sample signals correlate over the window.
 *
 * Each stored step is divided by its own RMS (over all samples and units), so that steps weigh
 * alike whatever the gradient scale at that point of training; this does not change correlations
 * within a step.
 */
import type { ClusterResult, ClustererOptions, UnitClusterer } from './types';
import { arrayField, checkOptions, field, loadLabels, numberField, saveLabels } from './checks';
import { deriveSeed } from '../../data/rng';
import { labelUnits } from './unit-labels';

const WHO = 'window clusterer';

export class WindowKMeansClusterer implements UnitClusterer {
  static readonly id = 'window';
  readonly id = WindowKMeansClusterer.id;
  private readonly units: number;
  private readonly k: number;
  private readonly seed: number;
  private readonly restarts: number;
  private readonly window: number;
  private readonly samples: number;
  /** window slots of samples*units floats; slot `(head - 1 - j) mod window` is the j-th newest. */
  private buffer: Float32Array;
  private head = 0;
  private filled = 0;
  private calls = 0;
  private labels: Int32Array | undefined;

  constructor(opts: ClustererOptions) {
    checkOptions(WHO, opts);
    this.units = opts.units;
    this.k = opts.k;
    this.seed = opts.seed;
    this.restarts = opts.restarts ?? 3;
    this.window = opts.window;
    this.samples = opts.samples;
    this.buffer = new Float32Array(this.window * this.samples * this.units);
  }

  /** Stores one step (exactly samples*units floats, row-major [samples, units]), evicting the oldest when full. */
  observe(signals: Float32Array): void {
    const size = this.samples * this.units;
    if (signals.length !== size) throw new Error(`${WHO}: observe expects samples*units = ${this.samples}*${this.units} = ${size} floats, got ${signals.length}`);
    let ss = 0;
    for (let i = 0; i < size; i++) {
      const x = signals[i];
      if (Number.isFinite(x)) ss += x * x;
    }
    const scale = ss > 0 ? 1 / Math.sqrt(ss / size) : 0;
    const slot = this.buffer.subarray(this.head * size, (this.head + 1) * size);
    // Non-finite entries are kept: they make that unit dormant until the step leaves the window.
    for (let i = 0; i < size; i++) slot[i] = signals[i] * scale;
    this.head = (this.head + 1) % this.window;
    this.filled = Math.min(this.filled + 1, this.window);
  }

  cluster(): ClusterResult {
    const { units, samples } = this;
    const rowsKept = this.filled * samples;
    const dim = Math.max(1, rowsKept);
    const signatures = new Float32Array(units * dim); // all zero (every unit dormant) before any step
    // Kept slots are 0..filled-1 (the buffer fills in order, then wraps): order is irrelevant to distances.
    for (let r = 0; r < rowsKept; r++) {
      const base = r * units;
      for (let u = 0; u < units; u++) signatures[u * dim + r] = this.buffer[base + u];
    }
    const result = labelUnits(signatures, units, dim, this.k, this.labels, deriveSeed(this.seed, 'window-kmeans', this.calls), this.restarts);
    this.calls++;
    this.labels = result.labels;
    return { labels: result.labels.slice(), dormant: result.dormant, changed: result.changed };
  }

  memoryFloats(): number {
    return this.buffer.length + this.units;
  }

  save(): unknown {
    return {
      id: this.id,
      units: this.units,
      k: this.k,
      window: this.window,
      samples: this.samples,
      head: this.head,
      filled: this.filled,
      calls: this.calls,
      buffer: Array.from(this.buffer.subarray(0, this.filled * this.samples * this.units)),
      labels: saveLabels(this.labels),
    };
  }

  load(state: unknown): void {
    if (field(WHO, state, 'id') !== this.id) throw new Error(`${WHO}.load: 'id' is not '${this.id}'`);
    numberField(WHO, state, 'units', this.units);
    numberField(WHO, state, 'k', this.k);
    numberField(WHO, state, 'window', this.window);
    numberField(WHO, state, 'samples', this.samples);
    const filled = numberField(WHO, state, 'filled');
    const head = numberField(WHO, state, 'head');
    if (!Number.isInteger(filled) || filled < 0 || filled > this.window) throw new Error(`${WHO}.load: 'filled' must be an integer in 0..${this.window}`);
    if (!Number.isInteger(head) || head < 0 || head >= this.window) throw new Error(`${WHO}.load: 'head' must be an integer in 0..${this.window - 1}`);
    const buffer = arrayField(WHO, state, 'buffer', filled * this.samples * this.units);
    const labels = loadLabels(WHO, state, this.units, this.k);
    const calls = numberField(WHO, state, 'calls');
    this.buffer.fill(0);
    this.buffer.set(buffer);
    this.head = head;
    this.filled = filled;
    this.calls = calls;
    this.labels = labels;
  }
}
