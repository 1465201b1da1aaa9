/**
 * The SIMD worker pool (wasm-simd-pool.ts): calls large enough to split give, element for element, what the same kernel
 * gives on a slice small enough to run whole on one thread; a worker that faults is an error naming it, not a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { OPTIMIZER_UPDATE, RELU_GRAD } from '../engine/fused-kernels';
import { initBackend } from './backends';
import { Fn, OP, T } from './wasm-kernels-simd';
import { kernelPool, MIN_PART_BYTES, ranges, SimdPool } from './wasm-simd-pool';
import { wantedThreads } from './wasm-threads';

test('ranges: whole grains, none under the minimum, covering everything once', () => {
  assert.deepEqual(ranges(100, 2, 4, 1000), [[0, 100]]);
  assert.deepEqual(ranges(4096, 2, 16, 1024), [[0, 2048], [2048, 2048]]);
  assert.deepEqual(ranges(10, 4, 1, 3), [[0, 3], [3, 4], [7, 3]]);
  for (const [total, parts, grain, min] of [[1 << 20, 2, 16, 1 << 18], [1000, 8, 3, 10], [17, 3, 1, 1], [0, 2, 16, 1]]) {
    const r = ranges(total!, parts!, grain!, min!);
    assert.ok(r.length <= parts!, `${r.length} parts`);
    let at = 0;
    for (const [from, len] of r) {
      assert.equal(from, at);
      assert.ok(from % grain! === 0, `${from} is not a multiple of ${grain}`);
      at += len;
    }
    assert.equal(at, total, `covers ${total}`);
  }
});

/** Values of the kernel `name` on `inputs`, read back. */
function run(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): Float32Array[] {
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  const outs = Array.isArray(out) ? out : [out];
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

test('on the wasm backend\'s threads, a split optimizer update and relu gradient equal the same kernels run whole on slices', async () => {
  await initBackend('wasm');
  const threads = kernelPool()!.threads;
  assert.equal(threads, Math.min(wantedThreads(), 8), 'the pool runs as many threads as the wasm backend');
  const n = 1 << 20; // 4 MB a tensor: split on 2 threads or more
  assert.ok(n * 4 > 2 * MIN_PART_BYTES);
  const t = (seed: number, k = n) => tf.randomNormal([k], 0, 1, 'float32', seed);
  const [w, g, m, v] = [t(1), t(2), t(3), tf.abs(t(4))];
  const scale = tf.scalar(0.5);
  const attrs = { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, c1: 0.1, c2: 0.001, weightDecay: 0.01, decoupled: true };
  const whole = run(OPTIMIZER_UPDATE, { w, g, m, v, scale }, attrs);
  // slices at the start, the middle (a part boundary on 2 threads) and the end, each far below a part
  for (const at of [0, n / 2 - 512, n - 1024]) {
    const sl = (x: tf.Tensor) => tf.slice(x, [at], [1024]);
    const part = run(OPTIMIZER_UPDATE, { w: sl(w), g: sl(g), m: sl(m), v: sl(v), scale }, attrs);
    part.forEach((p, i) => assert.deepEqual(Array.from(p), Array.from(whole[i]!.subarray(at, at + 1024)), `output ${i} at ${at}`));
  }
  const y = t(5);
  const relu = run(RELU_GRAD, { dy: g, y })[0]!;
  const yv = y.dataSync();
  const gv = g.dataSync();
  for (let i = 0; i < n; i += 997) assert.equal(relu[i], yv[i]! > 0 ? gv[i] : 0, `relu gradient at ${i}`);
  assert.equal(relu[n - 1], yv[n - 1]! > 0 ? gv[n - 1] : 0);
  tf.dispose([w, g, m, v, y, scale]);
});

test('a convolution whose im2col is split over the threads equals the same convolution image by image', async () => {
  await initBackend('wasm');
  const x = tf.randomNormal([32, 14, 14, 16], 0, 1, 'float32', 9) as tf.Tensor4D; // 32 × 14·14 × 9·16 patches: 3.6 MB
  const f = tf.randomNormal([3, 3, 16, 8], 0, 0.3, 'float32', 10) as tf.Tensor4D;
  const dy = tf.randomNormal([32, 14, 14, 8], 0, 1, 'float32', 11) as tf.Tensor4D;
  const whole = tf.conv2d(x, f, 1, 'same');
  const dxWhole = tf.conv2dTranspose(dy, f, [32, 14, 14, 16], 1, 'same');
  for (const b of [0, 15, 16, 31]) {
    const one = tf.conv2d(tf.slice(x, [b, 0, 0, 0], [1, 14, 14, 16]), f, 1, 'same');
    const got = tf.slice(whole, [b, 0, 0, 0], [1, 14, 14, 8]);
    assert.ok(tf.max(tf.abs(tf.sub(one, got))).dataSync()[0]! < 1e-5, `image ${b}`);
    const dxOne = tf.conv2dTranspose(tf.slice(dy, [b, 0, 0, 0], [1, 14, 14, 8]), f, [1, 14, 14, 16], 1, 'same');
    assert.ok(tf.max(tf.abs(tf.sub(dxOne, tf.slice(dxWhole, [b, 0, 0, 0], [1, 14, 14, 16])))).dataSync()[0]! < 1e-5, `input gradient of image ${b}`);
  }
  tf.dispose([x, f, dy, whole, dxWhole]);
});

test('a max-pool gradient whose images are split over the threads equals the same gradient image by image', async () => {
  await initBackend('wasm');
  const x = tf.relu(tf.randomNormal([64, 28, 28, 16], 0, 1, 'float32', 12)) as tf.Tensor4D; // 3.2 MB, ties among the zeros
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), 3)));
  const whole = grad(x);
  for (const b of [0, 31, 32, 63]) {
    const one = grad(tf.slice(x, [b, 0, 0, 0], [1, 28, 28, 16]));
    assert.deepEqual(Array.from(one.dataSync()), Array.from(tf.slice(whole, [b, 0, 0, 0], [1, 28, 28, 16]).dataSync()), `image ${b}`);
  }
  tf.dispose([x, whole]);
});

