import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjustedRand, jaccard, nmi, qModularity } from './metrics';

const I = (...x: number[]): Int32Array => Int32Array.from(x);
const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

test('NMI matches scikit-learn on hand-computed cases', () => {
  close(nmi(I(0, 0, 1, 1), I(1, 1, 0, 0)), 1);
  // b refines a: MI = H(a) = ln 2, H(b) = 1.5 ln 2 → ln2 / 1.25 ln2 = 0.8.
  close(nmi(I(0, 0, 1, 1), I(0, 0, 1, 2)), 0.8);
  close(nmi(I(0, 0, 0, 0), I(0, 1, 2, 3)), 0);
  close(nmi(I(0, 1, 0, 1), I(0, 0, 1, 1)), 0);
  assert.equal(nmi(I(), I()), 1);
  assert.equal(nmi(I(3, 3, 3), I(5, 5, 5)), 1);
  assert.throws(() => nmi(I(0), I(0, 1)), /length/);
});

test('ARI matches scikit-learn on hand-computed cases', () => {
  close(adjustedRand(I(0, 0, 1, 1), I(1, 1, 0, 0)), 1);
  close(adjustedRand(I(0, 0, 1, 1), I(0, 0, 1, 2)), 4 / 7); // sklearn docs: 0.57
  close(adjustedRand(I(0, 0, 0, 0), I(0, 1, 2, 3)), 0);
  close(adjustedRand(I(0, 0, 1, 1), I(0, 1, 0, 1)), -0.5);
  assert.equal(adjustedRand(I(), I()), 1);
  assert.equal(adjustedRand(I(1), I(2)), 1);
  assert.equal(adjustedRand(I(0, 0, 0), I(1, 1, 1)), 1);
  assert.equal(adjustedRand(I(0, 1, 2), I(2, 0, 1)), 1);
});

test('Q of two disjoint triangles split into their triangles is 0.5', () => {
  const n = 6;
  const a = new Float32Array(n * n);
  const edge = (i: number, j: number): void => { a[i * n + j] = 1; a[j * n + i] = 1; };
  edge(0, 1); edge(1, 2); edge(0, 2); edge(3, 4); edge(4, 5); edge(3, 5);
  close(qModularity(a, n, I(0, 0, 0, 1, 1, 1)), 0.5, 1e-12);
  close(qModularity(a, n, I(0, 0, 0, 0, 0, 0)), 0, 1e-12);
  assert.equal(qModularity(new Float32Array(9), 3, I(0, 1, 2)), 0);
});

test('jaccard of sets and arrays', () => {
  close(jaccard([1, 2, 3], new Set([2, 3, 4])), 0.5);
  assert.equal(jaccard([], []), 1);
  assert.equal(jaccard([1, 1], [2]), 0);
});
