import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from './backends';

test('on wasm, transposed matMul (the backward pass of every dense layer) gives the plain result', async () => {
  await initBackend('wasm');
  const a = tf.randomNormal([2, 5, 7], 0, 1, 'float32', 1);
  const b = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 2);
  const c = tf.randomNormal([2, 3, 7], 0, 1, 'float32', 3);
  const at = tf.transpose(a, [0, 2, 1]);
  const ct = tf.transpose(c, [0, 2, 1]);
  const diff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0];
  assert.ok(diff(tf.matMul(a, b, true, false), tf.matMul(at, b)) < 1e-5);
  assert.ok(diff(tf.matMul(b, c, false, false), tf.matMul(b, ct, false, true)) < 1e-5);
  assert.ok(diff(tf.matMul(at, c, true, true), tf.matMul(a, ct)) < 1e-5);
  // fused matMul with bias and relu, transposed operands
  const bias = tf.randomNormal([3], 0, 1, 'float32', 4);
  const a2 = tf.reshape(a, [10, 7]) as tf.Tensor2D;
  const b2 = tf.reshape(b, [10, 3]) as tf.Tensor2D;
  const viaT = tf.fused.matMul({ a: a2, b: b2, transposeA: true, bias, activation: 'relu' });
  const plain = tf.relu(tf.add(tf.matMul(tf.transpose(a2), b2), bias));
  assert.ok(diff(viaT, plain) < 1e-5);
  // no tensors leak from the temporary transposes
  const before = tf.memory().numTensors;
  const dataBefore = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
  tf.tidy(() => {
    tf.matMul(a, b, true, false);
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal((tf.memory() as { numDataBuffers: number }).numDataBuffers, dataBefore);
});
