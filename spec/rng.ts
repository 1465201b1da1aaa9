/**
 * The project's one seeded PRNG, mulberry32, at the bottom of the layers so that everything can share it: the
 * sweep file's random draws (spec/sweep/expand.ts), and through trainer/data/rng.ts the data loaders, the
 * engine's shuffles and initialisers, so that a seed fixes everything.
 */

/** mulberry32: 32-bit state, period 2^32, uniform in [0, 1); good enough for shuffling, draws and synthetic data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
