/**
 * `activation-variance`: a layer whose output variance grew to more than `factor` (10) × its value at
 * the first measurement of this run (the first finite, non-zero one; on resume, the first after it).
 */
import type { Alert } from '../../protocol/trainer';
import type { StepStats } from '../engine/hooks';
import { REMEDY, fmt, type Monitor } from './monitor';

export class ActivationVarianceMonitor implements Monitor {
  static readonly id = 'activation-variance';
  readonly id = ActivationVarianceMonitor.id;
  private readonly first = new Map<string, { value: number; step: number }>();

  constructor(private readonly factor = 10, private readonly maxLayers = 5) {}

  check(stats: StepStats): Alert[] {
    const over: Array<{ layerId: string; value: number; base: { value: number; step: number } }> = [];
    for (const l of stats.layers) {
      const v = l.activationVar;
      const base = this.first.get(l.layerId);
      if (!base) {
        if (Number.isFinite(v) && v > 0) this.first.set(l.layerId, { value: v, step: stats.step });
      } else if (Number.isFinite(v) && v > this.factor * base.value) {
        // NaN and Infinity are the nonfinite monitor's
        over.push({ layerId: l.layerId, value: v, base });
      }
    }
    return over
      .sort((a, b) => b.value / b.base.value - a.value / a.base.value)
      .slice(0, this.maxLayers)
      .map(({ layerId, value, base }) => ({
        kind: 'activation-variance',
        step: stats.step,
        layerId,
        value,
        threshold: this.factor * base.value,
        severity: 'warning',
        message: `activation variance of ${layerId} is ${fmt(value)} at step ${stats.step}, over ${this.factor}× its first measurement (${fmt(base.value)} at step ${base.step}; threshold ${fmt(this.factor * base.value)}): its activations are blowing up. ${REMEDY}`,
      }));
  }
}
