import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSignal, entropy, maxProb, routeByConfidence, routedPoint, routesToFull, routingCost, type ExpertOutcomes } from './confidence';

before(async () => {
  await tf.setBackend('cpu');
});

/** Hand computation: softmax max-probability and entropy in nats of one row. */
function hand(row: number[]): { max: number; h: number } {
  const e = row.map((v) => Math.exp(v));
  const z = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / z);
  return { max: Math.max(...p), h: -p.reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0) };
}

function close(got: ArrayLike<number>, want: number[], what: string, tol = 1e-5): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('one task: max-probability and entropy (nats) match the hand computation', () => {
  const rows = [[1, 2, 3], [0, 0, 0], [-4, 7, 0.5]];
  const before = tf.memory().numTensors;
  const logits = tf.tensor2d(rows);
  const mp = maxProb(logits);
  const h = entropy(logits, [{ name: 'y', classes: 3 }]);
  close(mp.dataSync(), rows.map((r) => hand(r).max), 'maxProb');
  close(h.dataSync(), rows.map((r) => hand(r).h), 'entropy');
  // uniform over 3 classes: 1/3 and ln 3
  close([mp.dataSync()[1]!, h.dataSync()[1]!], [1 / 3, Math.log(3)], 'uniform');
  tf.dispose([logits, mp, h]);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
});

test('two tasks: the signal is that of the least confident task', () => {
  const tasks = [{ name: 'a', classes: 2 }, { name: 'b', classes: 3 }];
  // row 0: task a is uniform (0.5, ln 2), task b confident; row 1: a confident, b uniform (1/3, ln 3)
  const rows = [[0, 0, 5, 0, 0], [10, 0, 0, 0, 0], [1, -1, 0.3, 2, -2]];
  const logits = tf.tensor2d(rows);
  const wantMax = rows.map((r) => Math.min(hand(r.slice(0, 2)).max, hand(r.slice(2)).max));
  const wantH = rows.map((r) => Math.max(hand(r.slice(0, 2)).h, hand(r.slice(2)).h));
  close(wantMax.slice(0, 2), [0.5, 1 / 3], 'hand maxProb');
  close(wantH.slice(0, 2), [Math.log(2), Math.log(3)], 'hand entropy');
  const mp = maxProb(logits, tasks);
  const h = entropy(logits, tasks);
  close(mp.dataSync(), wantMax, 'maxProb');
  close(h.dataSync(), wantH, 'entropy');
  assert.throws(() => maxProb(logits, [{ name: 'a', classes: 2 }, { name: 'b', classes: 2 }]), /5 columns/);
  tf.dispose([logits, mp, h]);
});

test('the router sends low max-probability / high entropy samples to the full expert, on device as on the host', () => {
  const rows = [[5, 0, 0], [0, 0, 0], [2, 1, 0]];
  const logits = tf.tensor2d(rows);
  const mp = rows.map((r) => hand(r).max);
  const h = rows.map((r) => hand(r).h);
  for (const [signal, values, t] of [['maxProb', mp, 0.6], ['entropy', h, 0.9]] as const) {
    const routed = routeByConfidence(logits, t, signal);
    assert.equal(routed.dtype, 'bool');
    assert.deepEqual(Array.from(routed.dataSync()).map(Boolean), values.map((v) => routesToFull(v, t, signal)), signal);
    routed.dispose();
  }
  // row 0 is confident (kept), row 1 uniform (routed)
  assert.deepEqual([0, 1].map((i) => routesToFull(mp[i]!, 0.6, 'maxProb')), [false, true]);
  assert.deepEqual([0, 1].map((i) => routesToFull(h[i]!, 0.9, 'entropy')), [false, true]);
  logits.dispose();
  assert.throws(() => checkSignal('margin'), /unknown confidence signal 'margin': expected one of maxProb, entropy/);
});

test('cost accounting: 10 samples, 4 routed → shareFull 0.4, cascade cost c_p + 0.4, free-decision cost (1 − 0.4)·c_p + 0.4', () => {
  const c = routingCost(30, 100, 4, 10);
  assert.equal(c.prunedCost, 0.3);
  assert.equal(c.shareFull, 0.4);
  assert.ok(Math.abs(c.expectedCost - 0.7) < 1e-12, `${c.expectedCost}`);
  assert.ok(Math.abs(c.expectedCostFreeDecision - 0.58) < 1e-12, `${c.expectedCostFreeDecision}`);
  // endpoints: nothing routed costs c_p, everything routed c_p + 1 in the cascade and 1 with a free decision
  assert.equal(routingCost(30, 100, 0, 10).expectedCost, 0.3);
  assert.equal(routingCost(30, 100, 10, 10).expectedCost, 1.3);
  assert.equal(routingCost(30, 100, 10, 10).expectedCostFreeDecision, 1);
  assert.throws(() => routingCost(30, 0, 1, 10), /fullFlops/);
  assert.throws(() => routingCost(30, 100, 11, 10), /not a share/);
});

test('routed accuracy: pruned prediction for kept samples, full prediction for routed ones', () => {
  // 10 samples, max-probability signal; the 4 least confident (< 0.5) are routed
  const o: ExpertOutcomes = {
    signal: Float32Array.from([0.9, 0.2, 0.8, 0.3, 0.95, 0.4, 0.7, 0.45, 0.6, 0.99]),
    prunedCorrect: Float32Array.from([1, 0, 1, 0, 1, 1, 0, 0, 1, 1]),
    fullCorrect: Float32Array.from([1, 1, 1, 1, 0, 0, 1, 1, 1, 1]),
    tasks: 1,
  };
  const p = routedPoint(o, 0.5, 'maxProb', 25, 100);
  assert.equal(p.routed, 4);
  assert.equal(p.shareFull, 0.4);
  assert.equal(p.expectedCost, 0.25 + 0.4);
  // kept (0, 2, 4, 6, 8, 9): pruned right on 0, 2, 4, 8, 9 = 5; routed (1, 3, 5, 7): full right on 1, 3, 7 = 3
  assert.equal(p.accuracy, 8 / 10);
  // two tasks: correct counts are per sample over tasks, accuracy is over samples × tasks
  const two: ExpertOutcomes = { signal: Float32Array.from([0.9, 0.1]), prunedCorrect: Float32Array.from([2, 0]), fullCorrect: Float32Array.from([1, 1]), tasks: 2 };
  assert.equal(routedPoint(two, 0.5, 'maxProb', 1, 2).accuracy, 3 / 4);
});
