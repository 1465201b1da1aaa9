/** `nonfinite`: a layer whose gradient norm, weight norm or activation variance is NaN or ±Infinity. */
import type { StepStats } from '../engine/hooks';
import { REMEDY, type LayerAlert, type Monitor } from './monitor';

const QUANTITIES = [
  ['gradNorm', 'gradient norm'],
  ['weightNorm', 'weight norm'],
  ['activationVar', 'activation variance'],
] as const;

export class NonFiniteMonitor implements Monitor {
  static readonly id = 'nonfinite';
  readonly id = NonFiniteMonitor.id;

  /** Once a run diverges every layer is non-finite: one alert per layer, which the hook groups (kind `nan` or `inf`). */
  check(stats: StepStats): LayerAlert[] {
    const bad: Array<{ layerId: string; what: string; value: number }> = [];
    for (const l of stats.layers) {
      const q = QUANTITIES.find(([k]) => !Number.isFinite(l[k]));
      if (q) bad.push({ layerId: l.layerId, what: q[1], value: l[q[0]] });
    }
    return bad.map((b) => ({
      kind: Number.isNaN(b.value) ? 'nan' : 'inf',
      step: stats.step,
      layerId: b.layerId,
      value: b.value,
      severity: 'error',
      message: `${b.what} of ${b.layerId} is ${b.value} at step ${stats.step}: training has diverged. ${REMEDY}`,
    }));
  }
}
