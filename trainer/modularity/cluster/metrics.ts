/**
 * Scores for partitions: agreement between two labelings (NMI, adjusted Rand, as scikit-learn
 * computes them), Newman's modularity Q of a labeling on a weighted graph, and Jaccard similarity of
 * two sets. None of them returns NaN; each documents its degenerate cases.
 */

/** Contingency counts of two labelings of equal length (labels are any integers). */
function contingency(a: Int32Array, b: Int32Array): { table: Map<number, Map<number, number>>; rowSums: Map<number, number>; colSums: Map<number, number> } {
  if (a.length !== b.length) throw new Error(`labelings differ in length: ${a.length} vs ${b.length}`);
  const table = new Map<number, Map<number, number>>();
  const rowSums = new Map<number, number>();
  const colSums = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    let row = table.get(a[i]);
    if (!row) table.set(a[i], (row = new Map()));
    row.set(b[i], (row.get(b[i]) ?? 0) + 1);
    rowSums.set(a[i], (rowSums.get(a[i]) ?? 0) + 1);
    colSums.set(b[i], (colSums.get(b[i]) ?? 0) + 1);
  }
  return { table, rowSums, colSums };
}

function entropy(sums: Map<number, number>, n: number): number {
  let h = 0;
  for (const c of sums.values()) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/**
 * Normalised mutual information, MI / mean(H(a), H(b)) (scikit-learn's default "arithmetic"
 * normalisation), in [0, 1] and invariant to renaming labels.
 * Degenerate cases, as scikit-learn: both empty, or both a single cluster → 1; otherwise when
 * either labeling has one cluster the MI is 0 → 0.
 */
export function nmi(a: Int32Array, b: Int32Array): number {
  const { table, rowSums, colSums } = contingency(a, b);
  const n = a.length;
  if (rowSums.size === colSums.size && rowSums.size <= 1) return 1;
  let mi = 0;
  for (const [ra, row] of table) {
    const pa = rowSums.get(ra)! / n;
    for (const [cb, count] of row) {
      const pab = count / n;
      mi += pab * Math.log(pab / (pa * (colSums.get(cb)! / n)));
    }
  }
  mi = Math.max(0, mi); // rounding can leave a tiny negative
  const norm = (entropy(rowSums, n) + entropy(colSums, n)) / 2;
  if (mi === 0 || norm <= 0) return 0;
  return Math.min(1, mi / norm);
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

/**
 * Adjusted Rand index (Hubert & Arabie 1985), as scikit-learn's `adjusted_rand_score`: 1 for
 * identical partitions up to renaming, about 0 for chance agreement, can be negative.
 * Degenerate cases, as scikit-learn: when both partitions agree on every pair (including both
 * empty, both a single cluster, or both all singletons) → 1.
 */
export function adjustedRand(a: Int32Array, b: Int32Array): number {
  const { table, rowSums, colSums } = contingency(a, b);
  const n = a.length;
  let index = 0;
  for (const row of table.values()) for (const count of row.values()) index += pairs(count);
  let sumA = 0;
  for (const c of rowSums.values()) sumA += pairs(c);
  let sumB = 0;
  for (const c of colSums.values()) sumB += pairs(c);
  const total = pairs(n);
  if (total === 0) return 1;
  const expected = (sumA * sumB) / total;
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1; // only when index == sumA == sumB: every pair agrees
  return (index - expected) / (max - expected);
}

/**
 * Newman's modularity Q = Σ_c [ e_c / 2m − (d_c / 2m)² ] of `labels` on the weighted undirected
 * graph `adjacency` (n*n, symmetric, non-negative), where 2m = Σ_ij A_ij, e_c = Σ_{i,j∈c} A_ij and
 * d_c = Σ_{i∈c} Σ_j A_ij. Ranges in [−1/2, 1). A graph with no edge weight (2m = 0) → 0.
 */
export function qModularity(adjacency: Float32Array, n: number, labels: Int32Array): number {
  if (adjacency.length !== n * n) throw new Error(`qModularity: adjacency has ${adjacency.length} entries, expected n*n = ${n * n}`);
  if (labels.length !== n) throw new Error(`qModularity: ${labels.length} labels for ${n} nodes`);
  const inside = new Map<number, number>();
  const degree = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    let di = 0;
    let ei = 0;
    for (let j = 0; j < n; j++) {
      const w = adjacency[i * n + j];
      di += w;
      if (labels[j] === labels[i]) ei += w;
    }
    total += di;
    degree.set(labels[i], (degree.get(labels[i]) ?? 0) + di);
    inside.set(labels[i], (inside.get(labels[i]) ?? 0) + ei);
  }
  if (!(total > 0)) return 0;
  let q = 0;
  for (const [c, d] of degree) q += inside.get(c)! / total - (d / total) ** 2;
  return q;
}

/** |A ∩ B| / |A ∪ B| of two sets (arrays are read as sets: duplicates ignored). Two empty sets → 1. */
export function jaccard(a: Set<number> | number[], b: Set<number> | number[]): number {
  const sa = a instanceof Set ? a : new Set(a);
  const sb = b instanceof Set ? b : new Set(b);
  if (sa.size === 0 && sb.size === 0) return 1;
  let both = 0;
  for (const x of sa) if (sb.has(x)) both++;
  return both / (sa.size + sb.size - both);
}
