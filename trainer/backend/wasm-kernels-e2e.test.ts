/**
 * End to end: the engine's training loop on the bench's MLP and CNN (small batches) trains to the same losses and
 * weights with every wasm kernel of wasm-kernels*.ts as with none (DYNAXX_WASM_OFF=all), on the threaded build and on
 * the plain SIMD one (one thread: its heap is not shared), one child process each (the kernels are installed when the
 * backend starts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');

const CHILD = `
const tf = require('@tensorflow/tfjs-core');
const { initBackend } = require('./trainer/backend/backends');
const { TrainingLoop } = require('./trainer/engine/loop');
const { buildModel, refModel } = require('./bench/models');
const { randomDataset } = require('./bench/measure');
(async () => {
  await initBackend('wasm');
  const out = {};
  for (const name of ['mlp', 'cnn']) {
    const model = buildModel(refModel(name), 16, 12);
    const loop = new TrainingLoop({ model, dataset: randomDataset(model.inputShape, 64, 3), logEvery: 4 });
    const losses = [];
    const r = await loop.run({ onMetrics: (records) => { for (const m of records) if (m.split === 'train') losses.push(m.loss); } });
    const snap = await loop.snapshot();
    loop.dispose();
    out[name] = { status: r.status, losses, weights: snap.weights.map((w) => Array.from(w.data).slice(0, 64)) };
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

type Result = Record<string, { status: string; losses: number[]; weights: number[][] }>;

function runChild(off: string, threads?: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--eval', CHILD], {
      cwd: root,
      env: { ...process.env, DYNAXX_WASM_OFF: off, ...(threads ? { DYNAXX_WASM_THREADS: String(threads) } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`child (DYNAXX_WASM_OFF=${off}) exited ${code}: ${err}`));
      resolve(JSON.parse(out) as Result);
    });
  });
}

test('the MLP and the CNN train to the same losses and weights with the wasm kernels as without them', async () => {
  const [threaded, single, off] = await Promise.all([runChild(''), runChild('', 1), runChild('all')]);
  for (const [on, name] of [threaded, single].flatMap((r) => ['mlp', 'cnn'].map((n) => [r, n] as const))) {
    const a = on[name]!;
    const b = off[name]!;
    assert.equal(a.status, 'completed', `${name} with the kernels`);
    assert.equal(b.status, 'completed', `${name} without`);
    assert.ok(a.losses.length >= 3, `${name}: losses read`);
    a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]!) <= 1e-4 * Math.abs(b.losses[i]!), `${name} loss ${i}: ${l} with, ${b.losses[i]} without`));
    assert.equal(a.weights.length, b.weights.length);
    a.weights.forEach((w, k) => w.forEach((v, i) => {
      const u = b.weights[k]![i]!;
      assert.ok(Math.abs(v - u) <= 1e-4 * Math.max(Math.abs(u), 1e-2), `${name} weight ${k}[${i}]: ${v} with, ${u} without`);
    }));
  }
});
