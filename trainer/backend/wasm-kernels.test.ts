import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { cpuReference } from './cpu-reference';
import { initBackend } from './backends';
import { wasmLeversOff } from './wasm-kernels';
import { originalWasmKernel } from './wasm-kernels-heap';

/** The replaced kernel's result (tfjs's own), as a host array. */
function reference(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const backend = tf.backend() as unknown as { readSync(id: object): Float32Array; disposeData(id: object): void };
  const kernel = originalWasmKernel(name);
  assert.ok(kernel, `${name} was replaced`);
  const out = kernel({ inputs, backend, attrs }) as tf.TensorInfo;
  const values = backend.readSync(out.dataId).slice();
  backend.disposeData(out.dataId);
  return values;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

test('DYNAXX_WASM_OFF: names, all, and a typo is an error', () => {
  assert.deepEqual([...wasmLeversOff('')], []);
  assert.deepEqual([...wasmLeversOff('maxpoolgrad, sum')], ['maxpoolgrad', 'sum']);
  assert.ok(wasmLeversOff('all').has('fused-optimizer'));
  assert.throws(() => wasmLeversOff('maxpool'), /DYNAXX_WASM_OFF names 'maxpool'/);
});

test('wasm MaxPoolGrad equals tfjs-backend-cpu\'s (the first maximum of each window), with ties (ReLU zeros), strides, padding and odd sizes', async () => {
  await initBackend('wasm');
  const cases: Array<{ shape: [number, number, number, number]; filterSize: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }> = [
    { shape: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
    { shape: [3, 7, 9, 5], filterSize: [2, 2], strides: [2, 2], pad: 'same' },
    { shape: [2, 9, 7, 4], filterSize: [3, 3], strides: [2, 2], pad: 'same' },
    { shape: [1, 10, 11, 2], filterSize: [3, 2], strides: [1, 1], pad: 'valid' },
    { shape: [2, 6, 6, 8], filterSize: [3, 3], strides: [1, 2], pad: 'same' },
    // 2×2 windows inside the input, channels a multiple of 4: the SIMD loop
    { shape: [2, 8, 8, 4], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
    { shape: [3, 6, 10, 8], filterSize: [2, 2], strides: [1, 1], pad: 'valid' }, // overlapping windows
    { shape: [2, 8, 6, 12], filterSize: [2, 2], strides: [2, 2], pad: 'same' },
    { shape: [1, 7, 9, 16], filterSize: [2, 2], strides: [2, 2], pad: 'valid' }, // a row and a column no window covers
  ];
  let seed = 10;
  for (const c of cases) {
    tf.tidy(() => {
      // every other case through a ReLU: about half zeros, ties in most windows; the others have all-negative windows
      const x0 = tf.randomNormal(c.shape, 0, 1, 'float32', seed++);
      const x = cases.indexOf(c) % 2 === 0 ? tf.relu(x0) : x0;
      const y = tf.maxPool(x as tf.Tensor4D, c.filterSize, c.strides, c.pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', seed++);
      const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
      const ours = (tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs) as tf.Tensor).dataSync();
      const theirs = cpuReference('MaxPoolGrad', { dy, input: x, output: y }, attrs);
      assert.ok(maxRelDiff(ours, theirs) < 1e-6, `${JSON.stringify(c)}: ${maxRelDiff(ours, theirs)}`);
      // (tfjs-backend-wasm's own kernel drops the gradient of a window with no positive value: it starts its search at 0)
      // and through the gradient of tf.maxPool
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.filterSize, c.strides, c.pad), dy)))(x);
      assert.ok(maxRelDiff(g.dataSync(), theirs) < 1e-6);
    });
  }
});

