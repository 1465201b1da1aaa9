import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation } from '../../../spec/types';
import { activations } from './activations';

before(async () => {
  await tf.setBackend('cpu');
});

const xs = [-3, -1, -0.1, 0, 0.5, 2];
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const expected: Record<Exclude<Activation, 'softmax'>, (v: number) => number> = {
  linear: (v) => v,
  relu: (v) => Math.max(0, v),
  gelu: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
  tanh: Math.tanh,
  sigmoid,
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
  selu: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1)),
  swish: (v) => v * sigmoid(v),
  leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
};

for (const [name, f] of Object.entries(expected)) {
  test(`activation ${name}`, () => {
    const y = tf.tidy(() => activations[name as Activation](tf.tensor1d(xs)));
    const got = y.dataSync();
    xs.forEach((v, i) => assert.ok(Math.abs(got[i] - f(v)) < 1e-5, `${name}(${v}) = ${got[i]}, want ${f(v)}`));
    y.dispose();
  });
}

test('activation softmax is over the last axis', () => {
  const y = tf.tidy(() => activations.softmax(tf.tensor2d([[1, 2, 3], [0, 0, 0]])));
  const rows = y.arraySync() as number[][];
  for (const r of rows) assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.ok(Math.abs(rows[1][0] - 1 / 3) < 1e-6);
  y.dispose();
});
