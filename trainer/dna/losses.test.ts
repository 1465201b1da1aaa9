import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeLoss, loadBalanceLoss, relativeFlops, routerZLoss } from './losses';

before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
const value = (f: () => tf.Scalar): number => {
  const before = tf.memory().numTensors;
  const v = tf.tidy(() => f().dataSync()[0]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  return v;
};

const PROBS = [[0.7, 0.3], [0.6, 0.4], [0.2, 0.8], [0.9, 0.1]];
const TOP1 = [[1, 0], [1, 0], [0, 1], [1, 0]];

test('load balance: M · Σ f_m · P_m on a hand-made example, 1 when uniform', () => {
  // f = [3/4, 1/4], P = [0.6, 0.4] → 2 · (0.45 + 0.1) = 1.1
  close(value(() => loadBalanceLoss(tf.tensor2d(PROBS), tf.tensor2d(TOP1))), 1.1);
  // k = 2 over 3 modules: f = [2, 1, 1] / 4, P = [0.5, 0.3, 0.2] → 3 · (0.25 + 0.075 + 0.05) = 1.125
  close(value(() => loadBalanceLoss(tf.tensor2d([[0.6, 0.3, 0.1], [0.4, 0.3, 0.3]]), tf.tensor2d([[1, 1, 0], [1, 0, 1]]))), 1.125);
  close(value(() => loadBalanceLoss(tf.fill([4, 4], 0.25) as tf.Tensor2D, tf.eye(4) as tf.Tensor2D)), 1);
});

test('compute loss: mean over tokens of the chosen modules\' relative FLOPs (identity 0)', () => {
  const rel = relativeFlops([400, 0]);
  assert.deepEqual(rel, [1, 0]);
  assert.deepEqual(relativeFlops([0, 0]), [0, 0]);
  close(value(() => computeLoss(tf.tensor2d(TOP1), rel)), 0.75);
  // k = 2: tokens pay both choices: (1 + 0.5, 0.5 + 0) / 2
  close(value(() => computeLoss(tf.tensor2d([[1, 1, 0], [0, 1, 1]]), relativeFlops([200, 100, 0]))), 1);
});

test('router z-loss: mean over tokens of logsumexp(logits)²', () => {
  const expected = (Math.log(2) ** 2 + Math.log(4) ** 2) / 2;
  close(value(() => routerZLoss(tf.tensor2d([[0, 0], [Math.log(3), 0]]))), expected);
});