test('wasm Sum over leading axes equals tfjs-backend-wasm\'s, keepDims and other axes too', async () => {
  await initBackend('wasm');
  const cases: Array<{ shape: number[]; axis: number[]; keepDims: boolean }> = [
    { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false },
    { shape: [5, 3, 3, 8], axis: [0, 1, 2], keepDims: false }, // rows of a multiple of 4: the SIMD loop
    { shape: [65, 12], axis: [0], keepDims: true },
    { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: true },
    { shape: [33, 17], axis: [0], keepDims: false },
    { shape: [3, 4, 5], axis: [1, 0], keepDims: false },
    { shape: [3, 4, 5], axis: [2], keepDims: false }, // not leading: the original kernel
    { shape: [3, 4, 5], axis: [0, 2], keepDims: true },
  ];
  let seed = 100;
  for (const c of cases) {
    tf.tidy(() => {
      const x = tf.randomNormal(c.shape, 0, 1, 'float32', seed++);
      const attrs = { axis: c.axis, keepDims: c.keepDims };
      const ours = tf.engine().runKernel('Sum', { x }, attrs) as tf.Tensor;
      const theirs = reference('Sum', { x }, attrs);
      assert.deepEqual(ours.shape, tf.sum(tf.zeros(c.shape), c.axis, c.keepDims).shape);
      assert.ok(maxRelDiff(ours.dataSync(), theirs) < 1e-5, `${JSON.stringify(c)}: ${maxRelDiff(ours.dataSync(), theirs)}`);
    });
  }
  // int32 sums stay with the original kernel
  assert.deepEqual(Array.from(tf.sum(tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32'), 0).dataSync()), [4, 6]);
});

test('wasm Conv2DBackpropFilter and Conv2DBackpropInput equal tfjs-backend-cpu\'s: strides, same/valid padding, odd sizes', async () => {
  await initBackend('wasm');
  const cases: Array<{ x: [number, number, number, number]; f: [number, number, number, number]; strides: [number, number]; pad: 'same' | 'valid' | number }> = [
    { x: [2, 8, 8, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
    { x: [3, 7, 9, 1], f: [3, 3, 1, 5], strides: [1, 1], pad: 'valid' },
    { x: [2, 9, 7, 4], f: [3, 2, 4, 3], strides: [2, 2], pad: 'same' },
    { x: [2, 9, 8, 2], f: [5, 5, 2, 6], strides: [2, 1], pad: 'valid' },
    { x: [1, 6, 7, 3], f: [2, 2, 3, 2], strides: [1, 1], pad: 'same' }, // even filter: uneven 'same' padding
    { x: [2, 5, 5, 2], f: [3, 3, 2, 2], strides: [1, 1], pad: 1 },
    { x: [1, 11, 10, 2], f: [1, 1, 2, 3], strides: [3, 3], pad: 'valid' },
    // fewer taps × input channels than output channels: dW through im2col
    { x: [2, 9, 8, 1], f: [3, 3, 1, 16], strides: [1, 1], pad: 'same' },
    { x: [2, 9, 7, 2], f: [2, 2, 2, 12], strides: [2, 2], pad: 'same' },
  ];
  let seed = 200;
  for (const c of cases) {
    tf.tidy(() => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', seed++);
      const filter = tf.randomNormal(c.f, 0, 1, 'float32', seed++);
      const y = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.strides, c.pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', seed++);
      const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
      const fAttrs = { ...common, filterShape: c.f };
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, fAttrs) as tf.Tensor;
      assert.deepEqual(dw.shape, c.f);
      const dwRef = cpuReference('Conv2DBackpropFilter', { x, dy }, fAttrs);
      assert.ok(maxRelDiff(dw.dataSync(), dwRef) < 1e-4, `dW ${JSON.stringify(c)}: ${maxRelDiff(dw.dataSync(), dwRef)}`);
      const iAttrs = { ...common, inputShape: c.x };
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, iAttrs) as tf.Tensor;
      assert.deepEqual(dx.shape, c.x);
      const dxRef = cpuReference('Conv2DBackpropInput', { dy, filter }, iAttrs);
      assert.ok(maxRelDiff(dx.dataSync(), dxRef) < 1e-4, `dx ${JSON.stringify(c)}: ${maxRelDiff(dx.dataSync(), dxRef)}`);
    });
  }
  // a fused conv2d with bias and relu differentiates through them (the engine's conv2d layer on wasm)
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const b = tf.randomNormal([4], 0, 1, 'float32', 3);
    const [gx, gf, gb] = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, bias: bb, strides: 1, pad: 'same', activation: 'relu' })))([x, f, b]);
    const mask = tf.step(tf.add(tf.conv2d(x, f, 1, 'same'), b));
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
    assert.ok(maxRelDiff(gf!.dataSync(), cpuReference('Conv2DBackpropFilter', { x, dy: mask }, { ...attrs, filterShape: [3, 3, 3, 4] })) < 1e-4);
    assert.ok(maxRelDiff(gx!.dataSync(), cpuReference('Conv2DBackpropInput', { dy: mask, filter: f }, { ...attrs, inputShape: [2, 6, 6, 3] })) < 1e-4);
    assert.ok(maxRelDiff(gb!.dataSync(), tf.sum(mask, [0, 1, 2]).dataSync()) < 1e-5);
  });
  assert.equal(tf.memory().numTensors, before);
});

test('wasm Identity and same-dtype Cast share memory: clones keep their values when the original is disposed, and nothing leaks', async () => {
  await initBackend('wasm');
  const before = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
  const x = tf.tensor([1, 2, 3]);
  const y = tf.clone(x);
  const z = tf.engine().runKernel('Identity', { x: y }) as tf.Tensor;
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  y.dispose();
  assert.deepEqual(Array.from(z.dataSync()), [1, 2, 3]);
  z.dispose();
  // a float32 → float32 cast shares too; to int32 it converts
  const f = tf.tensor([1.5, -2.5]);
  const same = tf.cast(f, 'float32');
  const ints = tf.cast(f, 'int32');
  f.dispose();
  assert.deepEqual(Array.from(same.dataSync()), [1.5, -2.5]);
  assert.deepEqual(Array.from(ints.dataSync()), [1, -2]);
  tf.dispose([same, ints]);
  assert.equal((tf.memory() as { numDataBuffers: number }).numDataBuffers, before);
  // a variable assigned from a clone keeps its own value when the clone's source changes hands
  const v = tf.variable(tf.tensor([4, 5]));
  const w = tf.clone(v);
  v.assign(tf.tensor([6, 7]));
  assert.deepEqual(Array.from(w.dataSync()), [4, 5]);
  assert.deepEqual(Array.from(v.dataSync()), [6, 7]);
  tf.dispose([v, w]);
});
