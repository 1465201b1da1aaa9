/**
 * First-order Taylor on activations (Molchanov et al. 2017): the calibration mean of |a_c·∂ℓ/∂a_c| at the
 * group's tap (see `taps.ts` and `../stats.ts`), the first-order loss change of zeroing the channel.
 */
import type { Criterion } from '../types';
import { perGroup, statOf } from './common';

export const taylor: Criterion = {
  id: 'taylor',
  description: 'mean |a_c·∂ℓ/∂a_c| on calibration batches: first-order loss change of removing the channel',
  needs: ['taylor'],
  score: (input) => perGroup(input, (g) => Float32Array.from(statOf(input, 'taylor', g.id, g.channels, 'taylor'))),
};
