/**
 * The wasm backend's matrix products and convolutions on the machine's BLAS (wasm-kernels-blas.ts, blas.ts) give
 * tfjs-backend-cpu's results, forward and through gradients, leak nothing, and say which BLAS runs them. Needs OpenBLAS
 * (CI installs libopenblas0-pthread); without it the first test fails saying so.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mulberry32 } from '../../spec/rng';
import { initBackend } from './backends';
import { loadBlas } from './blas';

type Out = ArrayLike<number>;
const root = join(__dirname, '..', '..');

/** A tensor of uniform values in [-1, 1) from a seed: the same on either backend. */
function rand(shape: number[], seed: number): tf.Tensor {
  const next = mulberry32(seed);
  return tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => next() * 2 - 1), shape);
}

/** fn's results on wasm (BLAS) and on tfjs-backend-cpu; fn makes its inputs from fixed seeds (it runs twice). */
async function onBoth(fn: () => tf.Tensor[]): Promise<{ wasm: Out[]; cpu: Out[] }> {
  const run = () => tf.tidy(fn).map((t) => {
    const v = t.dataSync().slice();
    t.dispose();
    return v;
  });
  const wasm = run();
  await tf.setBackend('cpu');
  try {
    return { wasm, cpu: run() };
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Float32 agreement for sums of K products: relative error (to max(1, |want|)) under 1e-4, looser as K grows. */
function assertClose(got: Out, want: Out, K: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let err = 0;
  for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  assert.ok(err < 1e-4 * Math.max(1, K / 64), `${what}: max relative difference ${err} (K ${K})`);
}

async function compare(what: string, K: number, fn: () => tf.Tensor[]): Promise<void> {
  const { wasm, cpu } = await onBoth(fn);
  wasm.forEach((w, i) => assertClose(w, cpu[i]!, K, `${what} [output ${i}]`));
}

function numDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

test('the wasm backend finds OpenBLAS and its device line says matMul and conv run on it', async () => {
  const { blas, why } = loadBlas();
  assert.ok(blas, `no BLAS was loaded (${why}): these tests need OpenBLAS (apt-get install libopenblas0-pthread)`);
  const { device } = await initBackend('wasm');
  assert.match(device, /matMul and conv on OpenBLAS/, device);
});

test('matMul equals the cpu backend\'s: transposes, batches, broadcast batches, odd sizes, empty operands; int32 as before', async () => {
  await initBackend('wasm');
  let seed = 1;
  for (const [M, K, N] of [[7, 13, 5], [16, 32, 8], [1, 9, 3], [33, 4, 17]] as const) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      for (const [ba, bb] of [[[], []], [[3], [3]], [[3], [1]], [[1], [3]], [[2, 2], []]] as const) {
        const a = [...ba, ...(tA ? [K, M] : [M, K])];
        const b = [...bb, ...(tB ? [N, K] : [K, N])];
        const s = (seed += 2);
        await compare(`${a}·${b} tA ${tA} tB ${tB}`, K, () => [tf.matMul(rand(a, s), rand(b, s + 1), tA, tB)]);
      }
    }
  }
  const zeroK = tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 4]));
  assert.deepEqual(zeroK.arraySync(), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], 'K = 0 gives zeros');
  assert.deepEqual(tf.matMul(tf.zeros([0, 3]), tf.ones([3, 4])).shape, [0, 4]);
  // int32 goes to tfjs-backend-wasm's own kernel, which refuses it as it does without BLAS (no wrong numbers)
  const ints = () => tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32');
  assert.throws(() => tf.tidy(() => tf.matMul(ints(), ints())), /BatchMatMul for non non-float32 tensors not yet supported/);
  zeroK.dispose();
});