test('a worker that faults (a part out of the heap) fails the call with a message instead of hanging, and the pool still works after', () => {
  const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBufferLike } } }).WebAssembly;
  const memory = WA.Memory ? new WA.Memory({ initial: 1, maximum: 2, shared: true }) : undefined;
  if (!memory || !(memory.buffer instanceof SharedArrayBuffer)) return;
  const pool = new SimdPool(memory, 1);
  try {
    // fill(p, nBytes): writes 1.0 over [p, p + nBytes)
    const fill = new Fn('fill', [['p', T.i32], ['nBytes', T.i32]]).local('i', T.i32);
    fill.i32(0).set('i').while('i', 'nBytes', 16, (b) => {
      b.get('p', 'i').op(OP.i32Add).i32(0x3f800000).op(OP.i32x4Splat, OP.v128Store);
    });
    const mod = pool.load([fill])!;
    assert.equal(mod.threads, 2);
    mod.run('fill', [[0, 1024], [1024, 1024]]);
    assert.deepEqual(Array.from(new Float32Array(memory.buffer, 0, 512)), new Array(512).fill(1));
    // the worker's part lies past the end of the memory (2 pages at most, 1 grown)
    assert.throws(() => mod.run('fill', [[0, 16], [1 << 20, 16]]), /SIMD worker thread failed a kernel/);
    new Float32Array(memory.buffer, 0, 512).fill(0);
    mod.run('fill', [[0, 1024], [1024, 1024]]);
    assert.deepEqual(Array.from(new Float32Array(memory.buffer, 0, 512)), new Array(512).fill(1));
  } finally {
    pool.close();
  }
});
