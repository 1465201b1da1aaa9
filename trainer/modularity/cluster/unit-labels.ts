/**
 * The part both clusterers share: turning per-unit signatures into stable unit labels. Signatures
 * are normalised (`normalizeRows`), live units are clustered with k-means warm-started from the
 * previous labels, cluster ids are matched to the previous ones, and dormant units keep theirs.
 */
import type { ClusterResult } from './types';
import { deriveSeed } from '../../data/rng';
import { kmeans, normalizeRows, type KMeansResult } from './kmeans';

/** Above this many live units, k-means runs mini-batch steps of `MINI_BATCH` points. */
export const MINI_BATCH_ABOVE = 4096;
export const MINI_BATCH = 1024;

/** A fresh solution replaces the warm-started one only when its inertia is lower by this fraction. */
export const SWITCH_MARGIN = 0.01;

/**
 * Labels `units` units from their raw signatures (`units` rows of `dim` floats).
 *
 * Warm start: centroids are the means of the *current* normalised signatures grouped by `prev`
 * (signature space drifts between calls, so old centroids are not reused); a previous cluster with
 * no live unit starts at the live unit farthest from the other centroids. New cluster ids are then
 * matched greedily to previous ids by overlap, so ids stay put even if k-means re-seeds a cluster.
 *
 * Escaping local minima: `restarts` fresh k-means++ runs are made as well (`restarts + 1` when there
 * is no previous result); the lowest inertia wins, but a fresh run must beat the warm-started one by
 * `SWITCH_MARGIN` so near-equal solutions do not make labels flap.
 */
export function labelUnits(signatures: Float32Array, units: number, dim: number, k: number, prev: Int32Array | undefined, seed: number, restarts: number): ClusterResult {
  const { rows, dormant } = normalizeRows(signatures, units, dim);
  const labels = new Int32Array(units);
  for (let u = 0; u < units; u++) labels[u] = prev ? prev[u] : u % k;
  const live: number[] = [];
  for (let u = 0; u < units; u++) if (!dormant[u]) live.push(u);
  const m = live.length;
  if (m > 0) {
    const x = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) x.set(rows.subarray(live[i] * dim, (live[i] + 1) * dim), i * dim);
    const batchSize = m > MINI_BATCH_ABOVE ? MINI_BATCH : undefined;
    let result: KMeansResult | undefined;
    if (prev) {
      const init = warmCentroids(x, m, dim, k, live.map((u) => prev[u]));
      result = kmeans(x, m, dim, { k, seed: deriveSeed(seed, 'warm'), init, batchSize });
    }
    const fresh = prev ? restarts : restarts + 1; // the same number of k-means runs every call
    for (let r = 0; r < fresh; r++) {
      const candidate = kmeans(x, m, dim, { k, seed: deriveSeed(seed, 'fresh', r), batchSize });
      if (!result || candidate.inertia < result.inertia * (1 - SWITCH_MARGIN)) result = candidate;
    }
    if (!result) throw new Error('labelUnits: no k-means run'); // unreachable: fresh ≥ 1 without prev
    const ids = prev ? matchIds(result.labels, live.map((u) => prev[u]), k) : identity(k);
    for (let i = 0; i < m; i++) labels[live[i]] = ids[result.labels[i]];
  }
  let changed = units;
  if (prev) {
    changed = 0;
    for (let u = 0; u < units; u++) if (labels[u] !== prev[u]) changed++;
  }
  return { labels, dormant, changed };
}

/** Means of the rows of `x` grouped by `groups`; empty groups get the row farthest from the others. */
function warmCentroids(x: Float32Array, m: number, dim: number, k: number, groups: number[]): Float32Array {
  const sums = new Float64Array(k * dim);
  const count = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    const g = groups[i];
    if (g < 0 || g >= k) continue;
    count[g]++;
    for (let d = 0; d < dim; d++) sums[g * dim + d] += x[i * dim + d];
  }
  const init = new Float32Array(k * dim);
  const placed: number[] = [];
  for (let c = 0; c < k; c++) {
    if (count[c] === 0) continue;
    for (let d = 0; d < dim; d++) init[c * dim + d] = sums[c * dim + d] / count[c];
    placed.push(c);
  }
  for (let c = 0; c < k; c++) {
    if (count[c] > 0) continue;
    let far = 0;
    let farD = -1;
    for (let i = 0; i < m; i++) {
      let near = placed.length === 0 ? 0 : Infinity;
      for (const p of placed) {
        let s = 0;
        for (let d = 0; d < dim; d++) { const t = x[i * dim + d] - init[p * dim + d]; s += t * t; }
        if (s < near) near = s;
      }
      if (near > farD) { farD = near; far = i; }
    }
    init.set(x.subarray(far * dim, (far + 1) * dim), c * dim);
    placed.push(c);
  }
  return init;
}

/**
 * A permutation `ids[newCluster] = previousId` that greedily pairs clusters with the largest overlap
 * (ties prefer keeping the same id, then lower ids); unpaired clusters take the unused ids in order.
 */
function matchIds(next: Int32Array, prev: number[], k: number): Int32Array {
  const overlap = new Int32Array(k * k);
  for (let i = 0; i < next.length; i++) if (prev[i] >= 0 && prev[i] < k) overlap[next[i] * k + prev[i]]++;
  const ids = new Int32Array(k).fill(-1);
  const used = new Uint8Array(k);
  for (;;) {
    let best = -1;
    let bestN = 0;
    let bestSame = false;
    for (let a = 0; a < k; a++) {
      if (ids[a] >= 0) continue;
      for (let b = 0; b < k; b++) {
        if (used[b]) continue;
        const v = overlap[a * k + b];
        if (v > bestN || (v === bestN && v > 0 && a === b && !bestSame)) { best = a * k + b; bestN = v; bestSame = a === b; }
      }
    }
    if (best < 0) break;
    ids[Math.floor(best / k)] = best % k;
    used[best % k] = 1;
  }
  let free = 0;
  for (let a = 0; a < k; a++) {
    if (ids[a] >= 0) continue;
    if (!used[a]) { ids[a] = a; used[a] = 1; continue; }
    while (used[free]) free++;
    ids[a] = free;
    used[free] = 1;
  }
  return ids;
}

function identity(k: number): Int32Array {
  const ids = new Int32Array(k);
  for (let c = 0; c < k; c++) ids[c] = c;
  return ids;
}
