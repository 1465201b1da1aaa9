/**
 * `spectral-norm`: with the stabilizer's spectral normalisation on, a layer whose σ (estimated after the
 * optimizer's update, before the rescale) is over `factor` (1.5) × the bound in force. The rescale brings
 * σ back to the bound every `spectral.every` steps, so the excess is what the optimizer added since the
 * last rescale: over 50% means the learning rate is too high for the bound (or the power iteration has not
 * converged: raise spectral.iterations). Each layer's first measurement is skipped (it is the initial
 * weights', not yet rescaled). Without spectral statistics, or without a positive finite bound, this monitor
 * raises nothing.
 * Kind `other`: AlertKind has no `spectral-norm` entry yet (the editor's label table is keyed by kind).
 */
import type { StepStats } from '../engine/hooks';
import { fmt, type LayerAlert, type Monitor } from './monitor';

export class SpectralNormMonitor implements Monitor {
  static readonly id = 'spectral-norm';
  readonly id = SpectralNormMonitor.id;
  private readonly seen = new Set<string>();

  constructor(private readonly factor = 1.5) {}

  check(stats: StepStats): LayerAlert[] {
    const bound = stats.spectralBound;
    if (bound === undefined || !(bound > 0 && Number.isFinite(bound))) return [];
    const threshold = this.factor * bound;
    const over: Array<{ layerId: string; sigma: number }> = [];
    for (const l of stats.layers) {
      const sigma = l.spectralNorm;
      if (sigma === undefined) continue;
      const first = !this.seen.has(l.layerId);
      this.seen.add(l.layerId);
      if (!first && Number.isFinite(sigma) && sigma > threshold) over.push({ layerId: l.layerId, sigma });
    }
    return over.map(({ layerId, sigma }) => ({
      kind: 'spectral-norm',
      step: stats.step,
      layerId,
      value: sigma,
      threshold,
      severity: 'warning',
      message: `spectral norm of ${layerId} is ${fmt(sigma)} at step ${stats.step}, over ${this.factor}× the bound ${fmt(bound)} (threshold ${fmt(threshold)}) right after an update: the optimizer pushes this layer far past its bound between rescales. Lower the learning rate (train.optimizer.lr), rescale more often (stabilize.spectral.every: 1) or raise stabilize.spectral.iterations.`,
    }));
  }
}
