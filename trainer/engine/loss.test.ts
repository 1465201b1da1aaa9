import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/backends';
import { correctCounts, crossEntropy, type TaskSlice } from './loss';

/** −log softmax(row)[label], by hand. */
function nll(row: number[], label: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return lse - row[label]!;
}
const argmax = (row: number[]) => row.indexOf(Math.max(...row));

// B = 2; task `a`: 2 classes, one label; task `seq`: 3 classes at 2 positions (6 logits, 2 labels)
const TASKS: TaskSlice[] = [{ name: 'a', classes: 2 }, { name: 'seq', classes: 3, positions: 2 }];
const LOGITS = [
  [0.5, -1, /* seq p0 */ 2, 0, -1, /* seq p1 */ 0.1, 0.2, 3],
  [1, 2, /* seq p0 */ -2, 1, 0.5, /* seq p1 */ 4, 0, 0],
];
const LABELS = [
  [0, /* seq */ 0, 1],
  [0, /* seq */ 2, 0],
];

test('positions: loss is Σ over tasks of the mean NLL over all B·P positions; counts are over every position', async () => {
  await initBackend('cpu');
  const lossA = (nll(LOGITS[0]!.slice(0, 2), 0) + nll(LOGITS[1]!.slice(0, 2), 0)) / 2;
  let seq = 0;
  let seqRight = 0;
  for (let b = 0; b < 2; b++) {
    for (let p = 0; p < 2; p++) {
      const row = LOGITS[b]!.slice(2 + 3 * p, 5 + 3 * p);
      seq += nll(row, LABELS[b]![1 + p]!);
      if (argmax(row) === LABELS[b]![1 + p]) seqRight++;
    }
  }
  const want = lossA + seq / 4;
  const aRight = LOGITS.filter((r, b) => argmax(r.slice(0, 2)) === LABELS[b]![0]).length;
  const logits = tf.tensor2d(LOGITS);
  const labels = tf.tensor2d(LABELS, undefined, 'int32');
  const loss = crossEntropy(logits, labels, TASKS);
  const counts = correctCounts(logits, labels, TASKS);
  assert.ok(Math.abs(loss.dataSync()[0]! - want) < 1e-5, `${loss.dataSync()[0]} vs ${want}`);
  assert.deepEqual(Array.from(counts.dataSync()), [aRight, seqRight]);
  assert.deepEqual([aRight, seqRight], [1, 2], 'the hand example exercises both right and wrong predictions');
  tf.dispose([logits, labels, loss, counts]);
});

test('positions: a [B, T, V] output is read as [B, T·V]; per-token loss equals one-position classification of the B·T tokens', async () => {
  await initBackend('cpu');
  const [B, T, V] = [3, 4, 5];
  const logits = tf.randomNormal([B, T, V], 0, 2, 'float32', 7);
  const labels = tf.tensor2d(Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 3 + t * 2) % V)), undefined, 'int32');
  const seqTask: TaskSlice[] = [{ name: 'next-char', classes: V, positions: T }];
  const loss = crossEntropy(logits, labels, seqTask);
  const counts = correctCounts(logits, labels, seqTask);
  const flatLogits = tf.reshape(logits, [B * T, V]);
  const flatLabels = tf.reshape(labels, [B * T, 1]);
  const tokenLoss = crossEntropy(flatLogits, flatLabels, [{ name: 'next-char', classes: V }]);
  const tokenCounts = correctCounts(flatLogits, flatLabels, [{ name: 'next-char', classes: V }]);
  assert.ok(Math.abs(loss.dataSync()[0]! - tokenLoss.dataSync()[0]!) < 1e-6);
  assert.deepEqual(Array.from(counts.dataSync()), Array.from(tokenCounts.dataSync()));
  tf.dispose([logits, labels, loss, counts, flatLogits, flatLabels, tokenLoss, tokenCounts]);
});
