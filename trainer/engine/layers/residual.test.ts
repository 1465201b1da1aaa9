import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModule, Initializer } from './index';
import { layerNode } from './test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

function residual(scale: number) {
  return layerNode('r', 'residual', { scale }, [6], [6], [
    layerNode('r.layers[0]', 'dense', { units: 6, activation: 'relu', useBias: true }, [6], [6]),
    layerNode('r.layers[1]', 'dense', { units: 6, activation: 'linear', useBias: true }, [6], [6]),
  ]);
}

test('residual with scale 0 is the identity', () => {
  const m = createModule(residual(0), new Initializer(2));
  const x = tf.randomNormal([3, 6], 0, 1, 'float32', 1);
  const y = tf.tidy(() => m.forward(x, { training: true, step: 0 }));
  assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
  tf.dispose([x, y]);
  m.dispose();
});

test('residual computes x + scale·body(x) and owns its body', () => {
  const m = createModule(residual(0.5), new Initializer(2));
  assert.deepEqual(m.children().map((c) => c.id), ['r.layers[0]', 'r.layers[1]']);
  assert.deepEqual(m.trainable().map((v) => v.name), ['r.layers[0]/kernel', 'r.layers[0]/bias', 'r.layers[1]/kernel', 'r.layers[1]/bias']);
  const x = tf.randomNormal([3, 6], 0, 1, 'float32', 1);
  const ctx = { training: false, step: 0 };
  const y = tf.tidy(() => m.forward(x, ctx));
  const expected = tf.tidy(() => tf.add(x, tf.mul(m.children()[1].forward(m.children()[0].forward(x, ctx), ctx), 0.5)));
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]) < 1e-6);
  tf.dispose([x, y, expected]);
  const before = tf.memory().numTensors;
  m.dispose();
  assert.equal(tf.memory().numTensors, before - 4);
});
