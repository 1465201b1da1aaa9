/**
 * A run's state on the host: every weight, optimizer slot and piece of state as named arrays, and the counters a
 * resumed run continues from (TrainingLoop.snapshot / restore; the store writes and reads them as checkpoints).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DivergenceState } from './divergence';
import type { HostArray } from './hooks';

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainingState {
  step: number;
  iterations: number;
  /** Best validation metrics so far. */
  best: Record<string, number>;
  /** The divergence rule's reads (absent in checkpoints written before it existed). */
  divergence?: DivergenceState;
  /** Host state of each plugin (LoopPlugin.saveState), by plugin id. */
  plugins?: Record<string, unknown>;
}

export interface Snapshot {
  step: number;
  weights: HostArray[];
  optimizer: HostArray[];
  state: TrainingState;
}

/** Loads named host arrays into variables; every variable must get one, with its shape (`what` names them in errors). */
export function assignArrays(target: Map<string, tf.Variable>, arrays: HostArray[], what: string): void {
  const seen = new Set<string>();
  for (const a of arrays) {
    const v = target.get(a.name);
    if (!v) throw new Error(`checkpoint has ${what} '${a.name}' that the model does not have: was the model file changed since the checkpoint?`);
    if (v.shape.join('x') !== a.shape.join('x')) {
      throw new Error(`checkpoint ${what} '${a.name}' has shape [${a.shape}] but the model expects [${v.shape}]: was the model file changed since the checkpoint?`);
    }
    const t = tf.tensor(a.data, a.shape, a.dtype);
    v.assign(t);
    t.dispose();
    seen.add(a.name);
  }
  const missing = [...target.keys()].filter((k) => !seen.has(k));
  if (missing.length) throw new Error(`checkpoint lacks ${what}s ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
}
