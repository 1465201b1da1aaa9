/**
 * Calibration statistics on tiny models (cpu) against a direct computation with explicit function composition
 * (no probes): input norms, Taylor (mean over samples of mean over positions of |a·∂ℓ/∂a|, per-sample loss) and
 * the diagonal Fisher (mean over batches of the squared mini-batch gradient); no tensor leaks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/backends';
import { permutation } from '../data/batches';
import type { Split } from '../data/types';
import { crossEntropy } from '../engine/loss';
import { layerNode } from '../engine/layers/test-nodes';
import { SequentialModel } from '../engine/model';
import { collectStats } from './stats';
import type { ChannelGroup } from './types';

const TASKS = [{ name: 'y', classes: 2 }];

function group(producer: string, consumer: string, channels: number, producerType: 'dense' | 'conv2d' = 'dense'): ChannelGroup {
  return { id: producer, producer, producerType, channels, coupledNorms: [], consumer, consumerPositions: 1, flopsPerChannel: 1, paramsPerChannel: 1 };
}

function split(n: number, features: number, seed: number): Split {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return { n, x: Float32Array.from({ length: n * features }, rnd), y: Int32Array.from({ length: n }, (_, i) => i % 2) };
}

const v = (net: SequentialModel, name: string): tf.Variable => net.trainable().find((x) => x.name === name)!.variable;

function close(actual: Float32Array | undefined, expected: ArrayLike<number>, what: string): void {
  assert.ok(actual, `${what}: missing`);
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-5 + 1e-4 * Math.abs(expected[i]!);
    assert.ok(Math.abs(actual[i]! - expected[i]!) < tol, `${what}[${i}]: ${actual[i]} ≠ ${expected[i]}`);
  }
}

/** The calibration batches collectStats uses (2 batches of 4 from 8 samples: every sample once). */
function batches(data: Split, features: number[], B: number, count: number, seed: number): Array<{ x: tf.Tensor; y: tf.Tensor }> {
  const size = features.reduce((a, b) => a * b, 1);
  const perm = permutation(data.n, seed, 0);
  return Array.from({ length: count }, (_, b) => {
    const idx = perm.subarray(b * B, (b + 1) * B);
    const x = new Float32Array(B * size);
    idx.forEach((s, r) => x.set(data.x.subarray(s * size, (s + 1) * size), r * size));
    return { x: tf.tensor(x, [B, ...features]), y: tf.tensor2d(Int32Array.from(idx, (s) => data.y[s]!), [B, 1], 'int32') };
  });
}

test('dense MLP: input norms, Taylor and Fisher equal a direct computation', async () => {
  await initBackend('cpu');
  const net = new SequentialModel([
    layerNode('h1', 'dense', { units: 4, activation: 'tanh', useBias: true }, [3], [4]),
    layerNode('h2', 'dense', { units: 3, activation: 'relu', useBias: true }, [4], [3]),
    layerNode('out', 'dense', { units: 2, activation: 'linear', useBias: true }, [3], [2]),
  ], 7);
  const data = split(8, 3, 11);
  const groups = [group('h1', 'h2', 4), group('h2', 'out', 3)];
  const before = tf.memory().numTensors;
  const stats = await collectStats(net, groups, data, TASKS, [3], ['inputNorms', 'taylor', 'fisher', 'trajectory'], { batches: 2, batchSize: 4, seed: 3 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');

  const [W1, b1, W2, b2, W3, b3] = ['h1/kernel', 'h1/bias', 'h2/kernel', 'h2/bias', 'out/kernel', 'out/bias'].map((n) => v(net, n));
  const f1 = (x: tf.Tensor, w: tf.Tensor = W1!) => tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b1!));
  const f2 = (h: tf.Tensor, w: tf.Tensor = W2!) => tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b2!));
  const f3 = (h: tf.Tensor) => tf.add(tf.matMul(h as tf.Tensor2D, W3 as tf.Tensor2D), b3!);
  const sum = { n1: new Float64Array(3), n2: new Float64Array(4), t1: new Float64Array(4), t2: new Float64Array(3), F1: new Float64Array(12), F2: new Float64Array(12) };
  const bs = batches(data, [3], 4, 2, 3);
  for (const { x, y } of bs) {
    const h1 = f1(x);
    const h2 = f2(h1);
    const g1 = tf.grad((h: tf.Tensor) => crossEntropy(f3(f2(h)), y, TASKS))(h1);
    const g2 = tf.grad((h: tf.Tensor) => crossEntropy(f3(h), y, TASKS))(h2);
    const G1 = tf.grad((w: tf.Tensor) => crossEntropy(f3(f2(f1(x, w))), y, TASKS))(W1!);
    const G2 = tf.grad((w: tf.Tensor) => crossEntropy(f3(f2(h1, w)), y, TASKS))(W2!);
    const add = (acc: Float64Array, t: tf.Tensor) => t.dataSync().forEach((z, i) => { acc[i]! += z; });
    add(sum.n1, tf.sum(tf.square(x), 0));
    add(sum.n2, tf.sum(tf.square(h1), 0));
    // per-sample loss gradient = B · batch-mean gradient; mean over the B samples
    add(sum.t1, tf.mean(tf.abs(tf.mul(h1, tf.mul(g1, 4))), 0));
    add(sum.t2, tf.mean(tf.abs(tf.mul(h2, tf.mul(g2, 4))), 0));
    add(sum.F1, tf.square(G1));
    add(sum.F2, tf.square(G2));
  }
  close(stats.inputNorms.get('h1'), Array.from(sum.n1, Math.sqrt), 'inputNorms h1 (model input)');
  close(stats.inputNorms.get('h2'), Array.from(sum.n2, Math.sqrt), 'inputNorms h2 (h1 output)');
  close(stats.taylor.get('h1'), Array.from(sum.t1, (z) => z / 2), 'taylor h1');
  close(stats.taylor.get('h2'), Array.from(sum.t2, (z) => z / 2), 'taylor h2');
  close(stats.fisher.get('h1'), Array.from(sum.F1, (z) => z / 2), 'fisher h1');
  close(stats.fisher.get('h2'), Array.from(sum.F2, (z) => z / 2), 'fisher h2');
  assert.ok(stats.taylor.get('h1')!.some((z) => z > 0));
  net.dispose();
});

