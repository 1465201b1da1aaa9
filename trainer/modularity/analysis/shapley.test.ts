import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { shapleyValues } from './shapley';
import { HIDDEN, modularFixture } from './test-model';
import type { Partition } from './types';

before(async () => {
  await tf.setBackend('cpu');
});

/** Left block = 0, right block split into 1 and 2, one right unit unassigned. */
function threeWay(): Partition {
  const labels = new Int32Array(HIDDEN);
  for (let u = 8; u < 12; u++) labels[u] = 1;
  for (let u = 12; u < 15; u++) labels[u] = 2;
  labels[15] = -1;
  return { k: 3, layers: [{ layerId: 'hidden', labels }] };
}

test('Shapley values: efficiency per task, zero credit across blocks, cached coalitions, seeded', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(800);
  const start = tf.memory().numTensors;
  const r = await shapleyValues(net, split, tasks, sampleShape, threeWay(), { permutations: 12, seed: 4, maxSamples: 500 });
  assert.equal(tf.memory().numTensors, start);
  assert.equal(r.samples, 500);
  assert.ok(r.evaluations <= 8, `${r.evaluations} coalitions evaluated; there are only 8`);
  for (let t = 0; t < 2; t++) {
    const total = r.values.reduce((a, row) => a + row[t], 0);
    assert.ok(Math.abs(total - (r.all[t] - r.none[t])) < 1e-9, `task ${t}: Σφ ${total} vs ${r.all[t] - r.none[t]}`);
  }
  // the left block never changes the right task's logits, and the right units never the left's
  assert.equal(r.values[0][1], 0);
  assert.equal(r.stderr[0][1], 0);
  assert.equal(r.values[1][0], 0);
  assert.equal(r.values[2][0], 0);
  assert.ok(r.values[0][0] > 40, `left block's credit for the left task: ${r.values[0][0]}`);
  assert.ok(r.values[1][1] + r.values[2][1] > 40);
  assert.ok(r.stderr.flat().every((s) => s >= 0 && Number.isFinite(s)));
  // the left block adds the same to the left task whatever joined before it: no sampling error
  assert.ok(r.stderr[0][0] < 1e-9, `${r.stderr[0][0]}`);
  assert.ok(r.stderr[1][1] > 0, 'the right halves interact: their credit depends on the order');

  const again = await shapleyValues(net, split, tasks, sampleShape, threeWay(), { permutations: 12, seed: 4, maxSamples: 500 });
  assert.deepEqual(again, r);
  assert.equal(tf.memory().numTensors, start);
  net.dispose();
});

test('one permutation: standard errors are 0 and efficiency still holds', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(100);
  const r = await shapleyValues(net, split, tasks, sampleShape, threeWay(), { permutations: 1, seed: 9 });
  assert.equal(r.samples, 100);
  assert.ok(r.evaluations <= 4, 'one permutation visits K + 1 coalitions');
  assert.ok(r.stderr.flat().every((s) => s === 0));
  for (let t = 0; t < 2; t++) {
    const total = r.values.reduce((a, row) => a + row[t], 0);
    assert.ok(Math.abs(total - (r.all[t] - r.none[t])) < 1e-9);
  }
  net.dispose();
});
