/**
 * Weight-layer queries: `reach` follows a producer to its consumer through the layers a rule lets pass (flatten
 * multiplies the positions), stops at the first it refuses and finds nothing past the end; kept lists and labels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModelText } from '../../spec/parse';
import type { LayerNode } from '../../spec/types';
import { headColumns, isKeptList, label, reach, spread } from './layers';

const FILE = '/tmp/surgery-layers.dynaxx.yaml';
const CNN = `name: m
data: { source: synthetic, kind: blobs, samples: 64, classes: 3, features: 6 }
model:
  input: [8, 8, 2]
  layers:
    - { type: conv2d, name: c1, filters: 6, kernelSize: 3, activation: relu }
    - { type: batchNorm, name: bn }
    - { type: maxPool2d, poolSize: 2 }
    - { type: flatten }
    - { type: dense, units: 7 }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 }
`;

test('reach: through the layers the rule passes, positions multiplied by a flatten; a stop; the end', () => {
  const layers = loadModelText(CNN, FILE).layers;
  const all = reach(layers, 0, () => true);
  assert.ok(all.path && !all.stop);
  assert.equal(all.path.producer.id, 'c1');
  assert.equal(all.path.consumer.id, 'layers[4]');
  assert.deepEqual(all.path.between.map((s) => [s.node.id, s.positionsIn, s.positionsOut]), [['bn', 1, 1], ['layers[2]', 1, 1], ['layers[3]', 1, 16]]);
  assert.equal(all.path.positions, 16);
  const noNorm = reach(layers, 0, (n: LayerNode) => n.type !== 'batchNorm');
  assert.equal(noNorm.path, undefined);
  assert.equal(noNorm.stop?.id, 'bn');
  assert.deepEqual(reach(layers, 5, () => true), {});
});

test('kept lists, spread features, head columns and labels', () => {
  assert.ok(isKeptList([0, 2, 5], 6));
  assert.ok(isKeptList([], 6));
  for (const bad of [[2, 1], [1, 1], [6], [-1], [0.5]]) assert.ok(!isKeptList(bad, 6), String(bad));
  assert.deepEqual(spread([0, 2], 3, 2), [0, 2, 3, 5]);
  assert.deepEqual(headColumns([1], 2), [2, 3]);
  const layers = loadModelText(CNN, FILE).layers;
  assert.equal(label(layers[0]), "conv2d layer 'c1' (id c1)");
  assert.equal(label(layers[4]), 'dense layer layers[4] (unnamed)');
});
