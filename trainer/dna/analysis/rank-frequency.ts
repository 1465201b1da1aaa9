/**
 * Path frequency against rank (issue 8: the paper reports a power law, count(r) ≈ C · r^(−α)).
 * Inputs are path counts sorted in descending order, so rank r is index r − 1.
 */
import type { PowerLawFit } from '../../../protocol/dna';

/** Counts sorted in descending order (a copy). */
export function descending(counts: ArrayLike<number>): Int32Array {
  return Int32Array.from(counts).sort().reverse();
}

/** Ranks 1..10, then round(10^(j/10)) for j = 11, 12, … (13, 16, 20, 25, 32, 40, 50, 63, 79, 100, …), then `last`. */
export function logSpacedRanks(last: number): number[] {
  const ranks: number[] = [];
  for (let r = 1; r <= Math.min(10, last); r++) ranks.push(r);
  for (let j = 11; ; j++) {
    const r = Math.round(Math.pow(10, j / 10));
    if (r >= last) break;
    if (r > ranks[ranks.length - 1]) ranks.push(r);
  }
  if (last > 10) ranks.push(last);
  return ranks;
}

/** [rank, count] at log-spaced ranks up to the number of distinct paths. */
export function rankFrequency(desc: ArrayLike<number>): Array<[number, number]> {
  return logSpacedRanks(desc.length).map((r) => [r, desc[r - 1]]);
}

/**
 * Least-squares fit of ln(count) on ln(rank) over the ranks whose count is at least 2 (at most the
 * first `maxRanks`); null with fewer than 3 such ranks. exponent = −slope, intercept = ln C.
 * r² is 1 when the fit is exact (including a flat distribution).
 */
export function fitPowerLaw(desc: ArrayLike<number>, maxRanks = 1000): PowerLawFit | null {
  let ranks = 0;
  while (ranks < desc.length && ranks < maxRanks && desc[ranks] >= 2) ranks++;
  if (ranks < 3) return null;
  let sx = 0, sy = 0;
  for (let i = 0; i < ranks; i++) { sx += Math.log(i + 1); sy += Math.log(desc[i]); }
  const mx = sx / ranks, my = sy / ranks;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < ranks; i++) {
    const dx = Math.log(i + 1) - mx, dy = Math.log(desc[i]) - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssRes = Math.max(0, syy - slope * sxy);
  const r2 = syy > 1e-12 ? 1 - ssRes / syy : 1;
  return { exponent: -slope, intercept, r2, ranks };
}
