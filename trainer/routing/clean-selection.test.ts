/**
 * The routing sweep chooses its thresholds and operating point on the selection split only and reports that choice
 * on the report split: the report split is guarded (reading it while choosing throws), changing it does not change
 * the choice, and the reported operating point is the chosen threshold's numbers there, even where another
 * threshold would have looked better on it.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { reportOnly } from '../data/eval-split';
import type { Split } from '../data/types';
import { routedPoint } from './confidence';
import { expertOutcomes, routingSweep, type ForwardNet } from './sweep';

before(async () => {
  await tf.setBackend('cpu');
});

/**
 * Samples [a, label]: the pruned stub always answers class 0 with confidence sigmoid(a), so it is right exactly
 * when the label is 0; the full stub always answers the label.
 */
function samples(rows: Array<[number, 0 | 1]>): Split {
  return { x: Float32Array.from(rows.flat()), y: Int32Array.from(rows.map((r) => r[1])), n: rows.length };
}
const rowsOf = (x: tf.Tensor) => x.arraySync() as number[][];
const pruned: ForwardNet = { forward: (x) => tf.tensor2d(rowsOf(x).map(([a]) => [a!, 0])) };
const full: ForwardNet = { forward: (x) => tf.tensor2d(rowsOf(x).map(([, l]) => (l === 0 ? [5, 0] : [0, 5]))) };

// selection: only the least confident sample (a = 0.4) is wrong, so routing it alone loses nothing
const select = samples([[0.4, 1], [0.8, 0], [1.2, 0], [1.6, 0], [2.0, 0], [2.4, 0]]);
// report: the pruned expert is also wrong at a = 1.2, so on this split that threshold would lose accuracy
const report = samples([[0.4, 1], [0.8, 0], [1.2, 1], [1.6, 0], [2.0, 0], [2.4, 0]]);
// another report split: everything the pruned expert answers is right
const other = samples([[0.3, 0], [0.9, 0], [1.3, 0], [1.5, 0], [2.1, 0], [2.5, 0]]);

const opts = (r: Split) => ({
  prunedNet: pruned, fullNet: full, select: { name: 'validation', split: select }, report: { name: 'test', split: reportOnly(r, 'test') },
  tasks: [{ name: 'y', classes: 2 }], sampleShape: [2], prunedFlops: 1, fullFlops: 4, signal: 'maxProb' as const,
});

test('the threshold is chosen on validation (the report split cannot be read while choosing) and reported on test', async () => {
  const r = await routingSweep(opts(report));
  assert.equal(r.split, 'test');
  assert.equal(r.selection?.split, 'validation');
  assert.equal(r.samples, 6);
  assert.equal(r.selection!.samples, 6);
  // the choice on validation: route only the a = 0.4 sample, i.e. the threshold is its neighbour's confidence
  const chosen = r.selection!.noLoss!;
  assert.equal(chosen.routed, 1);
  assert.equal(chosen.accuracy, 1);
  assert.equal(chosen.threshold, Math.fround(1 / (1 + Math.exp(-0.8))));
  // reported on test: the same threshold, with test's numbers, and the loss test shows there
  assert.equal(r.noLoss!.threshold, chosen.threshold);
  const testOutcomes = await expertOutcomes({ ...opts(report), split: report });
  assert.deepEqual({ ...r.noLoss }, { ...routedPoint(testOutcomes, chosen.threshold, 'maxProb', 1, 4), accuracyFull: 1, accuracyPruned: 4 / 6 });
  assert.equal(r.noLoss!.accuracy, 5 / 6, 'the chosen point loses a sample on test; a choice on test would have routed it');
  // the curve: the selection split's thresholds, measured on test
  assert.deepEqual(r.points.map((p) => p.threshold), r.selection!.points.map((p) => p.threshold));
  assert.ok(r.points.some((p, i) => p.accuracy !== r.selection!.points[i]!.accuracy));
});

test('another test split changes the reported numbers, never the choice', async () => {
  const [a, b] = [await routingSweep(opts(report)), await routingSweep(opts(other))];
  assert.deepEqual(b.selection, a.selection, 'the selection split decides alone');
  assert.equal(b.noLoss!.threshold, a.noLoss!.threshold);
  assert.notEqual(b.noLoss!.accuracy, a.noLoss!.accuracy);
  assert.notDeepEqual(b.points.map((p) => p.shareFull), a.points.map((p) => p.shareFull));
});
