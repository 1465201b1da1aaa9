/** `grad-norm`: a layer whose gradient norm is more than `factor` (100) × the median over the layers with weights. */
import type { Alert } from '../../protocol/trainer';
import type { StepStats } from '../engine/hooks';
import { REMEDY, fmt, median, withWeights, type Monitor } from './monitor';

export class GradNormMonitor implements Monitor {
  static readonly id = 'grad-norm';
  readonly id = GradNormMonitor.id;

  constructor(private readonly factor = 100, private readonly maxLayers = 5) {}

  check(stats: StepStats): Alert[] {
    // non-finite norms are the nonfinite monitor's; a median needs a few layers to mean anything
    const layers = withWeights(stats.layers).filter((l) => Number.isFinite(l.gradNorm));
    if (layers.length < 3) return [];
    const med = median(layers.map((l) => l.gradNorm));
    const threshold = this.factor * med;
    return layers
      .filter((l) => l.gradNorm > threshold)
      .sort((a, b) => b.gradNorm - a.gradNorm)
      .slice(0, this.maxLayers)
      .map((l) => ({
        kind: 'grad-norm',
        step: stats.step,
        layerId: l.layerId,
        value: l.gradNorm,
        threshold,
        severity: 'warning',
        message: `gradient norm of ${l.layerId} is ${fmt(l.gradNorm)} at step ${stats.step}, over ${this.factor}× the median over ${layers.length} layers (threshold ${fmt(threshold)}${med === 0 ? '; most layers get no gradient at all' : ''}): its gradients are exploding. ${REMEDY}`,
      }));
  }
}
