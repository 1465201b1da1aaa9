import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../data/rng';
import { ablationTable, bestSpecialized, specializedIn, specialization } from './ablation';
import { cleanPartition, HIDDEN, modularFixture } from './test-model';
import type { Partition } from './types';

before(async () => {
  await tf.setBackend('cpu');
});

test('removing the left block drops only the left task, the right block only the right: specialization 1', async () => {
  const { net, split, tasks, sampleShape } = modularFixture();
  const start = tf.memory().numTensors;
  const { full, rows } = await ablationTable(net, split, tasks, sampleShape, cleanPartition());
  assert.equal(tf.memory().numTensors, start);
  assert.deepEqual(rows.map((r) => [r.subnetwork, r.units]), [[0, 8], [1, 8]]);
  assert.ok(rows[0].accuracyDrop[0] > 40, `left drop ${rows[0].accuracyDrop[0]}`);
  assert.equal(rows[0].accuracyDrop[1], 0);
  assert.ok(rows[1].accuracyDrop[1] > 40, `right drop ${rows[1].accuracyDrop[1]}`);
  assert.equal(rows[1].accuracyDrop[0], 0);
  assert.deepEqual(rows[0].classDrop[1], [0, 0, 0]);
  assert.ok(Math.abs(rows[0].accuracy[0] * 100 - (full.accuracy[0] * 100 - rows[0].accuracyDrop[0])) < 1e-9);
  assert.equal(specialization(rows), 1);
  const best = bestSpecialized(rows)!;
  assert.ok(best.margin > 40 && best.drops.length === 2);
  assert.equal(best.task, best.subnetwork, 'subnetwork 0 serves task 0, subnetwork 1 task 1');

  // random two-way partitions of the same units mix the blocks: every one scores lower
  const rng = new Rng(11);
  for (let trial = 0; trial < 3; trial++) {
    const labels = new Int32Array(HIDDEN).map(() => rng.int(2));
    const random: Partition = { k: 2, layers: [{ layerId: 'hidden', labels }] };
    const s = specialization((await ablationTable(net, split, tasks, sampleShape, random)).rows);
    assert.ok(s < 0.9, `random partition ${[...labels]} scores ${s}`);
  }
  assert.equal(tf.memory().numTensors, start);
  net.dispose();
});

test('an empty subnetwork is a row with zero drops and no evaluation', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(60);
  const p = cleanPartition();
  const { rows } = await ablationTable(net, split, tasks, sampleShape, { k: 3, layers: p.layers });
  assert.deepEqual(rows[2], { subnetwork: 2, units: 0, accuracyDrop: [0, 0], classDrop: rows[2].classDrop, accuracy: rows[2].accuracy });
  assert.ok(rows[2].classDrop.flat().every((d) => d === 0 || Number.isNaN(d)));
  net.dispose();
});

test('specialization: 0 when nothing drops, negatives clipped, the T-task formula', () => {
  assert.equal(specialization([]), 0);
  assert.equal(specialization([{ accuracyDrop: [0, 0] }, { accuracyDrop: [-3, 0] }]), 0);
  assert.equal(specialization([{ accuracyDrop: [10, -5] }]), 1);
  // two tasks: Σ|d1 − d2| / Σ(d1 + d2)
  assert.ok(Math.abs(specialization([{ accuracyDrop: [10, 2] }, { accuracyDrop: [4, 4] }]) - 8 / 20) < 1e-12);
  // three tasks: Σ (max − mean of others) / Σ Σ d
  const s3 = specialization([{ accuracyDrop: [9, 3, 1] }, { accuracyDrop: [0, 6, 0] }]);
  assert.ok(Math.abs(s3 - (9 - 2 + 6 - 0) / 19) < 1e-12, `${s3}`);
  assert.equal(specialization([{ accuracyDrop: [5] }]), 0, 'one task: nothing to specialise between');
  const best = bestSpecialized([
    { subnetwork: 0, accuracyDrop: [20, 15] },
    { subnetwork: 1, accuracyDrop: [-2, 9] },
  ])!;
  assert.deepEqual(best, { subnetwork: 1, task: 1, margin: 9, drops: [-2, 9] });
  assert.equal(bestSpecialized([]), undefined);
});

test('a subnetwork chosen on one split is reported with the drops and margin of another', () => {
  const chosen = bestSpecialized([{ subnetwork: 0, accuracyDrop: [1, 1] }, { subnetwork: 1, accuracyDrop: [12, 2] }])!;
  assert.deepEqual({ subnetwork: chosen.subnetwork, task: chosen.task }, { subnetwork: 1, task: 0 });
  const elsewhere = [{ subnetwork: 0, accuracyDrop: [9, 0] }, { subnetwork: 1, accuracyDrop: [3, 5] }];
  assert.deepEqual(specializedIn(chosen, elsewhere), { subnetwork: 1, task: 0, margin: -2, drops: [3, 5] }, 'the choice stays, the numbers are the other split\'s');
  assert.equal(specializedIn({ subnetwork: 4, task: 0 }, elsewhere), undefined);
});
