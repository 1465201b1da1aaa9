/**
 * Small deterministic PRNG (mulberry32) plus seed derivation. Shared by the data loaders (split,
 * synthetic generators) and the engine (per-epoch shuffles), so that a seed fixes everything.
 */

import { mulberry32 } from '../../spec/rng';

export { mulberry32 };

/** murmur3's 32-bit finaliser: a well-mixed hash of a 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Normalises any finite number (negative, fractional, > 2^32) to a 32-bit seed. */
export function toSeed32(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  const s = Math.trunc(seed);
  // Fold the high bits in so that 2^32 + 1 and 1 differ.
  return fmix32((s >>> 0) ^ fmix32(Math.floor(s / 4294967296) >>> 0));
}

/**
 * An independent stream seed for one purpose: `deriveSeed(seed, 'split')`,
 * `deriveSeed(seed, 'epoch', 3)`. Same inputs → same output; different salts → unrelated streams.
 */
export function deriveSeed(seed: number, ...salts: (number | string)[]): number {
  let h = toSeed32(seed);
  for (const salt of salts) {
    if (typeof salt === 'number') {
      h = fmix32(h ^ Math.imul(toSeed32(salt) ^ 0x9e3779b9, 0x27d4eb2f));
    } else {
      for (let i = 0; i < salt.length; i++) h = fmix32(Math.imul(h ^ salt.charCodeAt(i), 0x01000193));
      h = fmix32(h ^ salt.length);
    }
  }
  return h;
}

/** A seeded random source with the few draws the data layer needs. */
export class Rng {
  private readonly nextFloat: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.nextFloat = mulberry32(toSeed32(seed));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextFloat();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Standard normal (Box–Muller, the second value is cached). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns `arr`. */
  shuffle<T extends { length: number; [i: number]: number }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.nextFloat() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }
}

/** 0..n-1 shuffled by a seeded stream. */
export function shuffledIndices(n: number, seed: number): Uint32Array<ArrayBuffer> {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return new Rng(seed).shuffle(idx);
}
