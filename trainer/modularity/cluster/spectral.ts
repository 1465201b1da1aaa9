/**
 * Spectral clustering of a weighted undirected graph, as Filan et al. (2021, "Clusterability in
 * neural networks") apply it to a network's weight graph: embed the nodes with the top-k
 * eigenvectors of the normalised affinity D^-1/2 A D^-1/2, normalise each node's row (Ng, Jordan &
 * Weiss 2001), and run k-means on the rows. Also `weightGraph`, which builds that graph from the
 * kernels of consecutive dense layers.
 */
import { Rng, deriveSeed } from '../../data/rng';
import { kmeans } from './kmeans';

export interface SpectralOptions {
  /** Subspace-iteration cap (default 2000); the embedding is used as is when it runs out. */
  maxIterations?: number;
  /** Stop when every top-k Ritz pair has residual ‖Bx − θx‖ below this (default 1e-5). */
  tolerance?: number;
  /** k-means restarts on the embedding; the lowest inertia wins (default 8). */
  restarts?: number;
}

/**
 * Labels (0..k-1) for the `n` nodes of the graph `adjacency` (n*n, symmetric, non-negative).
 *
 * Isolated nodes (degree 0) take no part in the embedding and get round-robin labels (the i-th
 * isolated node gets `i % k`); they carry no edge, so cut- and modularity-style scores ignore them.
 * Deterministic for a seed. k is clamped to n.
 */
