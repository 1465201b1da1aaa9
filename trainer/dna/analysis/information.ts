/** Entropies and normalised mutual information from counts (bits). */

/** Entropy in bits of the distribution counts / total (zero counts ignored). */
export function entropyBits(counts: Iterable<number>, total: number): number {
  if (total <= 0) return 0;
  let s = 0;
  for (const c of counts) if (c > 0) s += c * Math.log2(c);
  return Math.max(0, Math.log2(total) - s / total);
}

/**
 * Normalised mutual information of X and Y from their entropies and their joint entropy:
 * I = H(X) + H(Y) − H(X, Y), divided by the arithmetic mean (H(X) + H(Y)) / 2; 0 when either
 * entropy is 0. Clamped to [0, 1] against rounding.
 */
export function normalisedMutualInformation(hx: number, hy: number, hxy: number): number {
  if (hx <= 1e-12 || hy <= 1e-12) return 0;
  const nmi = (hx + hy - hxy) / ((hx + hy) / 2);
  return Math.min(1, Math.max(0, nmi));
}

/** log2 of the binomial coefficient C(n, k) (−Infinity when k > n). */
export function log2Binomial(n: number, k: number): number {
  if (k < 0 || k > n) return -Infinity;
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log2(n - k + i) - Math.log2(i);
  return s;
}
