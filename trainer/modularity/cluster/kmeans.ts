/**
 * k-means for the host side (plain TypeScript, no tensors): seeded k-means++ initialisation, full
 * Lloyd iterations or mini-batch updates (Sculley 2010, "Web-scale k-means clustering"), optional
 * per-point weights and warm-start centroids. Also `normalizeRows`, which turns rows into centred
 * unit vectors so that squared Euclidean distance is 2 − 2·(Pearson correlation).
 *
 * Every array is row-major: point i occupies `points[i*dim .. (i+1)*dim)`.
 */
import { Rng } from '../../data/rng';

export interface KMeansOptions {
  /** Number of clusters, ≥ 1. */
  k: number;
  /** Seeds k-means++ and the mini-batch draws; equal inputs and seed give equal output. */
  seed: number;
  /** Warm-start centroids, k*dim floats. When given, k-means++ is skipped and ids follow `init`'s rows. */
  init?: Float32Array;
  /** Maximum Lloyd iterations (default 100; stops earlier when no label changes), or mini-batch steps (default 100). */
  iterations?: number;
  /** Mini-batch size. When set and < n, runs mini-batch k-means; otherwise full Lloyd. */
  batchSize?: number;
  /** Per-point weights, n floats ≥ 0 (default all 1). A zero-weight point is labelled but does not move centroids. */
  weights?: Float32Array;
}

export interface KMeansResult {
  /** Cluster of each point, 0..k-1, nearest to the returned centroids. */
  labels: Int32Array;
  /** k*dim floats. A cluster that stays empty keeps its previous (initial) centroid. */
  centroids: Float32Array;
  /** Σ weight · squared distance to the assigned centroid. */
  inertia: number;
  /** Points per cluster (unweighted). Zeros only when there are fewer distinct points than k. */
  sizes: Int32Array;
}

/**
 * Clusters `n` points of `dim` floats into `opts.k` clusters.
 *
 * Empty clusters are re-seeded with the point farthest from its own centroid (taken from a cluster
 * that keeps at least one point), so every cluster is non-empty whenever there are ≥ k distinct points.
 * Throws on inconsistent sizes.
 */
