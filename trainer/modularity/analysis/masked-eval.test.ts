import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy } from '../../engine/loss';
import { evaluateMasked, masksKeeping, masksWithout } from './masked-eval';
import { cleanPartition, HIDDEN, modularFixture } from './test-model';
import type { Partition } from './types';

before(async () => {
  await tf.setBackend('cpu');
});

test('the hand-built modular net solves both tasks; all-ones masks give exactly the unmasked result, which matches a direct forward pass', async () => {
  const { net, split, tasks, sampleShape } = modularFixture();
  const plain = await evaluateMasked(net, split, tasks, sampleShape);
  assert.ok(plain.accuracy[0] > 0.95 && plain.accuracy[1] > 0.95, JSON.stringify(plain.accuracy));
  const ones = await evaluateMasked(net, split, tasks, sampleShape, new Map([['hidden', new Float32Array(HIDDEN).fill(1)]]));
  assert.deepEqual(ones, plain);
  const small = await evaluateMasked(net, split, tasks, sampleShape, undefined, { batchSize: 7 });
  assert.deepEqual(small.accuracy, plain.accuracy);
  assert.ok(Math.abs(small.loss - plain.loss) < 1e-5);

  // direct: one forward pass over everything, accuracy by host argmax
  const [logits, loss] = tf.tidy(() => {
    const xs = tf.tensor(split.x, [split.n, ...sampleShape]);
    const ys = tf.tensor(split.y, [split.n, 2], 'int32');
    const l = net.forward(xs, { training: false, step: 0 });
    return [l.dataSync(), crossEntropy(l, ys, tasks).dataSync()[0]];
  }) as unknown as [Float32Array, number];
  const correct = [0, 0];
  for (let i = 0; i < split.n; i++) {
    for (let t = 0; t < 2; t++) {
      let best = 0;
      for (let c = 1; c < 3; c++) if (logits[i * 6 + t * 3 + c] > logits[i * 6 + t * 3 + best]) best = c;
      if (best === split.y[i * 2 + t]) correct[t]++;
    }
  }
  assert.deepEqual(plain.accuracy, correct.map((c) => c / split.n));
  assert.ok(Math.abs(plain.loss - loss) < 1e-5, `${plain.loss} vs ${loss}`);
  net.dispose();
});

test('masking the left block leaves the right task untouched and makes the left task predict one class', async () => {
  const { net, split, tasks, sampleShape } = modularFixture();
  const plain = await evaluateMasked(net, split, tasks, sampleShape);
  const r = await evaluateMasked(net, split, tasks, sampleShape, masksWithout(cleanPartition(), new Set([0])));
  assert.equal(r.accuracy[1], plain.accuracy[1]);
  assert.deepEqual(r.classAccuracy[1], plain.classAccuracy[1]);
  // left logits are the biases only, all equal: argMax picks class 0 for every sample
  assert.deepEqual(r.classAccuracy[0], [1, 0, 0]);
  net.dispose();
});

test('an outer transformOutput from the context runs before the masks', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(90);
  const seen: string[] = [];
  const context = { transformOutput: (id: string, y: tf.Tensor) => (seen.push(id), id === 'out' ? tf.mul(y, 0) : y) };
  const r = await evaluateMasked(net, split, tasks, sampleShape, masksWithout(cleanPartition(), new Set([0])), { context, batchSize: 50 });
  assert.deepEqual(seen, ['hidden', 'out', 'hidden', 'out']);
  assert.deepEqual(r.classAccuracy, [[1, 0, 0], [1, 0, 0]], 'zeroed logits: class 0 everywhere');
  net.dispose();
});

test('masksWithout multiplies the base by 0 on ablated units only, never touches -1 units, and copies the base', () => {
  const partition: Partition = { k: 3, layers: [{ layerId: 'a', labels: Int32Array.from([0, 1, 2, -1, 1]) }, { layerId: 'b', labels: Int32Array.from([2, 2]) }] };
  const base = new Map([['a', Float32Array.from([0.5, 2, 3, 4, 1])], ['c', Float32Array.from([7])]]);
  const m = masksWithout(partition, new Set([1]), base);
  assert.deepEqual([...m.get('a')!], [0.5, 0, 3, 4, 0]);
  assert.equal(m.has('b'), false, 'nothing ablated in b and no base: all ones, no entry');
  assert.deepEqual([...m.get('c')!], [7]);
  assert.deepEqual([...base.get('a')!], [0.5, 2, 3, 4, 1], 'base unchanged');
  const keep = masksKeeping(partition, new Set([1]));
  assert.deepEqual([...keep.get('a')!], [0, 1, 0, 1, 1]);
  assert.deepEqual([...keep.get('b')!], [0, 0]);
  assert.throws(() => masksWithout({ k: 2, layers: [{ layerId: 'a', labels: Int32Array.from([2]) }] }, new Set([0])), /label 2/);
  assert.throws(() => masksWithout(partition, new Set([0]), new Map([['a', new Float32Array(2)]])), /5/);
});

test('a mask for a layer the model lacks, or of the wrong width, fails loudly', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(40);
  const start = tf.memory().numTensors;
  await assert.rejects(evaluateMasked(net, split, tasks, sampleShape, new Map([['hiden', new Float32Array(HIDDEN)]])), /hiden/);
  await assert.rejects(evaluateMasked(net, split, tasks, sampleShape, new Map([['hidden', new Float32Array(3)]])), /3 units.*16/);
  assert.equal(tf.memory().numTensors, start, 'nothing leaks on failure');
  net.dispose();
});

test('no tensor leaks across masked evaluations', async () => {
  const { net, split, tasks, sampleShape } = modularFixture(100);
  const start = tf.memory().numTensors;
  for (const ablate of [[], [0], [1], [0, 1]]) {
    await evaluateMasked(net, split, tasks, sampleShape, masksWithout(cleanPartition(), new Set(ablate)), { batchSize: 33 });
    assert.equal(tf.memory().numTensors, start);
  }
  net.dispose();
});
