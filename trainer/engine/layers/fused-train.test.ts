/** The fused dense and conv2d training kernels (fused-train.ts, on wasm) give the unfused ops' values and gradients. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '../../backend/backends';
import { loadBlas } from '../../backend/blas';
import { originalWasmKernel } from '../../backend/wasm-kernels-heap';
import { canFuseForTraining, conv2dTrain, denseTrain, type TrainActivation } from './fused-train';

function close(got: tf.Tensor, want: tf.Tensor, what: string): void {
  assert.deepEqual(got.shape, want.shape, what);
  const g = got.dataSync();
  const w = want.dataSync();
  let err = 0;
  for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs(g[i]! - w[i]!) / Math.max(1, Math.abs(w[i]!)));
  assert.ok(err < 1e-4, `${what}: relative error ${err}`);
}

/** Value and gradients (w.r.t. every input) of Σ f(inputs)·r, for the fused and the reference f. */
function compare(inputs: tf.Tensor[], fused: (...t: tf.Tensor[]) => tf.Tensor, reference: (...t: tf.Tensor[]) => tf.Tensor, what: string): void {
  tf.tidy(() => {
    const r = tf.randomNormal(reference(...inputs).shape, 0, 1, 'float32', 5);
    const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), r));
    const ours = tf.grads(loss(fused))(inputs);
    const want = tf.grads(loss(reference))(inputs);
    close(fused(...inputs), reference(...inputs), `${what}: value`);
    ours.forEach((g, i) => close(g, want[i]!, `${what}: gradient of input ${i}`));
  });
}

const act = (y: tf.Tensor, a: TrainActivation) => (a === 'relu' ? tf.relu(y) : y);

test('on wasm, a dense layer\'s fused training kernel has the values and gradients of matMul + bias + relu', async () => {
  await initBackend('wasm');
  assert.ok(canFuseForTraining('conv2d', 'relu') && canFuseForTraining('conv2d', 'linear') && !canFuseForTraining('conv2d', 'gelu'));
  // the dense kernel runs on the BLAS only (tfjs's own fused matMul would repack the weight every step)
  assert.equal(canFuseForTraining('dense', 'relu'), loadBlas().blas !== undefined);
  if (!canFuseForTraining('dense', 'relu')) return;
  let seed = 11;
  for (const [M, K, N] of [[8, 16, 12], [5, 7, 3], [64, 784, 32]]) {
    for (const a of ['relu', 'linear'] as const) {
      const x = tf.randomNormal([M, K], 0, 1, 'float32', seed++);
      const w = tf.randomNormal([K, N], 0, 0.3, 'float32', seed++);
      const b = tf.randomNormal([N], 0, 1, 'float32', seed++);
      compare([x, w, b], (x, w, b) => denseTrain(x as tf.Tensor2D, w as tf.Tensor2D, b, a), (x, w, b) => act(tf.add(tf.matMul(x!, w!), b!), a), `dense ${M}×${K}·${K}×${N} ${a}`);
      compare([x, w], (x, w) => denseTrain(x as tf.Tensor2D, w as tf.Tensor2D, undefined, a), (x, w) => act(tf.matMul(x!, w!), a), `dense ${M}×${K}·${K}×${N} ${a}, no bias`);
      tf.dispose([x, w, b]);
    }
  }
});

test('on wasm, a conv2d layer\'s fused training kernel has the values and gradients of conv2d + bias + relu', async () => {
  await initBackend('wasm');
  let seed = 40;
  const cases: Array<[number[], number[], [number, number], 'same' | 'valid']> = [
    [[2, 9, 7, 3], [3, 3, 3, 8], [1, 1], 'same'],
    [[3, 8, 8, 4], [3, 2, 4, 5], [2, 2], 'same'],
    [[2, 7, 9, 1], [3, 3, 1, 4], [1, 2], 'valid'],
    [[2, 6, 6, 8], [1, 1, 8, 4], [1, 1], 'valid'],
  ];
  for (const [xs, fs, strides, pad] of cases) {
    for (const a of ['relu', 'linear'] as const) {
      const x = tf.randomNormal(xs, 0, 1, 'float32', seed++);
      const f = tf.randomNormal(fs, 0, 0.3, 'float32', seed++);
      const b = tf.randomNormal([fs[3]!], 0, 1, 'float32', seed++);
      const what = `conv2d ${xs} * ${fs} strides ${strides} ${pad} ${a}`;
      compare([x, f, b], (x, f, b) => conv2dTrain(x as tf.Tensor4D, f as tf.Tensor4D, b, strides, pad, a), (x, f, b) => act(tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, strides, pad), b!), a), what);
      compare([x, f], (x, f) => conv2dTrain(x as tf.Tensor4D, f as tf.Tensor4D, undefined, strides, pad, a), (x, f) => act(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, strides, pad), a), `${what}, no bias`);
      tf.dispose([x, f, b]);
    }
  }
});

test('on wasm, training through the fused kernels leaks no tensors', async () => {
  await initBackend('wasm');
  const x = tf.randomNormal([4, 6, 6, 2]) as tf.Tensor4D;
  const f = tf.variable(tf.randomNormal([3, 3, 2, 4]));
  const b = tf.variable(tf.zeros([4]));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const { value, grads } = tf.variableGrads(() => tf.sum(conv2dTrain(x, f as tf.Tensor4D, b, [1, 1], 'same', 'relu')) as tf.Scalar, [f, b]);
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, f, b]);
});

test('on wasm without a BLAS (tfjs\'s own fused kernels underneath), the fused training kernels give the same values and gradients', async () => {
  await initBackend('wasm');
  // put tfjs's _FusedMatMul and FusedConv2D back for the length of the test, as DYNAXX_BLAS=off leaves them (with no BLAS
  // loaded they are tfjs's already)
  const swapped = ['_FusedMatMul', 'FusedConv2D'].filter((name) => originalWasmKernel(name)).map((name) => {
    const config = tf.getKernel(name, 'wasm')!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: originalWasmKernel(name) as unknown as tf.KernelFunc });
    return config;
  });
  try {
    const x = tf.randomNormal([6, 20], 0, 1, 'float32', 70);
    const w = tf.randomNormal([20, 8], 0, 0.3, 'float32', 71);
    const b = tf.randomNormal([8], 0, 1, 'float32', 72);
    // (without a BLAS the dense kernel is not registered: tfjs's _FusedMatMul would repack the weight every step)
    if (canFuseForTraining('dense', 'relu')) compare([x, w, b], (x, w, b) => denseTrain(x as tf.Tensor2D, w as tf.Tensor2D, b, 'relu'), (x, w, b) => tf.relu(tf.add(tf.matMul(x!, w!), b!)), 'dense, tfjs kernels');
    const xi = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 73);
    const f = tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 74);
    const fb = tf.randomNormal([4], 0, 1, 'float32', 75);
    compare([xi, f, fb], (x, f, b) => conv2dTrain(x as tf.Tensor4D, f as tf.Tensor4D, b, [1, 1], 'same', 'relu'), (x, f, b) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), b!)), 'conv2d, tfjs kernels');
    tf.dispose([x, w, b, xi, f, fb]);
  } finally {
    for (const config of swapped) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  }
});