export function kmeans(points: Float32Array, n: number, dim: number, opts: KMeansOptions): KMeansResult {
  const k = opts.k;
  if (!Number.isInteger(k) || k < 1) throw new Error(`kmeans: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(dim) || dim < 1) throw new Error(`kmeans: bad shape n=${n} dim=${dim}`);
  if (points.length < n * dim) throw new Error(`kmeans: points has ${points.length} floats, expected n*dim = ${n * dim}`);
  if (opts.init && opts.init.length !== k * dim) throw new Error(`kmeans: init has ${opts.init.length} floats, expected k*dim = ${k * dim}`);
  if (opts.weights && opts.weights.length !== n) throw new Error(`kmeans: weights has ${opts.weights.length} entries, expected n = ${n}`);
  const weights = opts.weights;
  const rng = new Rng(opts.seed);
  const cent = new Float64Array(k * dim);
  if (opts.init) cent.set(opts.init);
  else if (n > 0) kmeansPlusPlus(points, n, dim, k, weights, rng, cent);

  const labels = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  if (n > 0) {
    const miniBatch = opts.batchSize !== undefined && opts.batchSize > 0 && opts.batchSize < n;
    if (miniBatch) miniBatchSteps(points, n, dim, k, cent, weights, rng, opts.batchSize!, opts.iterations ?? 100);
    else lloyd(points, n, dim, k, cent, weights, labels, dist, opts.iterations ?? 100);
    assignAll(points, n, dim, cent, k, labels, dist);
    // A final assignment can leave a cluster empty (always possible after mini-batch steps).
    reseedEmpty(points, n, dim, k, cent, weights, labels, dist);
  }
  const sizes = new Int32Array(k);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    sizes[labels[i]]++;
    inertia += (weights ? weights[i] : 1) * dist[i];
  }
  return { labels, centroids: Float32Array.from(cent), inertia, sizes };
}

/** Squared Euclidean distance between point i and centroid c. */
function sqDist(points: Float32Array, i: number, dim: number, cent: Float64Array, c: number): number {
  let s = 0;
  const p = i * dim;
  const q = c * dim;
  for (let d = 0; d < dim; d++) {
    const x = points[p + d] - cent[q + d];
    s += x * x;
  }
  return s;
}

/** Index of the nearest centroid to point i (ties → lowest index); writes the distance to `out[0]`. */
function nearest(points: Float32Array, i: number, dim: number, cent: Float64Array, k: number, out: Float64Array): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < k; c++) {
    const d = sqDist(points, i, dim, cent, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  out[0] = bestD;
  return best;
}

/** E-step: labels and squared distances of every point; returns how many labels changed. */
function assignAll(points: Float32Array, n: number, dim: number, cent: Float64Array, k: number, labels: Int32Array, dist: Float64Array): number {
  const out = new Float64Array(1);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const c = nearest(points, i, dim, cent, k, out);
    if (c !== labels[i]) { labels[i] = c; changed++; }
    dist[i] = out[0];
  }
  return changed;
}

/**
 * Greedy weighted k-means++ (Arthur & Vassilvitskii 2007; the greedy variant scikit-learn uses):
 * each next centre is the best, by resulting Σ weight·D², of 2 + ⌊ln k⌋ candidates drawn ∝ weight·D².
 */
function kmeansPlusPlus(points: Float32Array, n: number, dim: number, k: number, weights: Float32Array | undefined, rng: Rng, cent: Float64Array): void {
  const w = (i: number): number => (weights ? Math.max(0, weights[i]) : 1);
  const draw = (score: (i: number) => number, total: number): number => {
    if (!(total > 0)) return -1;
    let r = rng.next() * total;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const s = score(i);
      if (!(s > 0)) continue;
      last = i;
      r -= s;
      if (r < 0) return i;
    }
    return last; // rounding fell off the end
  };
  let totalW = 0;
  for (let i = 0; i < n; i++) totalW += w(i);
  let first = draw(w, totalW);
  if (first < 0) first = rng.int(n); // all weights zero: uniform
  const copy = (c: number, i: number): void => { for (let d = 0; d < dim; d++) cent[c * dim + d] = points[i * dim + d]; };
  copy(0, first);
  let d2 = new Float64Array(n);
  let trial = new Float64Array(n);
  let best = new Float64Array(n);
  for (let i = 0; i < n; i++) d2[i] = sqDist(points, i, dim, cent, 0);
  const trials = 2 + Math.floor(Math.log(k));
  const one = new Float64Array(dim);
  for (let c = 1; c < k; c++) {
    let potential = 0;
    for (let i = 0; i < n; i++) potential += w(i) * d2[i];
    let pick = -1;
    let pickPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      const cand = draw((i) => w(i) * d2[i], potential);
      if (cand < 0) break; // fewer distinct points than k
      for (let d = 0; d < dim; d++) one[d] = points[cand * dim + d];
      let sum = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let d = 0; d < dim; d++) { const x = points[i * dim + d] - one[d]; s += x * x; }
        trial[i] = Math.min(d2[i], s);
        sum += w(i) * trial[i];
      }
      if (sum < pickPotential) { pickPotential = sum; pick = cand; [best, trial] = [trial, best]; }
    }
    if (pick < 0) { copy(c, first); continue; } // duplicate centre: left empty, re-seeded if possible
    copy(c, pick);
    [d2, best] = [best, d2];
  }
}

/** Full Lloyd iterations until no label changes or `iterations` M-steps have run. */
function lloyd(points: Float32Array, n: number, dim: number, k: number, cent: Float64Array, weights: Float32Array | undefined, labels: Int32Array, dist: Float64Array, iterations: number): void {
  const sums = new Float64Array(k * dim);
  const mass = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    const changed = assignAll(points, n, dim, cent, k, labels, dist);
    if (it > 0 && changed === 0) return;
    const reseeded = reseedEmpty(points, n, dim, k, cent, weights, labels, dist);
    sums.fill(0);
    mass.fill(0);
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i] : 1;
      if (!(w > 0)) continue;
      const c = labels[i];
      mass[c] += w;
      for (let d = 0; d < dim; d++) sums[c * dim + d] += w * points[i * dim + d];
    }
    for (let c = 0; c < k; c++) {
      if (!(mass[c] > 0)) continue; // still empty (too few distinct points): keep the centroid
      for (let d = 0; d < dim; d++) cent[c * dim + d] = sums[c * dim + d] / mass[c];
    }
    if (changed === 0 && reseeded === 0) return;
  }
}

/** Sculley's mini-batch k-means: per-centre learning rate 1 / (weight seen so far). */
function miniBatchSteps(points: Float32Array, n: number, dim: number, k: number, cent: Float64Array, weights: Float32Array | undefined, rng: Rng, batch: number, iterations: number): void {
  const seen = new Float64Array(k);
  const idx = new Int32Array(batch);
  const lab = new Int32Array(batch);
  const out = new Float64Array(1);
  for (let it = 0; it < iterations; it++) {
    for (let b = 0; b < batch; b++) {
      idx[b] = rng.int(n);
      lab[b] = nearest(points, idx[b], dim, cent, k, out);
    }
    for (let b = 0; b < batch; b++) {
      const i = idx[b];
      const w = weights ? weights[i] : 1;
      if (!(w > 0)) continue;
      const c = lab[b];
      seen[c] += w;
      const eta = w / seen[c];
      for (let d = 0; d < dim; d++) cent[c * dim + d] += eta * (points[i * dim + d] - cent[c * dim + d]);
    }
  }
}

/**
 * Moves, for each cluster with no positive-weight point, the positive-weight point farthest from its
 * own centroid (in a cluster that keeps another positive-weight point) into it, as its new centroid.
 * Updates labels/dist in place; returns the number of clusters re-seeded.
 */
function reseedEmpty(points: Float32Array, n: number, dim: number, k: number, cent: Float64Array, weights: Float32Array | undefined, labels: Int32Array, dist: Float64Array): number {
  const count = new Int32Array(k);
  for (let i = 0; i < n; i++) if (!weights || weights[i] > 0) count[labels[i]]++;
  let reseeded = 0;
  for (let c = 0; c < k; c++) {
    if (count[c] > 0) continue;
    let far = -1;
    let farD = 0;
    for (let i = 0; i < n; i++) {
      if (weights && !(weights[i] > 0)) continue;
      if (count[labels[i]] < 2) continue;
      const wd = dist[i] * (weights ? weights[i] : 1);
      if (wd > farD) { farD = wd; far = i; }
    }
    if (far < 0) continue; // every remaining point sits on its centroid: nothing distinct to move
    count[labels[far]]--;
    count[c]++;
    labels[far] = c;
    dist[far] = 0;
    for (let d = 0; d < dim; d++) cent[c * dim + d] = points[far * dim + d];
    reseeded++;
  }
  return reseeded;
}

/** Result of `normalizeRows`. */
export interface NormalizedRows {
  /** n*dim floats: each row centred (mean 0) and scaled to unit L2 norm; dormant rows are all zero. */
  rows: Float32Array;
  /** 1 for a row with no usable signal: non-finite values, or a centred norm ≈ 0 (constant or all-zero row). */
  dormant: Uint8Array;
}

/**
 * Centres each row and scales it to unit L2 norm, so that for two live rows ‖a − b‖² = 2 − 2·corr(a, b)
 * and Euclidean k-means clusters by Pearson correlation.
 *
 * A row is dormant when it holds a non-finite value, or when its centred norm is 0, below 1e-5 of its
 * uncentred norm (constant up to rounding), or below 1e-7 of the largest centred norm among the rows.
 */
export function normalizeRows(points: Float32Array, n: number, dim: number): NormalizedRows {
  if (points.length < n * dim) throw new Error(`normalizeRows: points has ${points.length} floats, expected n*dim = ${n * dim}`);
  const rows = new Float32Array(n * dim);
  const dormant = new Uint8Array(n);
  const norms = new Float64Array(n);
  const means = new Float64Array(n);
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let raw = 0;
    for (let d = 0; d < dim; d++) {
      const x = points[i * dim + d];
      sum += x;
      raw += x * x;
    }
    if (!Number.isFinite(sum) || !Number.isFinite(raw)) { dormant[i] = 1; continue; }
    const mean = sum / dim;
    let ss = 0;
    for (let d = 0; d < dim; d++) {
      const x = points[i * dim + d] - mean;
      ss += x * x;
    }
    const norm = Math.sqrt(ss);
    if (!(norm > 0) || norm <= 1e-5 * Math.sqrt(raw)) { dormant[i] = 1; continue; }
    norms[i] = norm;
    means[i] = mean;
    if (norm > maxNorm) maxNorm = norm;
  }
  for (let i = 0; i < n; i++) {
    if (dormant[i]) continue;
    if (norms[i] <= 1e-7 * maxNorm) { dormant[i] = 1; continue; }
    const inv = 1 / norms[i];
    for (let d = 0; d < dim; d++) rows[i * dim + d] = (points[i * dim + d] - means[i]) * inv;
  }
  return { rows, dormant };
}
