/**
 * Optimal Brain Damage (LeCun et al. 1990), diagonal: ½ Σ_{w in channel} w²·F_w, with F = E[g²] the diagonal
 * (empirical) Fisher of the producer's kernel, standing in for the Hessian diagonal (see `../stats.ts`).
 */
import type { Criterion } from '../types';
import { kernelOf, perGroup, statOf } from './common';

export const obd: Criterion = {
  id: 'obd',
  description: '½ Σ w²·E[g²] over the channel\'s kernel entries: second-order saliency, diagonal Fisher',
  needs: ['fisher'],
  score: (input) => perGroup(input, (g) => {
    const k = kernelOf(input, g, 'obd');
    const f = statOf(input, 'fisher', g.producer, k.data.length, 'obd');
    const out = new Float32Array(g.channels);
    for (let i = 0; i < k.data.length; i++) {
      const w = k.data[i]!;
      out[i % k.channels]! += 0.5 * w * w * f[i]!;
    }
    return out;
  }),
};