test('conv → flatten → dense: per-channel norms over positions, Taylor read at the flatten (the tap)', async () => {
  await initBackend('cpu');
  const net = new SequentialModel([
    layerNode('c', 'conv2d', { filters: 2, kernelSize: [2, 2], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true }, [3, 3, 2], [2, 2, 2]),
    layerNode('f', 'flatten', {}, [2, 2, 2], [8]),
    layerNode('out', 'dense', { units: 2, activation: 'linear', useBias: true }, [8], [2]),
  ], 3);
  const data = split(8, 18, 5);
  const before = tf.memory().numTensors;
  const onlyTaylor = await collectStats(net, [group('c', 'out', 2, 'conv2d')], data, TASKS, [3, 3, 2], ['taylor'], { batches: 2, batchSize: 4, seed: 9 });
  const stats = await collectStats(net, [group('c', 'out', 2, 'conv2d')], data, TASKS, [3, 3, 2], ['inputNorms', 'taylor', 'fisher'], { batches: 2, batchSize: 4, seed: 9 });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  assert.equal(onlyTaylor.inputNorms.size + onlyTaylor.fisher.size, 0);

  const [K, bc, W, b] = ['c/kernel', 'c/bias', 'out/kernel', 'out/bias'].map((n) => v(net, n));
  const conv = (x: tf.Tensor, k: tf.Tensor = K!) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'valid'), bc!));
  const head = (a: tf.Tensor) => tf.add(tf.matMul(tf.reshape(a, [-1, 8]), W as tf.Tensor2D), b!);
  const norms = new Float64Array(2);
  const tay = new Float64Array(2);
  const fis = new Float64Array(16);
  for (const { x, y } of batches(data, [3, 3, 2], 4, 2, 9)) {
    const a = conv(x);
    const g = tf.grad((t: tf.Tensor) => crossEntropy(head(t), y, TASKS))(a);
    const G = tf.grad((k: tf.Tensor) => crossEntropy(head(conv(x, k)), y, TASKS))(K!);
    tf.sum(tf.square(x), [0, 1, 2]).dataSync().forEach((z, i) => { norms[i]! += z; });
    // per sample (×B), mean over the 4 positions and the 4 samples
    tf.mean(tf.abs(tf.mul(a, tf.mul(g, 4))), [0, 1, 2]).dataSync().forEach((z, i) => { tay[i]! += z; });
    tf.square(G).dataSync().forEach((z, i) => { fis[i]! += z; });
  }
  close(stats.inputNorms.get('c'), Array.from(norms, Math.sqrt), 'inputNorms c');
  close(stats.taylor.get('c'), Array.from(tay, (z) => z / 2), 'taylor c');
  close(onlyTaylor.taylor.get('c'), Array.from(tay, (z) => z / 2), 'taylor c alone');
  close(stats.fisher.get('c'), Array.from(fis, (z) => z / 2), 'fisher c');
  assert.ok(stats.taylor.get('c')!.some((z) => z > 0) && stats.fisher.get('c')!.some((z) => z > 0));
  net.dispose();
});
