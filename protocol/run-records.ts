/**
 * The rows of a run's JSONL files, which are also the payloads of the trainer's live notifications: metric records
 * (`metrics.jsonl`, `run/metrics`), per-layer statistics (`layer-stats.jsonl`, `run/layerStats`) and alerts
 * (`alerts.jsonl`, `run/alert`). Declared here, below protocol/trainer.ts (which re-exports them), so that the
 * dashboard's shapes (protocol/webview.ts) can use them and `run/dashboard` can return those shapes without a cycle.
 */

/** One batch of scalars at a step, as stored in metrics.jsonl. */
export interface MetricRecord {
  step: number;
  epoch?: number;
  /** Unix time in milliseconds. */
  time: number;
  split: 'train' | 'validation' | 'test';
  [key: string]: number | string | undefined;
}

/** Per-layer statistics at one step (`train.statsEvery`), keyed by the layer's id in the model file. */
export interface LayerStats {
  layerId: string;
  /** L2 norm of the layer's gradients (before clipping). */
  gradNorm: number;
  /** L2 norm of the change the optimizer applied to the layer's weights this step. */
  updateNorm: number;
  /** L2 norm of the layer's weights after the step. */
  weightNorm: number;
  /** Mean and variance of the layer's output activations over the batch. */
  activationMean: number;
  activationVar: number;
  /**
   * Largest singular value of the layer's weight matrices (the largest over q/k/v/o for attention), as
   * estimated by the stabilizer's power iteration after the optimizer's update and before the rescale to
   * the spectral bound. Present only when `stabilize.spectral` is on.
   */
  spectralNorm?: number;
}

export type AlertKind = 'nan' | 'inf' | 'divergence' | 'loss-spike' | 'grad-norm' | 'activation-variance' | 'update-norm' | 'spectral-norm'
  | 'subnetwork-count' | 'subnetwork-collapse' | 'routing-drops' | 'routing-collapse' | 'other';

export interface Alert {
  kind: AlertKind;
  step: number;
  /** Layer id (its path in the model file) when the alert concerns one layer. */
  layerId?: string;
  value?: number;
  threshold?: number;
  severity: 'warning' | 'error';
  /** For `layerId`'s alert: what happened on it (its own value and threshold, the rule that fired, the remedy). */
  message: string;
  /**
   * The other layers on which the same rule fired at the same step, in model order after `layerId` (the first
   * that crossed): one alert per cause instead of one per layer. Each with its own value (NaN and ±Infinity as
   * the strings alerts.jsonl writes). Absent in alerts.jsonl files written before 2026-12-05 (one alert per layer then).
   */
  others?: Array<{ layerId: string; value?: number }>;
}

/** The layers an alert names: `layerId` first, then `others`; none for an alert about the whole run. */
export function alertLayers(alert: Pick<Alert, 'layerId' | 'others'>): string[] {
  return alert.layerId === undefined ? [] : [alert.layerId, ...(alert.others ?? []).map((o) => o.layerId)];
}

/** ` and 3 more layers (b, c, d)` for a grouped alert, naming at most `list` of them; '' for one layer. */
export function moreLayers(alert: Alert, list = 3): string {
  const others = alert.others ?? [];
  if (others.length === 0) return '';
  const names = others.slice(0, list).map((o) => o.layerId).join(', ');
  return ` and ${others.length} more layer${others.length === 1 ? '' : 's'} (${names}${others.length > list ? ', …' : ''})`;
}
