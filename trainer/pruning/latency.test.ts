import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelText } from '../../spec/parse';
import { SequentialModel } from '../engine/model';
import { compareLatency, latencyStats, measureLatency, quantile } from './latency';

before(async () => {
  await tf.setBackend('cpu');
});

/** A small CNN; `filters` scales its width (FLOPs grow about with filters²). */
const cnn = (filters: number) => loadModelText(`name: cnn${filters}
data: { source: synthetic, kind: blobs, samples: 64, classes: 4, features: 256, shape: [16, 16, 1] }
model:
  input: [16, 16, 1]
  layers:
    - { type: conv2d, filters: ${filters}, kernelSize: 3, activation: relu }
    - { type: conv2d, filters: ${filters}, kernelSize: 3, activation: relu }
    - { type: globalAvgPool2d }
    - { type: dense, units: 4 }
train: { steps: 1, batchSize: 16, seed: 1, backend: cpu }
`, `cnn${filters}.dynaxx.yaml`);

test('quantiles and stats from per-batch times', () => {
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([10, 20], 0.1), 11);
  const s = latencyStats([4, 2, 8, 6, 10], 4, 'cpu');
  assert.deepEqual([s.msPerBatch, s.msPerSample, s.samplesPerSec], [6, 1.5, 1000 * 4 / 6]);
  assert.ok(Math.abs(s.p10 - 2.8) < 1e-12 && Math.abs(s.p90 - 9.2) < 1e-12);
});

test('an injected clock: warm-up is not timed, each iteration is one pass', async () => {
  let t = 0;
  let calls = 0;
  const net = { forward: (x: tf.Tensor) => { calls++; t += 5; return tf.relu(x); } };
  const s = await measureLatency(net, [3], { batchSize: 2, warmup: 3, iterations: 4, now: () => t });
  assert.equal(calls, 7);
  assert.equal(s.iterations, 4);
  assert.equal(s.msPerBatch, 5);
  assert.equal(s.msPerSample, 2.5);
  await assert.rejects(measureLatency(net, [3], { batchSize: 0, warmup: 0, iterations: 1 }), /batchSize must be a positive integer/);
  const wrong = tf.zeros([3, 3]);
  await assert.rejects(measureLatency(net, [3], { batchSize: 2, warmup: 0, iterations: 1, input: wrong }), /input shape/);
  wrong.dispose();
});

test('real nets: positive finite numbers, no tensor leaks, a 10× bigger CNN is slower', async () => {
  const small = cnn(4), big = cnn(40);
  assert.ok(big.flops > 10 * small.flops, `${big.flops} vs ${small.flops}`);
  const a = new SequentialModel(small.layers, 1);
  const b = new SequentialModel(big.layers, 1);
  const before = tf.memory().numTensors;
  try {
    const one = await measureLatency(a, [16, 16, 1], { batchSize: 8, warmup: 1, iterations: 3 });
    for (const k of ['msPerBatch', 'msPerSample', 'samplesPerSec', 'p10', 'p90'] as const) assert.ok(Number.isFinite(one[k]) && one[k] > 0, `${k} ${one[k]}`);
    assert.ok(one.p10 <= one.msPerBatch && one.msPerBatch <= one.p90);
    assert.equal(one.backend, 'cpu');
    const r = await compareLatency({ small: a, big: b }, [16, 16, 1], { batchSize: 8, warmup: 1, iterations: 5 });
    assert.ok(r.big.msPerBatch > r.small.msPerBatch, `big ${r.big.msPerBatch} ms vs small ${r.small.msPerBatch} ms`);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  } finally {
    a.dispose();
    b.dispose();
  }
});
