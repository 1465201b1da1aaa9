/**
 * `loss-spike`: listed with the per-layer monitors so `stabilize.monitors` and `--monitors` accept it, but a
 * loss spike is not a per-layer statistic: the stabilizer's safety (trainer/stabilize/safety.ts) detects it
 * at the loop's read of the training loss and emits the alert through the same path (alerts.jsonl,
 * run/alert). On the per-layer statistics this monitor raises nothing.
 */
import type { Alert } from '../../protocol/trainer';
import type { Monitor } from './monitor';

export class LossSpikeMonitor implements Monitor {
  static readonly id = 'loss-spike';
  readonly id = LossSpikeMonitor.id;

  check(): Alert[] {
    return [];
  }
}
