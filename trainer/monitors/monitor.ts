/**
 * Per-layer stability monitors: each looks at one step's per-layer statistics (trainer/engine/hooks.ts,
 * read back in one batched read) and returns the alerts it raises. The editor shows an alert with a
 * `layerId` as a diagnostic on that layer. Monitors are registered by id in registry.ts and run from one
 * TrainingHook (hook.ts), which also drops repeats of the same (kind, rule, layer) alert and groups what is
 * left of one step: the alerts of one rule on many layers become one alert on the first of them (model
 * order) with the others in `others`.
 *
 * Every threshold a monitor reports is positive and finite: a relative rule whose reference is 0 or not
 * finite does not fire (or another rule takes over and says so), and a small reference meets a floor.
 */
import type { Alert, LayerStats } from '../../protocol/trainer';
import type { StepStats } from '../engine/hooks';

/** A monitor's alert on one layer; `rule` tells a monitor's rules apart (dedupe and grouping keep them apart). */
export interface LayerAlert extends Alert {
  rule?: string;
}

export interface Monitor {
  /** Registry id, e.g. `grad-norm`. */
  readonly id: string;
  /**
   * Looks at the statistics of one step and returns the alerts it raises (possibly none). Called every
   * N steps in step order; a monitor may keep state across calls (a fresh instance per run). One alert per
   * layer, every layer over the threshold: the hook groups them.
   */
  check(stats: StepStats): LayerAlert[];
}

/** What a user can do about an unstable layer; ends every monitor message. */
export const REMEDY = 'Lower the learning rate (train.optimizer.lr), enable gradient clipping (train.clipNorm: 1.0), or add normalization (layerNorm) to the block.';

/** Layers that own weights (layers without any have gradient and weight norm exactly 0). */
export function withWeights(layers: LayerStats[]): LayerStats[] {
  return layers.filter((l) => !(l.gradNorm === 0 && l.weightNorm === 0 && l.updateNorm === 0));
}

export { fmt, median } from '../engine/numbers';