export function spectralClustering(adjacency: Float32Array, n: number, k: number, seed: number, opts: SpectralOptions = {}): Int32Array {
  if (adjacency.length !== n * n) throw new Error(`spectralClustering: adjacency has ${adjacency.length} entries, expected n*n = ${n * n}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`spectralClustering: k must be a positive integer, got ${k}`);
  const labels = new Int32Array(n);
  if (n === 0) return labels;
  k = Math.min(k, n);
  const degree = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < n; j++) {
      const a = adjacency[i * n + j];
      if (a > 0) d += a; // negatives and NaN are not edges
    }
    degree[i] = d;
  }
  const live: number[] = [];
  let isolated = 0;
  for (let i = 0; i < n; i++) {
    if (degree[i] > 0 && Number.isFinite(degree[i])) live.push(i);
    else labels[i] = isolated++ % k;
  }
  const m = live.length;
  if (m === 0) return labels;
  const graph = normalizedAffinity(adjacency, n, live, degree);
  const embedding = topEigenvectors(graph, m, Math.min(k, m), deriveSeed(seed, 'spectral', 'eigen'), opts);
  const dim = Math.min(k, m);
  for (let i = 0; i < m; i++) {
    let ss = 0;
    for (let c = 0; c < dim; c++) ss += embedding[i * dim + c] ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let c = 0; c < dim; c++) embedding[i * dim + c] *= inv;
  }
  const points = Float32Array.from(embedding);
  let best: Int32Array | undefined;
  let bestInertia = Infinity;
  const restarts = Math.max(1, opts.restarts ?? 8);
  for (let r = 0; r < restarts; r++) {
    const result = kmeans(points, m, dim, { k, seed: deriveSeed(seed, 'spectral', 'kmeans', r) });
    if (result.inertia < bestInertia) { bestInertia = result.inertia; best = result.labels; }
  }
  for (let i = 0; i < m; i++) labels[live[i]] = best![i];
  return labels;
}

/** Compressed sparse rows of M = D^-1/2 A D^-1/2 restricted to the live nodes (renumbered 0..m-1). */
interface Csr { start: Int32Array; col: Int32Array; val: Float64Array }

function normalizedAffinity(adjacency: Float32Array, n: number, live: number[], degree: Float64Array): Csr {
  const m = live.length;
  const start = new Int32Array(m + 1);
  let nnz = 0;
  for (let a = 0; a < m; a++) {
    const row = live[a] * n;
    for (let b = 0; b < m; b++) if (adjacency[row + live[b]] > 0) nnz++;
    start[a + 1] = nnz;
  }
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let p = 0;
  for (let a = 0; a < m; a++) {
    const i = live[a];
    const di = 1 / Math.sqrt(degree[i]);
    for (let b = 0; b < m; b++) {
      const w = adjacency[i * n + live[b]];
      if (!(w > 0)) continue;
      col[p] = b;
      val[p] = w * di / Math.sqrt(degree[live[b]]);
      p++;
    }
  }
  return { start, col, val };
}

/**
 * The k eigenvectors of M with the largest eigenvalues, as m*k row-major floats, by subspace
 * iteration with Rayleigh–Ritz on B = M + I. M's spectrum lies in [−1, 1]; the shift makes B
 * positive semidefinite so the wanted end is also the largest in magnitude (a bipartite graph, such
 * as a layered network, has eigenvalues in ± pairs that would otherwise never separate). A block of
 * k + 8 vectors speeds convergence to the k wanted ones.
 */
function topEigenvectors(graph: Csr, m: number, k: number, seed: number, opts: SpectralOptions): Float64Array {
  const p = Math.min(m, k + 8);
  const maxIt = opts.maxIterations ?? 2000;
  const tol = opts.tolerance ?? 1e-5;
  const rng = new Rng(seed);
  let q = new Float64Array(m * p);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  orthonormalize(q, m, p, rng);
  let z = new Float64Array(m * p);
  const h = new Float64Array(p * p);
  let x = new Float64Array(m * p);
  let bx = new Float64Array(m * p);
  for (let it = 0; it < maxIt; it++) {
    multiplyShifted(graph, q, z, m, p);
    // Rayleigh–Ritz: H = Qᵀ B Q, H = V Θ Vᵀ; Ritz vectors X = Q V, and B X = Z V.
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += q[i * p + a] * z[i * p + b];
        h[a * p + b] = s;
        h[b * p + a] = s;
      }
    }
    const { values, vectors } = symmetricEigen(h, p);
    rotate(q, vectors, x, m, p);
    rotate(z, vectors, bx, m, p);
    let worst = 0;
    for (let c = 0; c < k; c++) {
      let r = 0;
      for (let i = 0; i < m; i++) r += (bx[i * p + c] - values[c] * x[i * p + c]) ** 2;
      worst = Math.max(worst, Math.sqrt(r));
    }
    if (worst < tol) break;
    // Next block: orthonormalised B X (ordered by Ritz value, so the wanted vectors lead).
    [q, bx] = [bx, q];
    orthonormalize(q, m, p, rng);
  }
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) out[i * k + c] = x[i * p + c];
  return out;
}

/** out = (M + I) q for an m×p row-major block. */
function multiplyShifted(graph: Csr, q: Float64Array, out: Float64Array, m: number, p: number): void {
  const { start, col, val } = graph;
  out.set(q);
  for (let i = 0; i < m; i++) {
    const oi = i * p;
    for (let e = start[i]; e < start[i + 1]; e++) {
      const w = val[e];
      const oj = col[e] * p;
      for (let c = 0; c < p; c++) out[oi + c] += w * q[oj + c];
    }
  }
}

/** out = a · v for a (m×p) and v (p×p, columns are vectors). */
function rotate(a: Float64Array, v: Float64Array, out: Float64Array, m: number, p: number): void {
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let t = 0; t < p; t++) s += a[i * p + t] * v[t * p + c];
      out[i * p + c] = s;
    }
  }
}

/** Modified Gram–Schmidt (two passes) on the columns of an m×p block; a collapsed column is replaced by a random one. */
function orthonormalize(q: Float64Array, m: number, p: number, rng: Rng): void {
  for (let c = 0; c < p; c++) {
    for (let attempt = 0; ; attempt++) {
      let before = 0;
      for (let i = 0; i < m; i++) before += q[i * p + c] ** 2;
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < c; b++) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += q[i * p + b] * q[i * p + c];
          for (let i = 0; i < m; i++) q[i * p + c] -= dot * q[i * p + b];
        }
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += q[i * p + c] ** 2;
      if (norm > 1e-20 * Math.max(before, 1e-300) && norm > 0) {
        const inv = 1 / Math.sqrt(norm);
        for (let i = 0; i < m; i++) q[i * p + c] *= inv;
        break;
      }
      if (attempt > 8) throw new Error('spectralClustering: could not build an orthonormal basis');
      for (let i = 0; i < m; i++) q[i * p + c] = rng.normal();
    }
  }
}

/** Eigen-decomposition of a symmetric p×p matrix by cyclic Jacobi; values descending, vectors as columns. */
function symmetricEigen(matrix: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(p * p);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        total += a[i * p + j] ** 2;
        if (i !== j) off += a[i * p + j] ** 2;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let r = 0; r < p - 1; r++) {
      for (let s = r + 1; s < p; s++) {
        const ars = a[r * p + s];
        if (ars === 0) continue;
        const theta = (a[s * p + s] - a[r * p + r]) / (2 * ars);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let i = 0; i < p; i++) { // columns r, s
          const air = a[i * p + r];
          const ais = a[i * p + s];
          a[i * p + r] = c * air - sn * ais;
          a[i * p + s] = sn * air + c * ais;
        }
        for (let i = 0; i < p; i++) { // rows r, s
          const ari = a[r * p + i];
          const asi = a[s * p + i];
          a[r * p + i] = c * ari - sn * asi;
          a[s * p + i] = sn * ari + c * asi;
        }
        for (let i = 0; i < p; i++) {
          const vir = v[i * p + r];
          const vis = v[i * p + s];
          v[i * p + r] = c * vir - sn * vis;
          v[i * p + s] = sn * vir + c * vis;
        }
      }
    }
  }
  const order = Array.from({ length: p }, (_, i) => i).sort((i, j) => a[j * p + j] - a[i * p + i] || i - j);
  const values = new Float64Array(p);
  const vectors = new Float64Array(p * p);
  order.forEach((src, dst) => {
    values[dst] = a[src * p + src];
    for (let i = 0; i < p; i++) vectors[i * p + dst] = v[i * p + src];
  });
  return { values, vectors };
}

/** One dense layer: `kernel` is row-major [rows (inputs), cols (outputs)], as tfjs stores dense kernels. */
export interface LayerKernel { kernel: Float32Array; rows: number; cols: number }

export interface WeightGraph {
  /** n*n symmetric: |w| between an input unit and an output unit of one layer, 0 elsewhere. */
  adjacency: Float32Array;
  n: number;
  /** layers.length + 2 entries: block b holds nodes offsets[b]..offsets[b+1]-1; block 0 = inputs of layer 0, block b+1 = outputs of layer b. */
  offsets: Int32Array;
}

/**
 * The weight graph of a stack of dense layers: nodes are the units of every layer boundary
 * (inputs of layer 0, outputs of layer 0 = inputs of layer 1, …) and each weight w is an edge |w|
 * between its input and output units. Throws when consecutive shapes disagree.
 */
export function weightGraph(layers: LayerKernel[]): WeightGraph {
  if (layers.length === 0) return { adjacency: new Float32Array(0), n: 0, offsets: Int32Array.of(0) };
  const offsets = new Int32Array(layers.length + 2);
  offsets[1] = layers[0].rows;
  layers.forEach((layer, l) => {
    if (layer.kernel.length !== layer.rows * layer.cols) throw new Error(`weightGraph: layer ${l} kernel has ${layer.kernel.length} entries, expected ${layer.rows}*${layer.cols}`);
    if (l > 0 && layer.rows !== layers[l - 1].cols) throw new Error(`weightGraph: layer ${l} has ${layer.rows} inputs but layer ${l - 1} has ${layers[l - 1].cols} outputs`);
    offsets[l + 2] = offsets[l + 1] + layer.cols;
  });
  const n = offsets[layers.length + 1];
  const adjacency = new Float32Array(n * n);
  layers.forEach((layer, l) => {
    const inBase = offsets[l];
    const outBase = offsets[l + 1];
    for (let r = 0; r < layer.rows; r++) {
      for (let c = 0; c < layer.cols; c++) {
        const w = Math.abs(layer.kernel[r * layer.cols + c]);
        adjacency[(inBase + r) * n + outBase + c] = w;
        adjacency[(outBase + c) * n + inBase + r] = w;
      }
    }
  });
  return { adjacency, n, offsets };
}
