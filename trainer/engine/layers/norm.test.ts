import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchNorm } from './batchNorm';
import { Initializer } from './init';
import { LayerNorm } from './layerNorm';
import { layerNode } from './test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

test('layerNorm: every row of the output has mean 0 and variance 1 (gamma 1, beta 0)', () => {
  const ln = new LayerNorm(layerNode('ln', 'layerNorm', { epsilon: 1e-6, momentum: 0 }, [4, 16], [4, 16]), new Initializer(1));
  const y = tf.tidy(() => ln.forward(tf.add(tf.mul(tf.randomNormal([3, 4, 16], 0, 1, 'float32', 5), 7), 3), { training: true, step: 0 }));
  const rows = y.arraySync() as number[][][];
  for (const r of rows.flat()) {
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length;
    assert.ok(Math.abs(mean) < 1e-5, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 1e-3, `variance ${variance}`);
  }
  y.dispose();
  ln.dispose();
});

test('batchNorm: training uses batch statistics and updates the moving ones; inference uses the moving ones', () => {
  const bn = new BatchNorm(layerNode('bn', 'batchNorm', { epsilon: 1e-5, momentum: 0.9 }, [2, 2, 3], [2, 2, 3]), new Initializer(1));
  assert.deepEqual(bn.trainable().map((v) => v.role), ['gamma', 'beta']);
  assert.deepEqual(bn.state().map((v) => v.name), ['bn/movingMean', 'bn/movingVariance']);
  assert.ok(bn.state().every((v) => !v.variable.trainable));

  const x = tf.add(tf.mul(tf.randomNormal([8, 2, 2, 3], 0, 1, 'float32', 9), 2), 5); // mean ≈ 5, var ≈ 4
  const stateUpdates: Array<{ variable: tf.Variable; value: tf.Tensor }> = [];
  const yTrain = tf.tidy(() => bn.forward(x, { training: true, step: 0, stateUpdates }));
  const yInfer = tf.tidy(() => bn.forward(x, { training: false, step: 0 }));

  // training output is normalised per channel over (B, H, W)
  const perChannel = tf.tidy(() => tf.moments(yTrain, [0, 1, 2]));
  for (const m of perChannel.mean.dataSync()) assert.ok(Math.abs(m) < 1e-4);
  for (const v of perChannel.variance.dataSync()) assert.ok(Math.abs(v - 1) < 1e-2);
  // inference at init (moving mean 0, var 1) is ≈ identity, so it differs from training
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(yTrain, yInfer))).dataSync()[0]) > 1);

  // moving stats: 0.9·old + 0.1·batch
  assert.equal(stateUpdates.length, 2);
  const batch = tf.tidy(() => tf.moments(x, [0, 1, 2]));
  const [mean, variance] = [batch.mean.dataSync(), batch.variance.dataSync()];
  const newMean = stateUpdates[0].value.dataSync();
  const newVar = stateUpdates[1].value.dataSync();
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(newMean[c] - 0.1 * mean[c]) < 1e-5);
    assert.ok(Math.abs(newVar[c] - (0.9 + 0.1 * variance[c])) < 1e-5);
  }
  assert.equal(stateUpdates[0].variable, bn.movingMean.variable);
  for (const u of stateUpdates) {
    u.variable.assign(u.value);
    u.value.dispose();
  }
  // after the update, inference output changes
  const yInfer2 = tf.tidy(() => bn.forward(x, { training: false, step: 0 }));
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(yInfer2, yInfer))).dataSync()[0]) > 0.1);
  tf.dispose([x, yTrain, yInfer, yInfer2, perChannel.mean, perChannel.variance, batch.mean, batch.variance]);
  bn.dispose();
});

test('batchNorm on [D] features (rank-2 batch)', () => {
  const bn = new BatchNorm(layerNode('bn', 'batchNorm', { epsilon: 1e-5, momentum: 0.99 }, [4], [4]), new Initializer(1));
  const y = tf.tidy(() => bn.forward(tf.randomNormal([16, 4], 3, 2, 'float32', 2), { training: true, step: 0 }));
  const { mean } = tf.moments(y, 0);
  for (const m of mean.dataSync()) assert.ok(Math.abs(m) < 1e-4);
  tf.dispose([y, mean]);
  bn.dispose();
});
