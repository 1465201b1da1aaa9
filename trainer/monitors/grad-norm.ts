/**
 * `grad-norm`, two rules over the layers with weights (non-finite norms are the nonfinite monitor's):
 * - `relative`: a layer whose gradient norm is over `factor` (100) × the median of the non-zero gradient
 *   norms (at least 3 of them), and over `GRAD_NORM_FLOOR`: its gradients are exploding. Layers that get no
 *   gradient at all would pull a plain median to 0, and 100 × 0 flags every layer that gets one.
 * - `no-gradient`: more than half of the layers get a gradient norm of exactly 0 (the plain median is 0):
 *   those layers' activations have saturated or died. Alerts on the layers without gradient, no threshold.
 */
import type { LayerStats } from '../../protocol/trainer';
import type { StepStats } from '../engine/hooks';
import { REMEDY, fmt, median, withWeights, type LayerAlert, type Monitor } from './monitor';

/** A gradient norm at or under this is never "exploding", whatever the other layers' (train.clipNorm: 1.0 would leave it be). */
export const GRAD_NORM_FLOOR = 1;

export class GradNormMonitor implements Monitor {
  static readonly id = 'grad-norm';
  readonly id = GradNormMonitor.id;

  constructor(private readonly factor = 100) {}

  check(stats: StepStats): LayerAlert[] {
    // a median needs a few layers to mean anything
    const layers = withWeights(stats.layers).filter((l) => Number.isFinite(l.gradNorm));
    if (layers.length < 3) return [];
    const none = layers.filter((l) => l.gradNorm === 0);
    const some = layers.filter((l) => l.gradNorm > 0);
    return [...(2 * none.length > layers.length ? this.noGradient(stats.step, none, layers.length) : []), ...this.relative(stats.step, some)];
  }

  private relative(step: number, some: LayerStats[]): LayerAlert[] {
    if (some.length < 3) return [];
    const med = median(some.map((l) => l.gradNorm));
    const threshold = Math.max(this.factor * med, GRAD_NORM_FLOOR);
    const relative = `${this.factor}× the median of the ${some.length} non-zero gradient norms`;
    const rule = threshold === GRAD_NORM_FLOOR ? `the floor ${GRAD_NORM_FLOOR} (${relative}, ${fmt(this.factor * med)}, is lower)` : relative;
    return some.filter((l) => l.gradNorm > threshold).map((l) => ({
      kind: 'grad-norm',
      rule: 'relative',
      step,
      layerId: l.layerId,
      value: l.gradNorm,
      threshold,
      severity: 'warning',
      message: `gradient norm of ${l.layerId} is ${fmt(l.gradNorm)} at step ${step}, over ${rule} (threshold ${fmt(threshold)}): its gradients are exploding. ${REMEDY}`,
    }));
  }

  private noGradient(step: number, none: LayerStats[], of: number): LayerAlert[] {
    return none.map((l) => ({
      kind: 'grad-norm',
      rule: 'no-gradient',
      step,
      layerId: l.layerId,
      value: 0,
      severity: 'warning',
      message: `no gradient reaches ${l.layerId} at step ${step} (gradient norm 0): ${none.length} of the ${of} layers with weights get none, over half, so the median rule has no reference. Their activations have saturated (tanh, sigmoid) or died (ReLU), which often follows a blow-up. ${REMEDY}`,
    }));
  }
}
