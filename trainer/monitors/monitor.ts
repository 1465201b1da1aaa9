/**
 * Per-layer stability monitors: each looks at one step's per-layer statistics (trainer/engine/hooks.ts,
 * read back in one batched read) and returns the alerts it raises. The editor shows an alert with a
 * `layerId` as a diagnostic on that layer. Monitors are registered by id in registry.ts and run from one
 * TrainingHook (hook.ts), which also drops repeats of the same (kind, layer) alert.
 */
import type { Alert, LayerStats } from '../../protocol/trainer';
import type { StepStats } from '../engine/hooks';

export interface Monitor {
  /** Registry id, e.g. `grad-norm`. */
  readonly id: string;
  /**
   * Looks at the statistics of one step and returns the alerts it raises (possibly none). Called every
   * N steps in step order; a monitor may keep state across calls (a fresh instance per run).
   */
  check(stats: StepStats): Alert[];
}

/** What a user can do about an unstable layer; ends every monitor message. */
export const REMEDY = 'Lower the learning rate (train.optimizer.lr), enable gradient clipping (train.clipNorm: 1.0), or add normalization (layerNorm) to the block.';

/** Layers that own weights (layers without any have gradient and weight norm exactly 0). */
export function withWeights(layers: LayerStats[]): LayerStats[] {
  return layers.filter((l) => !(l.gradNorm === 0 && l.weightNorm === 0 && l.updateNorm === 0));
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Short number for messages: 1.23e+4, 0.5, 12.3. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}
