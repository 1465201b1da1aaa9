import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../data/rng';
import { kmeans, normalizeRows } from './kmeans';
import { adjustedRand } from './metrics';

/** `perCluster` points around each of `k` centres spaced 10 apart in `dim` dimensions, unit noise. */
function gaussians(k: number, perCluster: number, dim: number, seed: number): { points: Float32Array; truth: Int32Array; n: number } {
  const rng = new Rng(seed);
  const n = k * perCluster;
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, () => rng.normal() * 10));
  const points = new Float32Array(n * dim);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = i % k;
    for (let d = 0; d < dim; d++) points[i * dim + d] = centres[truth[i]][d] + rng.normal() * 0.5;
  }
  return { points, truth, n };
}

test('Lloyd k-means with k-means++ recovers planted Gaussian clusters exactly', () => {
  const { points, truth, n } = gaussians(4, 100, 6, 1);
  const r = kmeans(points, n, 6, { k: 4, seed: 7 });
  assert.equal(adjustedRand(r.labels, truth), 1);
  assert.deepEqual(Array.from(r.sizes).sort(), [100, 100, 100, 100]);
  assert.ok(r.inertia > 0 && Number.isFinite(r.inertia));
});

test('mini-batch k-means recovers the same clusters', () => {
  const { points, truth, n } = gaussians(4, 500, 6, 2);
  const r = kmeans(points, n, 6, { k: 4, seed: 3, batchSize: 64, iterations: 50 });
  assert.equal(adjustedRand(r.labels, truth), 1);
});

test('k-means is deterministic for a seed', () => {
  const { points, n } = gaussians(5, 40, 3, 4);
  const a = kmeans(points, n, 3, { k: 7, seed: 11 });
  const b = kmeans(points, n, 3, { k: 7, seed: 11 });
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.centroids, b.centroids);
});

test('a warm start keeps every point\'s cluster id when the points are re-run in another order', () => {
  const dim = 4;
  const { points, n } = gaussians(5, 60, dim, 5);
  const first = kmeans(points, n, dim, { k: 5, seed: 1 });
  const order = new Rng(9).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const shuffled = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) shuffled.set(points.subarray(order[i] * dim, (order[i] + 1) * dim), i * dim);
  const second = kmeans(shuffled, n, dim, { k: 5, seed: 2, init: first.centroids });
  for (let i = 0; i < n; i++) assert.equal(second.labels[i], first.labels[order[i]]);
});

test('an empty cluster is re-seeded from the farthest point; weights pull centroids', () => {
  const points = Float32Array.of(0, 0.1, 0.2, 10, 10.1, 10.2);
  const init = Float32Array.of(0, 10, 1000); // the third centroid never wins a point
  const r = kmeans(points, 6, 1, { k: 3, seed: 0, init });
  assert.ok(Array.from(r.sizes).every((s) => s > 0), `sizes ${r.sizes}`);
  const w = kmeans(Float32Array.of(0, 1), 2, 1, { k: 1, seed: 0, weights: Float32Array.of(3, 1) });
  assert.ok(Math.abs(w.centroids[0] - 0.25) < 1e-6);
  const few = kmeans(Float32Array.of(1, 1, 1), 3, 1, { k: 2, seed: 0 });
  assert.deepEqual(Array.from(few.labels), [0, 0, 0]);
  assert.equal(few.inertia, 0);
});

test('normalizeRows centres and unit-normalises rows and flags dormant ones', () => {
  const { rows, dormant } = normalizeRows(Float32Array.of(1, 2, 3, 0, 0, 0, 5, 5, 5, 2, 4, 6, NaN, 1, 2), 5, 3);
  assert.deepEqual(Array.from(dormant), [0, 1, 1, 0, 1]);
  const r0 = Array.from(rows.subarray(0, 3));
  assert.ok(Math.abs(r0[0] + Math.SQRT1_2) < 1e-6 && Math.abs(r0[1]) < 1e-6 && Math.abs(r0[2] - Math.SQRT1_2) < 1e-6);
  assert.deepEqual(Array.from(rows.subarray(3, 6)), [0, 0, 0]);
  assert.deepEqual(Array.from(rows.subarray(9, 12)), r0); // scale-invariant
  assert.ok(Array.from(rows).every(Number.isFinite));
});
