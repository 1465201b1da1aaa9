/**
 * `activation-variance`: a layer whose output variance grew to more than `factor` (10) × its value at
 * the first measurement of this run (the first finite, non-zero one; on resume, the first after it), and
 * over `ACTIVATION_VAR_FLOOR` (a near-zero first measurement would flag any noise).
 */
import type { StepStats } from '../engine/hooks';
import { REMEDY, fmt, type LayerAlert, type Monitor } from './monitor';

/** An activation variance at or under this is never "blowing up", whatever its first measurement. */
export const ACTIVATION_VAR_FLOOR = 1e-6;

export class ActivationVarianceMonitor implements Monitor {
  static readonly id = 'activation-variance';
  readonly id = ActivationVarianceMonitor.id;
  private readonly first = new Map<string, { value: number; step: number }>();

  constructor(private readonly factor = 10) {}

  check(stats: StepStats): LayerAlert[] {
    const over: Array<{ layerId: string; value: number; base: { value: number; step: number } }> = [];
    for (const l of stats.layers) {
      const v = l.activationVar;
      const base = this.first.get(l.layerId);
      if (!base) {
        if (Number.isFinite(v) && v > 0) this.first.set(l.layerId, { value: v, step: stats.step });
      } else if (Number.isFinite(v) && v > this.threshold(base.value)) {
        // NaN and Infinity are the nonfinite monitor's
        over.push({ layerId: l.layerId, value: v, base });
      }
    }
    return over.map(({ layerId, value, base }) => {
      const threshold = this.threshold(base.value);
      const rule = threshold === ACTIVATION_VAR_FLOOR
        ? `the floor ${ACTIVATION_VAR_FLOOR} (${this.factor}× its first measurement, ${fmt(base.value)} at step ${base.step}, is lower;`
        : `${this.factor}× its first measurement (${fmt(base.value)} at step ${base.step};`;
      return {
        kind: 'activation-variance',
        step: stats.step,
        layerId,
        value,
        threshold,
        severity: 'warning',
        message: `activation variance of ${layerId} is ${fmt(value)} at step ${stats.step}, over ${rule} threshold ${fmt(threshold)}): its activations are blowing up. ${REMEDY}`,
      };
    });
  }

  private threshold(base: number): number {
    return Math.max(this.factor * base, ACTIVATION_VAR_FLOOR);
  }
}
