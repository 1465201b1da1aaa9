/** Random scores (a baseline): uniform in [0, 1), a pure function of (seed, group id). */
import { deriveSeed, mulberry32 } from '../../data/rng';
import type { Criterion } from '../types';
import { perGroup } from './common';

export const random: Criterion = {
  id: 'random',
  description: 'uniform random scores (seeded per group): the baseline every criterion must beat',
  needs: [],
  score: (input) => perGroup(input, (g) => {
    const next = mulberry32(deriveSeed(input.seed, 'prune-random', g.id));
    return Float32Array.from({ length: g.channels }, () => next());
  }),
};
