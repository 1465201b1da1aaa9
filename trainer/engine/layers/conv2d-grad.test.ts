import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { conv2dWithFilterGrad, filterGradient } from './conv2d-grad';

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  assert.deepEqual(a.shape, b.shape);
  const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  assert.ok(d < tol, `max difference ${d}`);
}

test('the im2col filter gradient equals tfjs Conv2DBackpropFilter (same/valid, strides 1 and 2, odd sizes)', async () => {
  await tf.setBackend('cpu');
  for (const padding of ['same', 'valid'] as const) {
    for (const s of [1, 2]) {
      for (const k of [1, 3, 5]) {
        const x = tf.randomNormal([2, 9, 7, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
        const f = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
        const y = tf.conv2d(x, f, s, padding);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
        const ref = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, s, padding), dy)))(f);
        close(filterGradient(x, dy, f.shape, [s, s], padding), ref);
      }
    }
  }
});

test('conv2dWithFilterGrad matches tf.conv2d in value and in both gradients', async () => {
  await tf.setBackend('cpu');
  const x = tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 2, 5], 0, 1, 'float32', 5) as tf.Tensor4D;
  for (const padding of ['same', 'valid'] as const) {
    const loss = (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv(a as tf.Tensor4D, b as tf.Tensor4D)));
    const o = { strides: [2, 2] as [number, number], padding, relu: false };
    const ours = tf.grads(loss((a, b) => conv2dWithFilterGrad(a, b, undefined, o)))([x, f]);
    const ref = tf.grads(loss((a, b) => tf.conv2d(a, b, 2, padding)))([x, f]);
    close(conv2dWithFilterGrad(x, f, undefined, o), tf.conv2d(x, f, 2, padding));
    close(ours[0], ref[0], 1e-3);
    close(ours[1], ref[1], 1e-3);
    // with a bias and a fused ReLU, stride 1: all three gradients
    const bias = tf.randomNormal([5], 0, 1, 'float32', 6);
    const o1 = { strides: [1, 1] as [number, number], padding, relu: true };
    const f3 = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(conv2dWithFilterGrad(a as tf.Tensor4D, b as tf.Tensor4D, c, o1)));
    const r3 = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.add(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, padding), c))));
    const g1 = tf.grads(f3)([x, f, bias]);
    const g2 = tf.grads(r3)([x, f, bias]);
    for (let i = 0; i < 3; i++) close(g1[i], g2[i], 1e-2);
  }
});
