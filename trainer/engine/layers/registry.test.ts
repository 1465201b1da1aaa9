/** The layer registry without any technique registered: engine layers build, a technique's layer says what to import. */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModule, Initializer, TECHNIQUE_LAYERS } from './index';
import { everyLayerType } from './test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

test('every engine layer builds with no technique registered; a technique layer names its register module', () => {
  const nodes = everyLayerType();
  const techniques = nodes.filter((n) => n.type in TECHNIQUE_LAYERS);
  assert.ok(techniques.some((n) => n.type === 'dna') && techniques.some((n) => n.type === 'moe'));
  for (const n of nodes.filter((n) => !(n.type in TECHNIQUE_LAYERS))) createModule(n, new Initializer(1)).dispose();
  for (const n of techniques) {
    assert.throws(() => createModule(n, new Initializer(1)), new RegExp(`layer type '${n.type}' is not registered: import trainer/dna/register`));
  }
});
