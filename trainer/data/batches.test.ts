import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchIterator, allocBatch, batchIndices, evalBatches, gatherBatch, permutation, stepsPerEpoch } from './batches';
import type { Split } from './types';

function split(n: number, sampleSize: number, tasks = 1): Split {
  const x = new Float32Array(n * sampleSize);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(i / sampleSize) + (i % sampleSize) / 10;
  const y = new Int32Array(n * tasks);
  for (let i = 0; i < y.length; i++) y[i] = Math.floor(i / tasks) * 10 + (i % tasks);
  return { x, y, n };
}

test('permutation is a deterministic function of (n, seed, epoch)', () => {
  const p = permutation(100, 7, 3);
  assert.deepEqual(p, permutation(100, 7, 3));
  assert.notDeepEqual(p, permutation(100, 7, 4));
  assert.notDeepEqual(p, permutation(100, 8, 3));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
});

test('stepsPerEpoch and batchIndices: training drops the partial batch, evaluation keeps it', () => {
  assert.equal(stepsPerEpoch(10, 4), 2);
  assert.equal(stepsPerEpoch(10, 4, false), 3);
  const perm = Uint32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  assert.deepEqual(Array.from(batchIndices(perm, 1, 4)), [5, 4, 3, 2]);
  assert.deepEqual(Array.from(batchIndices(perm, 2, 4)), [1, 0]);
  const s = split(10, 2);
  const sizes = [...evalBatches(s, 4)].map((b) => b.size);
  assert.deepEqual(sizes, [4, 4, 2]);
});

test('gatherBatch fills preallocated buffers in place', () => {
  const s = split(6, 3, 2);
  const out = allocBatch(s, 2);
  const b = gatherBatch(s, [4, 1], out);
  assert.equal(b.x, out.x);
  assert.equal(b.y, out.y);
  assert.deepEqual(Array.from(b.x), [4, 4.1, 4.2, 1, 1.1, 1.2].map(Math.fround));
  assert.deepEqual(Array.from(b.y), [40, 41, 10, 11]);
  const partial = gatherBatch(s, [5], out);
  assert.equal(partial.size, 1);
  assert.equal(partial.x.buffer, out.x.buffer);
  assert.deepEqual(Array.from(partial.y), [50, 51]);
});

test('BatchIterator: a run resumed at (epoch, step) sees the same batches as an uninterrupted one', () => {
  const s = split(50, 2);
  const opts = { batchSize: 8, seed: 11 };
  const full = new BatchIterator(s, opts);
  assert.equal(full.stepsPerEpoch, 6);
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const b = full.next();
    seen.push(`${b.epoch}/${b.step}:${Array.from(b.y).join(',')}`);
  }
  const resumed = new BatchIterator(s, opts);
  resumed.seek(1, 3);
  for (let i = 9; i < 20; i++) {
    const b = resumed.next();
    assert.equal(`${b.epoch}/${b.step}:${Array.from(b.y).join(',')}`, seen[i]);
  }
  const global = new BatchIterator(s, opts);
  global.seekGlobal(13);
  assert.deepEqual(global.position, { epoch: 2, step: 1 });
  // Each epoch visits distinct samples and the batches follow permutation(n, seed, epoch).
  const epoch0 = seen.slice(0, 6).flatMap((l) => l.split(':')[1].split(',').map(Number));
  assert.equal(new Set(epoch0).size, 48);
  assert.deepEqual(epoch0, Array.from(permutation(50, 11, 0).subarray(0, 48), (i) => i * 10));
  assert.throws(() => new BatchIterator(split(3, 1), { batchSize: 8, seed: 0 }), /3 samples, fewer than one batch of 8/);
});
