import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SequentialModel } from '../../engine/model';
import { layerNode } from '../../engine/layers/test-nodes';
import { dominantTask, unitTaskAttribution } from './unit-tasks';
import { HIDDEN, modularFixture } from './test-model';

before(async () => {
  await tf.setBackend('cpu');
});

test('unit attribution marks hidden units 0..7 as serving the left task and 8..15 the right', async () => {
  const { net, split, tasks, sampleShape } = modularFixture();
  const start = tf.memory().numTensors;
  const attr = await unitTaskAttribution(net, split, tasks, sampleShape, ['hidden'], { batchSize: 128 });
  assert.equal(tf.memory().numTensors, start);
  const a = attr.get('hidden')!;
  assert.equal(a.length, HIDDEN * 2);
  for (let u = 0; u < HIDDEN; u++) {
    const own = u < 8 ? 0 : 1;
    assert.ok(a[u * 2 + own] > 0, `unit ${u} has attribution for its own task`);
    assert.equal(a[u * 2 + (1 - own)], 0, `unit ${u} has none for the other task`);
  }
  assert.deepEqual([...dominantTask(a, tasks)], [...new Array(8).fill(0), ...new Array(8).fill(1)]);
  // a masked unit gets no attribution at all
  const masked = await unitTaskAttribution(net, split, tasks, sampleShape, ['hidden'], { masks: new Map([['hidden', new Float32Array(HIDDEN).fill(1).fill(0, 3, 4)]]) });
  assert.equal(dominantTask(masked.get('hidden')!, tasks)[3], -1);
  assert.equal(tf.memory().numTensors, start);
  net.dispose();
});

test('the probe gradient is a·∂L_t/∂a: on the logits it is |z_j (softmax_j − y_j)| within task t\'s slice, 0 elsewhere', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(50);
  const attr = (await unitTaskAttribution(net, split, tasks, sampleShape, ['out', 'hidden'], { batchSize: 16 })).get('out')!;
  const z = tf.tidy(() => net.forward(tf.tensor(split.x, [split.n, ...sampleShape]), { training: false, step: 0 }).dataSync());
  const expected = new Float64Array(6 * 2);
  for (let i = 0; i < split.n; i++) {
    for (let t = 0; t < 2; t++) {
      const zs = Array.from(z.subarray(i * 6 + 3 * t, i * 6 + 3 * t + 3));
      const m = Math.max(...zs);
      const e = zs.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < 3; c++) {
        const y = split.y[i * 2 + t] === c ? 1 : 0;
        expected[(3 * t + c) * 2 + t] += Math.abs(zs[c] * (e[c] / sum - y)) / split.n;
      }
    }
  }
  for (let q = 0; q < expected.length; q++) assert.ok(Math.abs(attr[q] - expected[q]) < 1e-4, `entry ${q}: ${attr[q]} vs ${expected[q]}`);
  net.dispose();
});

test('conv2d units are filters: averaged over samples and positions; unknown layers fail loudly', async () => {
  const layers = [
    layerNode('conv', 'conv2d', { filters: 3, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true }, [4, 4, 1], [4, 4, 3]),
    layerNode('flat', 'flatten', {}, [4, 4, 3], [48]),
    layerNode('out', 'dense', { units: 2, activation: 'linear', useBias: true }, [48], [2]),
  ];
  const net = new SequentialModel(layers, 3);
  const n = 10;
  const x = Float32Array.from({ length: n * 16 }, (_, i) => Math.sin(i));
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const tasks = [{ name: 'label', classes: 2 }];
  const start = tf.memory().numTensors;
  const attr = await unitTaskAttribution(net, { x, y, n }, tasks, [4, 4, 1], ['conv'], { batchSize: 4 });
  assert.equal(tf.memory().numTensors, start);
  const a = attr.get('conv')!;
  assert.equal(a.length, 3);
  assert.ok(a.every((v) => Number.isFinite(v) && v >= 0) && a.some((v) => v > 0));
  await assert.rejects(unitTaskAttribution(net, { x, y, n }, tasks, [4, 4, 1], ['conv', 'nope']), /'nope'/);
  assert.equal(tf.memory().numTensors, start);
  net.dispose();
});

test('dominantTask: argmax per unit, -1 for units with (almost) no attribution', () => {
  const a = Float32Array.from([3, 1, 0, 2, 0, 0, 1e-6, 0, 5, 5]);
  assert.deepEqual([...dominantTask(a, 2)], [0, 1, -1, -1, 0]);
  assert.throws(() => dominantTask(new Float32Array(3), 2), /units × 2/);
});
