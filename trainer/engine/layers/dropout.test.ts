import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dropout } from './dropout';
import { Initializer } from './init';
import { layerNode } from './test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

const node = layerNode('drop', 'dropout', { rate: 0.25 }, [64], [64]);

function mask(seed: number, step: number): number[] {
  const m = new Dropout(node, new Initializer(seed));
  const y = tf.tidy(() => m.forward(tf.ones([4, 64]), { training: true, step }));
  const out = Array.from(y.dataSync());
  y.dispose();
  return out;
}

test('dropout: same (seed, step) -> same mask; another step or seed -> another mask', () => {
  const a = mask(1, 10);
  assert.deepEqual(a, mask(1, 10));
  assert.notDeepEqual(a, mask(1, 11));
  assert.notDeepEqual(a, mask(2, 10));
});

test('dropout: inverted scaling and rate', () => {
  const a = mask(1, 10);
  assert.ok(a.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  const dropped = a.filter((v) => v === 0).length / a.length;
  assert.ok(dropped > 0.15 && dropped < 0.35, `dropped ${dropped}`);
});

test('dropout is the identity (same tensor, no op) when not training', () => {
  const m = new Dropout(node, new Initializer(1));
  const x = tf.ones([2, 64]);
  assert.equal(m.forward(x, { training: false, step: 3 }), x);
  x.dispose();
});
