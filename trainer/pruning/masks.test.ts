/**
 * Masks: where they sit (the consumer's input; per position after a flatten; inside residual bodies), that a
 * masked channel gets no gradient through its consumer, and that masked passes leak no tensors.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadModelText } from '../../spec/parse';
import { SequentialModel } from '../engine/model';
import { maskVectors, planMasks } from './masks';
import { prunableGroups } from './structure';

before(async () => {
  await tf.setBackend('cpu');
});

const FILE = '/tmp/pruning-masks.dynaxx.yaml';
const CNN = `name: cnn
data: { source: synthetic, kind: blobs, samples: 64, classes: 3, features: 6 }
model:
  input: [8, 8, 2]
  layers:
    - { type: conv2d, name: c1, filters: 4, kernelSize: 3 }
    - { type: batchNorm, name: bn1 }
    - { type: activation, name: act, activation: sigmoid }
    - { type: maxPool2d, name: pool, poolSize: 2 }
    - { type: conv2d, name: c2, filters: 3, kernelSize: 3, padding: valid }
    - { type: flatten, name: flat }
    - { type: dense, name: d, units: 5 }
    - type: residual
      name: blk
      layers:
        - { type: dense, name: inner, units: 6, activation: relu }
        - { type: dense, name: out, units: 5 }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 }
`;

test('masks sit at the consumer input: after the pool, per position after the flatten, on the producer itself', () => {
  const model = loadModelText(CNN, FILE);
  const groups = prunableGroups(model);
  assert.deepEqual(groups.map((g) => g.id), ['c1', 'c2', 'blk[0].inner']);
  const plan = new Map([['c1', [1, 3]], ['c2', [0, 1, 2]], ['blk[0].inner', [2, 5]]]);
  const masks = maskVectors(model, groups, plan);
  assert.deepEqual([...masks.keys()], ['pool', 'blk[0].inner'], 'c2 keeps everything: no mask');
  assert.deepEqual([...masks.get('pool')!], [0, 1, 0, 1]);
  assert.deepEqual([...masks.get('blk[0].inner')!], [0, 0, 1, 0, 0, 1]);
  const flat = maskVectors(model, groups, new Map([['c2', [1]]])).get('flat')!;
  assert.deepEqual([...flat], [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]); // [2, 2, 3] flattened: channel 1 at p·3 + 1
});

test('a masked channel gets no gradient through its consumer; masked passes leak no tensors', () => {
  const model = loadModelText(CNN, FILE);
  const net = new SequentialModel(model.layers, 4);
  const plan = new Map([['c1', [0, 2]], ['c2', [2]], ['blk[0].inner', [0, 1, 4]]]);
  const transformOutput = planMasks(model, prunableGroups(model), plan);
  const x = tf.randomUniform([4, 8, 8, 2], -1, 1, 'float32', 3);
  const vars = Object.fromEntries(net.trainable().map((v) => [v.name, v.variable]));
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(net.forward(x, { training: true, step: 0, transformOutput }))) as tf.Scalar, Object.values(vars));
  const g = (name: string): Float32Array => grads[vars[name].name].dataSync() as Float32Array;
  const column = (data: Float32Array, cols: number, c: number): number[] => [...data].filter((_, i) => i % cols === c);
  for (const c of [1, 3]) {
    assert.ok(column(g('c1/kernel'), 4, c).every((v) => v === 0), `c1 filter ${c}`);
    assert.equal(g('bn1/gamma')[c], 0);
    assert.equal(g('bn1/beta')[c], 0);
    // c2's kernel rows of channel c read only zeros.
    const rows = g('c2/kernel').filter((_, i) => Math.floor(i / 3) % 4 === c);
    assert.ok(rows.every((v) => v === 0), `c2 rows of channel ${c}`);
  }
  assert.ok(column(g('c1/kernel'), 4, 0).some((v) => v !== 0), 'kept channels learn');
  for (const c of [0, 1]) assert.ok(column(g('c2/kernel'), 3, c).every((v) => v === 0), `c2 filter ${c}`);
  for (const c of [2, 3, 5]) assert.ok(column(g('blk[0].inner/kernel'), 6, c).every((v) => v === 0), `inner unit ${c}`);
  assert.ok(column(g('blk[0].inner/kernel'), 6, 4).some((v) => v !== 0));
  value.dispose();
  Object.values(grads).forEach((t) => t.dispose());
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  x.dispose();
  net.dispose();
});
