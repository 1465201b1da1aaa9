import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModule, Initializer } from './index';
import { everyLayerType, sampleInput } from './test-nodes';
import '../../dna/register';

before(async () => {
  await tf.setBackend('cpu');
});

for (const node of everyLayerType()) {
  test(`${node.type} (${node.id}): output shape is [3, ...outputShape] in training and inference`, () => {
    const m = createModule(node, new Initializer(7));
    const { values, shape } = sampleInput(node, 3);
    const x = tf.tensor(values, shape);
    for (const training of [true, false]) {
      const stateUpdates: Array<{ variable: tf.Variable; value: tf.Tensor }> = [];
      const y = tf.tidy(() => m.forward(x, { training, step: 1, stateUpdates }));
      for (const u of stateUpdates) u.value.dispose();
      assert.deepEqual(y.shape, [3, ...node.outputShape]);
      assert.ok((y.dataSync() as Float32Array).every(Number.isFinite));
      y.dispose();
    }
    x.dispose();
    m.dispose();
  });
}
