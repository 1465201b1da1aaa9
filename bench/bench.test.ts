import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildModel, refModel, trainFlopsPerSample } from './models';
import { tableRows } from './report';

test('the MLP FLOPs the bench uses are the hand count', () => {
  const model = buildModel(refModel('mlp'), 64, 1);
  // per layer: 2·in·out multiply-adds + out bias adds, plus one op per ReLU output
  const dense = (i: number, o: number, relu: boolean) => 2 * i * o + o + (relu ? o : 0);
  const hand = dense(784, 1024, true) + dense(1024, 1024, true) + dense(1024, 10, false);
  assert.equal(model.flops, hand);
  assert.equal(trainFlopsPerSample(model), 3 * hand);
  assert.equal(model.params, 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10);
});

test('rows compare each backend with PyTorch on the same model and batch', () => {
  const result = { model: 'mlp', batch: 64, warmup: 1, steps: 3, seconds: 1, samplesPerSec: 200, forwardFlops: 1e6, tflops: 6e-4, params: 1 };
  const torch = { python: 'python3', torch: '2.0', device: 'cpu', deviceType: 'cpu' as const, threads: 1, blas: 'mkl', failures: [],
    results: [{ model: 'mlp', batch: 64, warmup: 1, steps: 3, seconds: 1, samplesPerSec: 400 }] };
  const [row] = tableRows([{ backend: 'wasm', device: 'x', tfjs: '4', results: [result], failures: [] }], torch);
  assert.equal(row.ratio, 0.5);
  assert.ok(Math.abs(row.torchTflops! - 1.2e-3) < 1e-12);
});

test('one backend in --json mode prints valid results', () => {
  const args = ['--import', 'tsx', join(__dirname, 'bench.ts'), '--backend', 'wasm', '--json', '--quick', '--models', 'mlp', '--batch', '32', '--steps', '3'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: join(__dirname, '..') });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.backend, 'wasm');
  assert.equal(out.results.length, 1);
  assert.equal(out.results[0].batch, 32);
  assert.equal(out.results[0].steps, 3);
  assert.ok(out.results[0].samplesPerSec > 0);
  assert.ok(out.results[0].tflops > 0);
});
