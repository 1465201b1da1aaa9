/** The SIMD transpose and the swapped matMul (Cᵀ = Bᵀ·Aᵀ) on wasm give tfjs-backend-cpu's results. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { cpuReference } from './cpu-reference';
import { initBackend } from './backends';
import { swapIsCheaper } from './wasm-matmul';

test('wasm Transpose of the last two axes equals the reference, batched, with sizes that are and are not multiples of 4', async () => {
  await initBackend('wasm');
  for (const shape of [[4, 8], [64, 784], [3, 12, 20], [2, 5, 8], [8, 6], [1, 68, 1028]]) {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', shape.length);
      const perm = shape.length === 2 ? [1, 0] : [0, 2, 1];
      const ours = tf.transpose(x, perm);
      assert.deepEqual(ours.shape, perm.map((p) => shape[p]));
      assert.deepEqual(Array.from(ours.dataSync()), Array.from(cpuReference('Transpose', { x }, { perm })), `${shape}`);
    });
  }
});

test('wasm BatchMatMul, swapped where B is the larger operand, equals the reference for every transpose flag', async () => {
  await initBackend('wasm');
  assert.ok(swapIsCheaper(64, 1024, 1024, false, true), 'a dense layer\'s input gradient swaps');
  assert.ok(!swapIsCheaper(1024, 64, 1024, true, false), 'its weight gradient does not');
  let seed = 300;
  for (const [M, K, N] of [[8, 64, 96], [64, 32, 8], [5, 36, 40], [12, 7, 33], [1, 16, 24]]) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      tf.tidy(() => {
        const a = tf.randomNormal(tA ? [1, K, M] : [1, M, K], 0, 1, 'float32', seed++);
        const b = tf.randomNormal(tB ? [1, N, K] : [1, K, N], 0, 1, 'float32', seed++);
        const attrs = { transposeA: tA, transposeB: tB };
        const want = cpuReference('BatchMatMul', { a, b }, attrs);
        for (let repeat = 0; repeat < 2; repeat++) { // the second time, a plain B counts as packed already
          const ours = tf.engine().runKernel('BatchMatMul', { a, b }, attrs) as tf.Tensor;
          assert.deepEqual(ours.shape, [1, M, N]);
          const got = Array.from(ours.dataSync());
          const err = got.reduce((m: number, v: number, i: number) => Math.max(m, Math.abs(v - want[i]!) / Math.max(1, Math.abs(want[i]!))), 0);
          assert.ok(err < 1e-4, `[${M}, ${K}, ${N}] transposeA ${tA} transposeB ${tB}: ${err}`);
        }
      });
    }
  }
  // no data leaks from the temporary transposes
  const before = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
  tf.tidy(() => {
    tf.matMul(tf.ones([8, 64]), tf.ones([96, 64]), false, true);
  });
  assert.equal((tf.memory() as { numDataBuffers: number }).numDataBuffers, before);
});