test('fused matMul with a bias and every activation equals the cpu backend\'s (not recording gradients)', async () => {
  await initBackend('wasm');
  let seed = 500;
  for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
    // N = 8: the SIMD bias (and relu) pass; N = 5: tfjs's Add; a transposed B and a batch of 2 too
    for (const [M, K, N, batch, tB] of [[9, 12, 8, 0, false], [7, 13, 5, 0, true], [4, 6, 8, 2, false]] as const) {
      const s = (seed += 4);
      await compare(`fused ${activation} [${batch}, ${M}, ${K}, ${N}]`, K, () => {
        const lead = batch ? [batch] : [];
        const a = rand([...lead, M, K], s);
        const b = rand([...lead, ...(tB ? [N, K] : [K, N])], s + 1);
        const bias = rand([N], s + 2);
        const preluActivationWeights = activation === 'prelu' ? rand([N], s + 3) : undefined;
        return [tf.fused.matMul({ a, b, transposeB: tB, bias, activation, preluActivationWeights, leakyreluAlpha: 0.3 })];
      });
    }
  }
});

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
const CONVS: Array<{ x: number[]; f: number[]; s: number | [number, number]; pad: Pad }> = [
  { x: [2, 7, 9, 3], f: [3, 3, 3, 8], s: 1, pad: 'same' },
  { x: [3, 7, 9, 1], f: [3, 2, 1, 5], s: 1, pad: 'valid' },
  { x: [2, 9, 7, 8], f: [3, 2, 8, 4], s: 2, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 6], s: 2, pad: 'valid' },
  { x: [2, 7, 9, 8], f: [1, 1, 8, 6], s: 1, pad: 'valid' }, // pointwise: the input is its own im2col
  { x: [3, 5, 7, 3], f: [1, 1, 3, 5], s: 2, pad: 'same' }, // 1×1 with a stride
  { x: [2, 5, 6, 3], f: [3, 3, 3, 4], s: 1, pad: 1 },
  { x: [1, 6, 7, 3], f: [2, 2, 3, 2], s: 1, pad: 'same' }, // even filter: uneven padding
  { x: [2, 7, 8, 2], f: [3, 2, 2, 3], s: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
];

test('conv2d and its gradients (tf.grads w.r.t. input and filter) equal the cpu backend\'s over padding, stride and shape', async () => {
  await initBackend('wasm');
  let seed = 1000;
  for (const c of CONVS) {
    const [, kh, kw, cin] = [0, ...c.f] as number[];
    const taps = kh! * kw! * cin!;
    const s = (seed += 3);
    await compare(`conv2d ${JSON.stringify(c)}`, Math.max(taps, c.x[0]! * c.x[1]! * c.x[2]!, kh! * kw! * c.f[3]!), () => {
      const x = rand(c.x, s) as tf.Tensor4D;
      const w = rand(c.f, s + 1) as tf.Tensor4D;
      const y = tf.conv2d(x, w, c.s, c.pad);
      const r = rand(y.shape, s + 2);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)))([x, w]);
      return [y, dx!, dw!];
    });
  }
});

test('fused conv2d with a bias and relu, and a dilated conv2d (not on BLAS), equal the cpu backend\'s', async () => {
  await initBackend('wasm');
  let seed = 2000;
  for (const [cout, activation] of [[8, 'relu'], [5, 'relu'], [8, 'elu'], [6, 'linear']] as const) {
    const s = (seed += 3);
    await compare(`fused conv2d Cout ${cout} ${activation}`, 27, () => [tf.fused.conv2d({
      x: rand([2, 7, 9, 3], s) as tf.Tensor4D, filter: rand([3, 3, 3, cout], s + 1) as tf.Tensor4D,
      strides: 1, pad: 'same', bias: rand([cout], s + 2), activation,
    })]);
  }
  await compare('dilated conv2d', 27, () => [tf.conv2d(rand([2, 9, 9, 3], 1) as tf.Tensor4D, rand([3, 3, 3, 4], 2) as tf.Tensor4D, 1, 'same', 'NHWC', 2)]);
});

