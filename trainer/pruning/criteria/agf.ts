/**
 * AGF kinetic utility (docs/pruning-criteria.md): the utility each channel accumulated along the fine-tuning
 * trajectory, measured by `agfTracker` (agf-tracker.ts). There is no static fallback: a calibration Taylor score
 * is a different criterion (`taylor`), so without a trajectory this criterion fails and says how to get one.
 */
import type { Criterion } from '../types';
import { perGroup, statOf } from './common';

export const agf: Criterion = {
  id: 'agf',
  description: 'AGF kinetic utility: |a·∂ℓ/∂a| accumulated over the training trajectory, alternating active and gated phases',
  needs: ['trajectory'],
  score: (input) => perGroup(input, (g) => Float32Array.from(statOf(input, 'trajectory', g.id, g.channels, 'agf'))),
};
