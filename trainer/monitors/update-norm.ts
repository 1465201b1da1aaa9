/**
 * `update-norm`: a layer whose relative update ‖ΔW‖/‖W‖ jumps above `factor` (K = 10) × the median of its
 * own last `window` (20) measurements (at least 3). Seed 001's anchors: update-norm spikes come before
 * loss spikes, so this fires early. K = 10: a learning-rate warm-up raises the ratio smoothly (a few ×
 * between measurements at most), Adam keeps it near lr per step; a 10× jump means one step moved the
 * layer an order of magnitude more than it has been moving (an exploding gradient under SGD/momentum,
 * a rescale shock, a bad batch). Layers without weights are skipped. The median must be positive and the
 * threshold is at least `UPDATE_NORM_FLOOR` (a layer that has not been moving flags any first move).
 */
import type { StepStats } from '../engine/hooks';
import { REMEDY, fmt, median, withWeights, type LayerAlert, type Monitor } from './monitor';

export const UPDATE_NORM_FACTOR = 10;
/** A relative update at or under this is never a spike, whatever the layer's history. */
export const UPDATE_NORM_FLOOR = 1e-6;

export class UpdateNormMonitor implements Monitor {
  static readonly id = 'update-norm';
  readonly id = UpdateNormMonitor.id;
  private readonly history = new Map<string, number[]>();

  constructor(private readonly factor = UPDATE_NORM_FACTOR, private readonly window = 20) {}

  check(stats: StepStats): LayerAlert[] {
    const over: Array<{ layerId: string; ratio: number; med: number; n: number }> = [];
    for (const l of withWeights(stats.layers)) {
      const ratio = l.updateNorm / l.weightNorm;
      // non-finite values are the nonfinite monitor's; a zero weight norm has no meaningful ratio
      if (!Number.isFinite(ratio) || l.weightNorm === 0) continue;
      const h = this.history.get(l.layerId) ?? [];
      if (h.length >= 3) {
        const med = median(h);
        if (med > 0 && ratio > this.threshold(med)) over.push({ layerId: l.layerId, ratio, med, n: h.length });
      }
      h.push(ratio);
      if (h.length > this.window) h.shift();
      this.history.set(l.layerId, h);
    }
    return over.map(({ layerId, ratio, med, n }) => {
      const threshold = this.threshold(med);
      const rule = threshold === UPDATE_NORM_FLOOR ? `the floor ${UPDATE_NORM_FLOOR} (${this.factor}× its median over the last ${n} measurements is lower)` : `${this.factor}× its median over the last ${n} measurements`;
      return {
        kind: 'update-norm',
        step: stats.step,
        layerId,
        value: ratio,
        threshold,
        severity: 'warning',
        message: `relative update ‖ΔW‖/‖W‖ of ${layerId} is ${fmt(ratio)} at step ${stats.step}, over ${rule} (threshold ${fmt(threshold)}): update spikes come before loss spikes. ${REMEDY}`,
      };
    });
  }

  private threshold(med: number): number {
    return Math.max(this.factor * med, UPDATE_NORM_FLOOR);
  }
}
