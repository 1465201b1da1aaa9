/**
 * Safety nets (seed 001, "Gradient Spikes Despite Protocol"):
 * - global-norm clipping at `safety.clipNorm`, used by the loop only when `train.clipNorm` is 0 (an
 *   explicit train.clipNorm wins);
 * - loss-spike detection at each host read of the mean training loss (every `logEvery` steps, the read
 *   the loop already does): a spike is a loss above `spikeFactor` × the median of the previous
 *   `spikeWindow` reads (at least MIN_HISTORY of them). A spike raises a `loss-spike` alert and multiplies
 *   the LR by `lrFactor` for the next `lrSteps` steps (a spike during that window restarts it; factors do
 *   not compound). Every read, spikes included, enters the window: the median is robust to a few.
 *   The window is host state and starts empty on resume.
 * - batchNorm momentum `batchNormMomentum` (Keras convention: 0.99 = slow average), through the forward
 *   context.
 */
import type { Alert } from '../../protocol/trainer';
import type { SafetySpec } from '../../spec/types';
import { fmt, median } from '../monitors/monitor';

/** Reads needed before a median means anything. */
export const MIN_HISTORY = 3;

export class SpikeGuard {
  private readonly history: number[] = [];
  /** The LR is reduced for steps < reducedUntil. */
  private reducedUntil = -1;

  constructor(private readonly spec: SafetySpec) {}

  /** LR multiplier for 0-based `step`. */
  multiplier(step: number): number {
    return step < this.reducedUntil ? this.spec.lrFactor : 1;
  }

  /** The mean training loss read after `step` steps; returns the alert when it is a spike. */
  observe(step: number, loss: number): Alert | undefined {
    const { spikeFactor, spikeWindow, lrFactor, lrSteps } = this.spec;
    let alert: Alert | undefined;
    if (spikeFactor > 0 && Number.isFinite(loss) && this.history.length >= Math.min(MIN_HISTORY, spikeWindow)) {
      const med = median(this.history);
      const threshold = spikeFactor * med;
      if (med > 0 && loss > threshold) {
        this.reducedUntil = step + lrSteps;
        alert = {
          kind: 'loss-spike',
          step,
          value: loss,
          threshold,
          severity: 'warning',
          message: `training loss spiked to ${fmt(loss)} at step ${step}, over ${spikeFactor}× the median of the last ${this.history.length} reads (threshold ${fmt(threshold)}); the learning rate is multiplied by ${lrFactor} for the next ${lrSteps} steps. If spikes recur, lower the learning rate (train.optimizer.lr), lengthen the warm-up (stabilize.lr.warmupSteps) or tighten the spectral bound.`,
        };
      }
    }
    if (Number.isFinite(loss)) {
      this.history.push(loss);
      if (this.history.length > Math.max(1, spikeWindow)) this.history.shift();
    }
    return alert;
  }
}