test('a conv\'s cached im2col serves only its own input: two inputs of one shape, one input at two strides, runs in a row', async () => {
  await initBackend('wasm');
  const conv = (x: tf.Tensor, w: tf.Tensor, s = 1) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, 'same');
  await compare('two inputs, one filter, variableGrads', 200, () => {
    const w = tf.variable(rand([3, 3, 3, 4], 1));
    const [x1, x2] = [rand([2, 7, 9, 3], 2), rand([2, 7, 9, 3], 3)];
    const r = rand([2, 7, 9, 4], 4);
    const { value, grads } = tf.variableGrads(() => tf.add(tf.sum(tf.mul(conv(x1, w), r)), tf.sum(tf.mul(conv(x2, w), tf.neg(r)))), [w]);
    const dw = grads[w.name]!;
    w.dispose();
    return [value, dw];
  });
  await compare('one input at strides 1 and 2', 200, () => {
    const x = rand([2, 7, 9, 3], 5);
    const w = rand([3, 3, 3, 4], 6);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.add(tf.sum(tf.square(conv(a, b, 1))), tf.sum(conv(a, b, 2))))([x, w]);
  });
  await compare('the same conv twice in a row, different inputs of one shape', 200, () => {
    const w = rand([3, 2, 3, 5], 7);
    return [8, 9, 10].flatMap((seed) => {
      const x = rand([2, 7, 9, 3], seed);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sigmoid(conv(a, b))))([x, w]);
    });
  });
});

test('no tensor or heap buffer is left behind by products, convolutions and their gradients', async () => {
  await initBackend('wasm');
  const x = rand([2, 7, 9, 3], 11) as tf.Tensor4D;
  const w = rand([3, 3, 3, 8], 12) as tf.Tensor4D;
  const run = () => tf.tidy(() => {
    tf.matMul(rand([3, 7, 13], 13), rand([13, 5], 14)).dataSync();
    tf.fused.matMul({ a: rand([7, 13], 15), b: rand([13, 8], 16), bias: rand([8], 17), activation: 'relu' }).dataSync();
    tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'same', bias: rand([8], 18), activation: 'relu' }).dataSync();
    for (const g of tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, w])) g.dataSync();
  });
  run(); // first run: whatever is made once
  const [tensors, ids] = [tf.memory().numTensors, numDataIds()];
  for (let i = 0; i < 3; i++) run();
  assert.equal(tf.memory().numTensors, tensors, 'tensors');
  assert.equal(numDataIds(), ids, 'wasm heap buffers (the backend\'s dataIdMap)');
  tf.dispose([x, w]);
});

/** The env's DYNAXX_BLAS given to a fresh process: what loadBlas throws (if it does) and what probe says. */
function childBlas(value: string): Promise<{ error?: string; probe: { available: boolean; device?: string; detail?: string } }> {
  const script = `
    let error;
    try { require('./trainer/backend/blas').loadBlas(); } catch (e) { error = e.message; }
    require('./trainer/backend/wasm').wasmBackend.probe().then((probe) => process.stdout.write(JSON.stringify({ error, probe })));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root, env: { ...process.env, DYNAXX_BLAS: value, DYNAXX_WASM_OFF: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

test('DYNAXX_BLAS naming a missing library is an error that says what to do; DYNAXX_BLAS=off says no BLAS', async () => {
  const [missing, off] = await Promise.all([childBlas('/nonexistent/libnoblas.so'), childBlas('off')]);
  assert.match(missing.error ?? 'loadBlas did not throw', /DYNAXX_BLAS=\/nonexistent\/libnoblas\.so could not be used.*set DYNAXX_BLAS=off/);
  assert.equal(missing.probe.available, false);
  assert.match(missing.probe.detail ?? '', /DYNAXX_BLAS/);
  assert.equal(off.error, undefined);
  assert.match(off.probe.device ?? '', /no BLAS \(DYNAXX_BLAS=off/, JSON.stringify(off.probe));
});

// A conv run while a gradient is recorded caches its im2col for the filter's gradient; when none is asked for (w.r.t. the
// input only, a frozen filter) the entry must go with its input.
test('a gradient w.r.t. the conv input only leaves no heap buffer behind', async () => {
  await initBackend('wasm');
  const w = rand([3, 3, 3, 4], 21) as tf.Tensor4D;
  const ids = numDataIds();
  tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w, 1, 'same')))(rand([2, 7, 9, 3], 22)).dataSync());
  w.dispose();
  assert.equal(numDataIds(), ids - 1, 'wasm heap buffers (the backend\'s dataIdMap)');
});
