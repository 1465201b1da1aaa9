import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense } from './dense';
import { Initializer } from './init';
import { layerNode } from './test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < tol, `[${i}] ${actual[i]} != ${expected[i]}`);
}

// kernel [[1, -1, 0], [2, 0.5, -3]] (2 -> 3), bias [0.5, 0, -1]
function tinyDense(activation: 'linear' | 'relu', inputShape: number[]): Dense {
  const d = new Dense(layerNode('d', 'dense', { units: 3, activation, useBias: true }, inputShape, [...inputShape.slice(0, -1), 3]), new Initializer(1));
  d.kernel.variable.assign(tf.tensor2d([[1, -1, 0], [2, 0.5, -3]]));
  d.bias!.variable.assign(tf.tensor1d([0.5, 0, -1]));
  return d;
}

test('dense on [D]: matches x·W + b, then the activation', () => {
  const d = tinyDense('relu', [2]);
  const y = tf.tidy(() => d.forward(tf.tensor2d([[1, 2], [-1, 1]]), { training: false, step: 0 }));
  // row 0: [1+4+.5, -1+1+0, 0-6-1] = [5.5, 0, -7] -> relu [5.5, 0, 0]
  // row 1: [-1+2+.5, 1+.5, -3-1] = [1.5, 1.5, -4] -> relu [1.5, 1.5, 0]
  close(y.dataSync(), [5.5, 0, 0, 1.5, 1.5, 0]);
  y.dispose();
  d.dispose();
});

test('dense on [T, D]: applies to the last axis of every position', () => {
  const d = tinyDense('linear', [2, 2]);
  const y = tf.tidy(() => d.forward(tf.tensor3d([[[1, 2], [-1, 1]], [[0, 0], [1, 0]]]), { training: false, step: 0 }));
  assert.deepEqual(y.shape, [2, 2, 3]);
  close(y.dataSync(), [5.5, 0, -7, 1.5, 1.5, -4, 0.5, 0, -1, 1.5, -1, -1]);
  y.dispose();
  d.dispose();
});

test('dense without bias has only a kernel; names are <id>/<role>', () => {
  const d = new Dense(layerNode('layers[3]', 'dense', { units: 2, activation: 'linear', useBias: false }, [4], [2]), new Initializer(1));
  assert.deepEqual(d.trainable().map((v) => v.name), ['layers[3]/kernel']);
  assert.equal(d.trainable()[0].role, 'kernel');
  assert.equal(d.trainable()[0].layerId, 'layers[3]');
  d.dispose();
});
