/** A hand-built StabilizeSpec with the spec engineer's defaults (until the `stabilize:` parser lands). */
import type { StabilizeSpec } from '../../spec/types';

type Overrides = { [K in keyof StabilizeSpec]?: StabilizeSpec[K] extends unknown[] ? StabilizeSpec[K] : StabilizeSpec[K] extends object ? Partial<StabilizeSpec[K]> : StabilizeSpec[K] };

export function defaultStabilize(depth: number, o: Overrides = {}): StabilizeSpec {
  return {
    auto: false,
    depth,
    spectral: { enabled: true, initial: 0.9, final: 2.0, schedule: 'linear', steps: 0, every: 1, iterations: 1, ...o.spectral },
    residual: { mode: 'scheduled', initial: 0.1, final: 1.0, steps: 0, attentionInitial: 0.1, attentionFinal: 1.0, lr: 0.01, ...o.residual },
    lr: { enabled: true, warmupSteps: 'auto', peakLr: 'auto', decayTo: 0.5, finalFactor: 0.1, finalPhase: 0.1, ...o.lr },
    safety: { clipNorm: 1, spikeFactor: 3, spikeWindow: 20, lrFactor: 0.5, lrSteps: 100, batchNormMomentum: 0.99, ...o.safety },
    monitors: o.monitors ?? ['nonfinite', 'grad-norm', 'activation-variance', 'update-norm', 'spectral-norm', 'loss-spike'],
    monitorEvery: o.monitorEvery ?? 10,
    suggestedBatchSize: 64 + 8 * Math.floor(depth / 100),
    choices: o.choices ?? [],
  };
}

/** Everything off: the stabilizer must then leave the loop exactly as it is. */
export function allOff(depth: number): StabilizeSpec {
  return defaultStabilize(depth, {
    spectral: { enabled: false },
    residual: { mode: 'off' },
    lr: { enabled: false },
    safety: { clipNorm: 0, spikeFactor: 0, batchNormMomentum: 0 },
    monitors: [],
  });
}
