/**
 * "streaming": keeps no history (BIRCH-like), only an exponential moving average of the units×units
 * correlation matrix of the per-step signals. Each step, every unit's column is centred over the
 * samples and scaled to unit norm (a unit with a constant column adds nothing that step), giving S
 * [samples, units], and C ← decay·C + (1 − decay)·SᵀS. Clustering runs k-means on the normalised
 * rows of C: each unit is described by its correlation profile with every unit (itself included).
 *
 * Cost: units² floats of memory; units²·samples/2 multiply-adds per step.
 */
import type { ClusterResult, ClustererOptions, UnitClusterer } from './types';
import { arrayField, checkOptions, field, loadLabels, numberField, saveLabels } from './checks';
import { deriveSeed } from '../../data/rng';
import { labelUnits } from './unit-labels';

const WHO = 'streaming clusterer';

export class StreamingCorrelationClusterer implements UnitClusterer {
  static readonly id = 'streaming';
  readonly id = StreamingCorrelationClusterer.id;
  private readonly units: number;
  private readonly k: number;
  private readonly seed: number;
  private readonly restarts: number;
  private readonly samples: number;
  private readonly decay: number;
  /** units*units, symmetric; the EMA of per-step correlation matrices (not bias-corrected: rows are normalised anyway). */
  private corr: Float32Array;
  private steps = 0;
  private calls = 0;
  private labels: Int32Array | undefined;
  /** Scratch: the step's normalised columns, unit-major [units, samples]. */
  private readonly cols: Float64Array;

  constructor(opts: ClustererOptions) {
    checkOptions(WHO, opts);
    this.units = opts.units;
    this.k = opts.k;
    this.seed = opts.seed;
    this.restarts = opts.restarts ?? 3;
    this.samples = opts.samples;
    this.decay = opts.decay ?? 0.98;
    this.corr = new Float32Array(this.units * this.units);
    this.cols = new Float64Array(this.units * this.samples);
  }

  /** Folds one step (exactly samples*units floats, row-major [samples, units]) into the correlation EMA. */
  observe(signals: Float32Array): void {
    const { units, samples, cols, corr } = this;
    if (signals.length !== samples * units) throw new Error(`${WHO}: observe expects samples*units = ${samples}*${units} = ${samples * units} floats, got ${signals.length}`);
    for (let u = 0; u < units; u++) {
      let sum = 0;
      for (let s = 0; s < samples; s++) sum += signals[s * units + u];
      const mean = sum / samples;
      let ss = 0;
      let raw = 0;
      for (let s = 0; s < samples; s++) {
        const x = signals[s * units + u];
        const c = x - mean;
        cols[u * samples + s] = c;
        ss += c * c;
        raw += x * x;
      }
      // Constant, all-zero or non-finite columns carry no correlation this step.
      const live = Number.isFinite(ss) && ss > 0 && Math.sqrt(ss) > 1e-5 * Math.sqrt(raw);
      const inv = live ? 1 / Math.sqrt(ss) : 0;
      for (let s = 0; s < samples; s++) cols[u * samples + s] *= inv;
    }
    const a = this.decay;
    const b = 1 - this.decay;
    for (let u = 0; u < units; u++) {
      const pu = u * samples;
      for (let v = u; v < units; v++) {
        const pv = v * samples;
        let dot = 0;
        for (let s = 0; s < samples; s++) dot += cols[pu + s] * cols[pv + s];
        const next = a * corr[u * units + v] + b * dot;
        corr[u * units + v] = next;
        corr[v * units + u] = next;
      }
    }
    this.steps++;
  }

  cluster(): ClusterResult {
    const result = labelUnits(this.corr, this.units, this.units, this.k, this.labels, deriveSeed(this.seed, 'streaming', this.calls), this.restarts);
    this.calls++;
    this.labels = result.labels;
    return { labels: result.labels.slice(), dormant: result.dormant, changed: result.changed };
  }

  memoryFloats(): number {
    return this.corr.length + this.cols.length + this.units;
  }

  save(): unknown {
    return {
      id: this.id,
      units: this.units,
      k: this.k,
      decay: this.decay,
      steps: this.steps,
      calls: this.calls,
      corr: Array.from(this.corr),
      labels: saveLabels(this.labels),
    };
  }

  load(state: unknown): void {
    if (field(WHO, state, 'id') !== this.id) throw new Error(`${WHO}.load: 'id' is not '${this.id}'`);
    numberField(WHO, state, 'units', this.units);
    numberField(WHO, state, 'k', this.k);
    numberField(WHO, state, 'decay', this.decay);
    const corr = arrayField(WHO, state, 'corr', this.units * this.units);
    const labels = loadLabels(WHO, state, this.units, this.k);
    const steps = numberField(WHO, state, 'steps');
    const calls = numberField(WHO, state, 'calls');
    this.corr.set(corr);
    this.steps = steps;
    this.calls = calls;
    this.labels = labels;
  }
}
