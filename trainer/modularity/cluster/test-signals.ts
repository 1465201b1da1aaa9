/**
 * Synthetic gradient signals for the clusterer tests: `groups` blocks of units whose per-sample
 * signals are each driven by an independent latent source (unit loading in [0.5, 1.5]) plus noise.
 */
import { Rng } from '../../data/rng';

export interface PlantedSignals {
  /** Ground-truth group of each unit (units are shuffled across groups). */
  truth: Int32Array;
  /** A fresh step of row-major [samples, units] signals. */
  step(): Float32Array;
}

export function plantedSignals(units: number, groups: number, samples: number, noise: number, seed: number): PlantedSignals {
  const rng = new Rng(seed);
  const truth = new Int32Array(units);
  for (let u = 0; u < units; u++) truth[u] = u % groups;
  rng.shuffle(truth);
  const loading = new Float32Array(units);
  for (let u = 0; u < units; u++) loading[u] = 0.5 + rng.next();
  return {
    truth,
    step(): Float32Array {
      const out = new Float32Array(samples * units);
      const z = new Float32Array(groups);
      for (let s = 0; s < samples; s++) {
        for (let g = 0; g < groups; g++) z[g] = rng.normal();
        for (let u = 0; u < units; u++) out[s * units + u] = loading[u] * z[truth[u]] + noise * rng.normal();
      }
      return out;
    },
  };
}
