import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLAS_THREADS_ENV } from './blas';
import { MAX_THREADS, THREADS_ENV, threadsUnavailable, wantedThreads } from './wasm-threads';

const root = join(__dirname, '..', '..');

/**
 * One child process per thread count (tfjs picks a backend once per process): a few Adam steps of a small MLP and
 * a small CNN from seeded weights and data; prints the losses, the trained weights, the device and the thread count.
 * The child ends on its own (no process.exit), so a worker left holding the event loop shows as a timeout.
 */
const CHILD = `
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-core/dist/register_all_gradients');
const { initBackend } = require('./trainer/backend/backends');
const { conv2dWithFilterGrad } = require('./trainer/engine/layers/conv2d-grad');
(async () => {
  const { device } = await initBackend('wasm');
  const threads = require('@tensorflow/tfjs-backend-wasm').getThreadsCount();
  const train = (params, loss, x, y) => {
    const vars = params.map((p) => tf.variable(p));
    const opt = tf.train.adam(0.01);
    const losses = [];
    for (let i = 0; i < 4; i++) {
      const l = opt.minimize(() => loss(vars, x, y), true, vars);
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    return { losses, weights: vars.map((v) => Array.from(v.dataSync())) };
  };
  const r = (shape, seed, s = 0.1) => tf.randomNormal(shape, 0, s, 'float32', seed);
  const xent = (logits, y) => tf.losses.softmaxCrossEntropy(y, logits);
  const labels = (n, seed) => tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', seed), 10);
  const mlp = train([r([784, 256], 1), r([256], 2), r([256, 10], 3), r([10], 4)],
    ([w1, b1, w2, b2], x, y) => xent(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2), y),
    r([256, 784], 5, 1), labels(256, 6));
  const cnn = train([r([3, 3, 1, 8], 7, 0.3), r([8], 8), r([3, 3, 8, 16], 9, 0.1), r([7 * 7 * 16, 10], 10, 0.05)],
    ([k1, b1, k2, w], x, y) => {
      const conv = (h, k, b) => conv2dWithFilterGrad(h, k, b, { strides: [1, 1], padding: 'same', relu: true });
      const h1 = tf.maxPool(conv(x, k1, b1), 2, 2, 'valid');
      const h2 = tf.maxPool(conv(h1, k2, undefined), 2, 2, 'valid');
      return xent(tf.matMul(tf.reshape(h2, [-1, 7 * 7 * 16]), w), y);
    },
    r([64, 28, 28, 1], 11, 1), labels(64, 12));
  const listeners = process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
  process.stdout.write(JSON.stringify({ device, threads, listeners, mlp, cnn }));
})();
`;

interface ChildResult {
  device: string;
  threads: number;
  listeners: number;
  mlp: { losses: number[]; weights: number[][] };
  cnn: { losses: number[]; weights: number[][] };
  exitMs: number;
}

/** A child on `threads` wasm threads; the BLAS (blas.ts) on `blasThreads` (default 1: the wasm threads alone vary). */
function runChild(threads: number, blasThreads = 1): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--eval', CHILD], {
      cwd: root,
      env: { ...process.env, [THREADS_ENV]: String(threads), [BLAS_THREADS_ENV]: String(blasThreads) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let printedAt = 0;
    child.stdout.on('data', (d) => {
      out += d;
      printedAt = Date.now();
    });
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`child (${threads} threads) exited ${code}: ${err}`));
      resolve({ ...(JSON.parse(out) as ChildResult), exitMs: Date.now() - printedAt });
    });
  });
}

function assertClose(a: number[], b: number[], what: string, rel = 1e-4): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    const tol = rel * Math.max(Math.abs(a[i]), Math.abs(b[i]), 1e-2);
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} on 1 thread, ${b[i]} on 2`);
  }
}

test(`${THREADS_ENV}: a whole number from 1 to ${MAX_THREADS}, else the cores up to ${MAX_THREADS}; anything else fails with the name`, () => {
  assert.equal(wantedThreads({ [THREADS_ENV]: '3' }, 2), 3);
  assert.equal(wantedThreads({ [THREADS_ENV]: ' 1 ' }, 16), 1);
  assert.equal(wantedThreads({}, 2), 2);
  assert.equal(wantedThreads({}, 64), MAX_THREADS);
  assert.equal(wantedThreads({ [THREADS_ENV]: '' }, 1), 1);
  for (const bad of ['0', '-2', '2.5', 'many', String(MAX_THREADS + 1)]) {
    assert.throws(() => wantedThreads({ [THREADS_ENV]: bad }, 2), new RegExp(THREADS_ENV));
  }
});

test('threads are off, with the reason, when the threaded .wasm is missing', () => {
  const empty = mkdtempSync(join(tmpdir(), 'dynaxx-wasm-'));
  assert.match(threadsUnavailable(empty) ?? '', /tfjs-backend-wasm-threaded-simd\.wasm not found/);
});

test('wasm on 2 threads trains an MLP and a CNN as 1 thread does, runs the count asked, leaves no listeners, and exits on its own', async () => {
  const [one, two] = await Promise.all([runChild(1), runChild(2)]);
  // the BLAS's own threads split some products differently (OpenBLAS): the last bits of a product may change, not more
  const twoBlas = await runChild(2, 2);
  for (const model of ['mlp', 'cnn'] as const) {
    assertClose(one[model].losses, twoBlas[model].losses, `${model} losses, BLAS on 2 threads`, 1e-3);
    one[model].weights.forEach((w, i) => assertClose(w, twoBlas[model].weights[i], `${model} weights ${i}, BLAS on 2 threads`, 1e-3));
  }
  assert.equal(one.threads, 1);
  assert.match(one.device, /WebAssembly SIMD, 1 thread(, matMul and conv on \S.* \(1 thread\)|, no BLAS \(.*)?$/);
  assert.equal(two.threads, 2);
  assert.match(two.device, /WebAssembly SIMD, 2 threads(, matMul and conv on \S.* \(1 thread\)|, no BLAS \(.*)?$/);
  for (const model of ['mlp', 'cnn'] as const) {
    assertClose(one[model].losses, two[model].losses, `${model} losses`);
    one[model].weights.forEach((w, i) => assertClose(w, two[model].weights[i], `${model} weights ${i}`));
    assert.ok(one[model].losses[3] < one[model].losses[0], `${model} learns`);
  }
  // the glue's own process listeners (rethrow every uncaught error) are gone
  assert.equal(one.listeners, 0);
  assert.equal(two.listeners, 0);
  // the pool's workers are unref'd: the process ends as soon as its work does
  assert.ok(two.exitMs < 5000, `the 2-thread process took ${two.exitMs} ms to exit after its last output`);
});
