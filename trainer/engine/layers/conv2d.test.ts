import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Conv2d } from './conv2d';
import { Initializer } from './init';
import { layerNode } from './test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

/** Direct NHWC convolution, 'valid' padding, stride s, one input image [H][W][C]. */
function referenceConv(x: number[][][], k: number[][][][], bias: number[], s: number): number[] {
  const kh = k.length, kw = k[0].length, cin = k[0][0].length, cout = k[0][0][0].length;
  const oh = Math.floor((x.length - kh) / s) + 1, ow = Math.floor((x[0].length - kw) / s) + 1;
  const out: number[] = [];
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let o = 0; o < cout; o++) {
        let acc = bias[o];
        for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < cin; c++) acc += x[i * s + a][j * s + b][c] * k[a][b][c][o];
        out.push(acc);
      }
  return out;
}

test('conv2d (valid, stride 1 and 2) matches a hand computation', () => {
  const x = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => [i + j * 0.5, i * j * 0.25 - 1]));
  const k = [0, 1].map((a) => [0, 1].map((b) => [0, 1].map((c) => [0, 1, 2].map((o) => (a - b + c * 0.5 + o * 0.25) * (o % 2 === 0 ? 1 : -1)))));
  const bias = [0.1, -0.2, 0.3];
  for (const s of [1, 2]) {
    const oh = Math.floor((4 - 2) / s) + 1;
    const conv = new Conv2d(
      layerNode('c', 'conv2d', { filters: 3, kernelSize: [2, 2], strides: [s, s], padding: 'valid', activation: 'linear', useBias: true }, [4, 4, 2], [oh, oh, 3]),
      new Initializer(3),
    );
    conv.kernel.variable.assign(tf.tensor4d(k));
    conv.bias!.variable.assign(tf.tensor1d(bias));
    const y = tf.tidy(() => conv.forward(tf.tensor4d([x]), { training: false, step: 0 }));
    assert.deepEqual(y.shape, [1, oh, oh, 3]);
    const expected = referenceConv(x, k, bias, s);
    const got = y.dataSync();
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-5, `stride ${s} [${i}]`);
    y.dispose();
    conv.dispose();
  }
});

test('conv2d relu activation and same padding keep H, W', () => {
  const conv = new Conv2d(
    layerNode('c', 'conv2d', { filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: false }, [5, 5, 1], [5, 5, 2]),
    new Initializer(3),
  );
  const y = tf.tidy(() => conv.forward(tf.randomNormal([2, 5, 5, 1], 0, 1, 'float32', 1), { training: false, step: 0 }));
  assert.deepEqual(y.shape, [2, 5, 5, 2]);
  assert.ok((y.dataSync() as Float32Array).every((v) => v >= 0));
  y.dispose();
  conv.dispose();
});
