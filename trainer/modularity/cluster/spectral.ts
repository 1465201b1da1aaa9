/**
 * Spectral clustering of a weighted undirected graph, as Filan et al. (2021, "Clusterability in
 * neural networks") apply it to a network's weight graph: embed the nodes with the top-k
 * eigenvectors of the normalised affinity D^-1/2 A D^-1/2, normalise each node's row (Ng, Jordan &
 * Weiss 2001), and run k-means on the rows. Also `weightGraph`, which builds that graph from the
 * kernels of consecutive dense layers.
 */
import { deriveSeed } from '../../data/rng';
import { topEigenvectors, type Csr, type EigenOptions } from './eigen';
import { kmeans } from './kmeans';

export interface SpectralOptions extends EigenOptions {
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
