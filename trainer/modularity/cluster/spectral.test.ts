import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../data/rng';
import { adjustedRand, qModularity } from './metrics';
import { spectralClustering, weightGraph } from './spectral';

/** k dense blocks of `size` nodes (weights in [0.5, 1.5]) plus sparse weak cross edges. */
function plantedGraph(k: number, size: number, seed: number): { adjacency: Float32Array; n: number; truth: Int32Array } {
  const rng = new Rng(seed);
  const n = k * size;
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) truth[i] = i % k;
  rng.shuffle(truth);
  const adjacency = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const same = truth[i] === truth[j];
      const w = same ? (rng.next() < 0.5 ? 0.5 + rng.next() : 0) : (rng.next() < 0.05 ? 0.2 * rng.next() : 0);
      adjacency[i * n + j] = w;
      adjacency[j * n + i] = w;
    }
  }
  return { adjacency, n, truth };
}

test('spectral clustering recovers a planted block graph', () => {
  const { adjacency, n, truth } = plantedGraph(4, 40, 1);
  const labels = spectralClustering(adjacency, n, 4, 3);
  assert.equal(adjustedRand(labels, truth), 1);
  assert.deepEqual(spectralClustering(adjacency, n, 4, 3), labels);
  assert.ok(qModularity(adjacency, n, labels) > 0.6);
});

test('isolated nodes get round-robin labels and no NaN', () => {
  const { adjacency, n, truth } = plantedGraph(3, 20, 2);
  const m = n + 5; // five extra nodes with no edges
  const padded = new Float32Array(m * m);
  for (let i = 0; i < n; i++) padded.set(adjacency.subarray(i * n, (i + 1) * n), i * m);
  const labels = spectralClustering(padded, m, 3, 1);
  assert.equal(adjustedRand(labels.subarray(0, n), truth), 1);
  assert.deepEqual(Array.from(labels.subarray(n)), [0, 1, 2, 0, 1]);
  assert.deepEqual(Array.from(spectralClustering(new Float32Array(16), 4, 2, 0)), [0, 1, 0, 1]);
  assert.deepEqual(Array.from(spectralClustering(new Float32Array(0), 0, 2, 0)), []);
});

test('weightGraph links consecutive layer boundaries with |w| and clusters a block-diagonal MLP', () => {
  // Two layers 4 → 4 → 2, each block-diagonal in two halves: modules {in 0-1, hid 0-1, out 0} and the rest.
  const k1 = Float32Array.of(1, -1, 0, 0, 1, 1, 0, 0, 0, 0, -1, 1, 0, 0, 1, 1);
  const k2 = Float32Array.of(1, 0, -1, 0, 0, 1, 0, 1);
  const g = weightGraph([{ kernel: k1, rows: 4, cols: 4 }, { kernel: k2, rows: 4, cols: 2 }]);
  assert.equal(g.n, 10);
  assert.deepEqual(Array.from(g.offsets), [0, 4, 8, 10]);
  assert.equal(g.adjacency[0 * 10 + 5], 1); // input 0 → hidden 1, |−1|
  assert.equal(g.adjacency[5 * 10 + 0], 1);
  assert.equal(g.adjacency[6 * 10 + 8], 0);
  const labels = spectralClustering(g.adjacency, g.n, 2, 0);
  const truth = Int32Array.of(0, 0, 1, 1, 0, 0, 1, 1, 0, 1);
  assert.equal(adjustedRand(labels, truth), 1);
  assert.throws(() => weightGraph([{ kernel: k1, rows: 4, cols: 4 }, { kernel: k2, rows: 2, cols: 4 }]), /layer 1 has 2 inputs/);
});

test('spectral clustering of a 1500-node layered weight graph finishes in seconds', () => {
  const rng = new Rng(4);
  const sizes = [500, 400, 400, 200];
  const layers = sizes.slice(1).map((cols, l) => {
    const rows = sizes[l];
    const kernel = new Float32Array(rows * cols);
    // Four planted modules: strong weights inside a module, weak ones across.
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      const same = Math.floor((r * 4) / rows) === Math.floor((c * 4) / cols);
      kernel[r * cols + c] = rng.normal() * (same ? 1 : 0.05);
    }
    return { kernel, rows, cols };
  });
  const g = weightGraph(layers);
  assert.equal(g.n, 1500);
  const start = Date.now();
  const labels = spectralClustering(g.adjacency, g.n, 4, 0);
  const elapsed = Date.now() - start;
  const truth = new Int32Array(g.n);
  sizes.forEach((size, b) => { for (let i = 0; i < size; i++) truth[g.offsets[b] + i] = Math.floor((i * 4) / size); });
  assert.ok(adjustedRand(labels, truth) > 0.95, `ARI ${adjustedRand(labels, truth)}`);
  assert.ok(elapsed < 5000, `${elapsed} ms`);
});
