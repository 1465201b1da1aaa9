/** A seeded subset of a split, to bound the cost of analyses that evaluate the model many times. */
import { Rng } from '../../data/rng';
import type { Split } from '../../data/types';

/**
 * At most `max` samples of `split`, drawn without replacement by a seeded stream and kept in their
 * original order; the split itself when it is small enough. `sampleSize` = prod(sampleShape),
 * `taskCount` = columns of y. Host memory only.
 */
export function subsampleSplit(split: Split, sampleSize: number, taskCount: number, max: number, seed: number): Split {
  const m = Math.max(0, Math.floor(max));
  if (split.n <= m) return split;
  const idx = new Uint32Array(split.n);
  for (let i = 0; i < split.n; i++) idx[i] = i;
  new Rng(seed).shuffle(idx);
  const chosen = idx.subarray(0, m).sort();
  const x = new Float32Array(m * sampleSize);
  const y = new Int32Array(m * taskCount);
  chosen.forEach((src, dst) => {
    x.set(split.x.subarray(src * sampleSize, (src + 1) * sampleSize), dst * sampleSize);
    y.set(split.y.subarray(src * taskCount, (src + 1) * taskCount), dst * taskCount);
  });
  return { x, y, n: m };
}
