import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { summarize } from './check-table';
import { buildModel, refModel, trainFlopsPerSample } from './models';
import { tableRows, textTable } from './report';
import { findPython } from './torch-peer';
import { locateMnistLike } from '../trainer/data/fashion';

const root = join(__dirname, '..');
const hasTorch = !!findPython().python;

/** bench.ts under tsx (its children run the same way); the report comes from --out. */
function bench(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'bench.ts'), ...args], {
    encoding: 'utf8', cwd: root, env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bench-test-'));
}

const zeroCounts = { kernels: 0, hostReads: 0, dispatches: 0, buffersCreated: 0, bindGroups: 0, submits: 0, dispatchMicros: 0 };

test('the MLP FLOPs the bench uses are the hand count', () => {
  const model = buildModel(refModel('mlp'), 64, 1);
  // per layer: 2·in·out multiply-adds + out bias adds, plus one op per ReLU output
  const dense = (i: number, o: number, relu: boolean) => 2 * i * o + o + (relu ? o : 0);
  const hand = dense(784, 1024, true) + dense(1024, 1024, true) + dense(1024, 10, false);
  assert.equal(model.flops, hand);
  assert.equal(trainFlopsPerSample(model), 3 * hand);
  assert.equal(model.params, 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10);
});

test('rows compare each backend with PyTorch on the same model and batch, and show the host cost per step', () => {
  const perStep = { ...zeroCounts, kernels: 61, hostReads: 1 / 3 };
  const result = { model: 'mlp', batch: 64, warmup: 1, steps: 4, seconds: 1, samplesPerSec: 200, forwardFlops: 1e6, tflops: 6e-4, params: 1, perStep };
  const torch = { python: 'python3', torch: '2.0', device: 'cpu', deviceType: 'cpu' as const, threads: 1, blas: 'mkl', failures: [],
    results: [{ model: 'mlp', batch: 64, warmup: 1, steps: 3, seconds: 1, samplesPerSec: 400 }] };
  const rows = tableRows([{ backend: 'wasm', device: 'x', tfjs: '4', results: [result], failures: [] }], torch);
  assert.equal(rows[0].ratio, 0.5);
  assert.equal(rows[0].msPerStep, 250);
  assert.ok(Math.abs(rows[0].torchTflops! - 1.2e-3) < 1e-12);
  const text = textTable(rows);
  assert.match(text, /ms\/step +kernels +dispatches +buffers created +bind groups +submits +host reads +dispatch host ms/);
  // GPU objects are not counted off WebGPU: a dash, not a 0 that reads like a result
  assert.match(text, /mlp +64 +wasm +250 +61 +– +– +– +– +0\.3 +–/);
});

test('one case in a child process writes its result, with counters per step, to the file it is given', () => {
  const dir = tempDir();
  const file = join(dir, 'case.json');
  const r = bench(['--backend', 'wasm', '--case', 'mlp:32', '--steps', '3', '--warmup', '1', '--result', file]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(dir, { recursive: true });
  assert.equal(out.backend, 'wasm');
  assert.equal(out.result.batch, 32);
  assert.equal(out.result.steps, 3);
  assert.ok(out.result.samplesPerSec > 0);
  assert.ok(out.result.tflops > 0);
  assert.ok(out.result.perStep.kernels > 10, `kernels per step: ${out.result.perStep.kernels}`);
  // the timed run reads the loss back once, at its last step
  assert.ok(out.result.perStep.hostReads > 0 && out.result.perStep.hostReads <= 1, `host reads per step: ${out.result.perStep.hostReads}`);
});

test('a case that crashes, hangs or sees a NaN loss fails alone: the other cases, the PyTorch peer and the results file survive', () => {
  const dir = tempDir();
  const out = join(dir, 'results.json');
  const r = bench(['--backends', 'wasm', '--models', 'mlp,cnn', '--batch', '8,16', '--steps', '2', '--warmup', '1', '--timeout', '30', '--out', out],
    { DYNAXX_BENCH_FAIL: 'mlp:16:nan,cnn:8:exit,cnn:16:hang' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(dir, { recursive: true });
  const row = (model: string, batch: number) => report.rows.find((x: { model: string; batch: number }) => x.model === model && x.batch === batch);
  assert.ok(row('mlp', 8).samplesPerSec > 0, 'the healthy case is measured');
  assert.equal(row('mlp', 8).error, undefined);
  assert.match(row('mlp', 16).error, /non-finite loss/);
  assert.match(row('cnn', 8).error, /exited with 3: .*exiting on purpose/);
  assert.match(row('cnn', 16).error, /timed out after 30 s/);
  assert.match(r.stdout, /failed: wasm cnn b=16: .*timed out/);
  if (hasTorch) {
    assert.equal(report.torch.results.length, 4, 'PyTorch measured every case');
    assert.ok(row('mlp', 8).ratio > 0);
  }
});

test('the overhead bench times each technique through the real session, and one failing variant does not lose the others', () => {
  const dir = tempDir();
  const out = join(dir, 'overhead.json');
  const r = bench(['--overhead', '--backends', 'wasm', '--batch', '16', '--steps', '10', '--warmup', '10', '--out', out],
    { DYNAXX_BENCH_FAIL: 'modularity-2x:throw' });
  assert.equal(r.status, 0, r.stderr);
  const { rows } = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(dir, { recursive: true });
  const by = (v: string) => rows.find((x: { variant: string }) => x.variant === v);
  assert.ok(by('plain').result.msPerStep > 0);
  for (const v of ['stabilize', 'modularity', 'monitors']) {
    assert.equal(typeof by(v).overhead, 'number', `${v}: ${by(v).error}`);
    assert.ok(by(v).result.perStep.kernels > 0);
  }
  // the techniques do real work: more kernels per step than the plain model
  assert.ok(by('stabilize').result.perStep.kernels > by('plain').result.perStep.kernels);
  assert.ok(by('modularity').result.perStep.kernels > by('plain').result.perStep.kernels);
  assert.match(by('modularity-2x').error, /failing on purpose/);
  assert.match(r.stdout, /stabilize +[\d.]+ +[+-][\d.]+% +≤ 10%/);
});

test('end to end: dynaxx train through the CLI and the PyTorch script train the same model to a test accuracy', (t) => {
  try {
    locateMnistLike('fashion-mnist', {}, root);
  } catch {
    return t.skip('Fashion-MNIST is not installed');
  }
  const dir = tempDir();
  const out = join(dir, 'e2e.json');
  const r = bench(['--e2e', 'fashion-mlp', '--backends', 'wasm', '--epochs', '1', '--limit', '6000', '--torch-device', 'cpu', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(dir, { recursive: true });
  const wasm = report.runs.find((x: { who: string }) => x.who === 'wasm');
  assert.ok(wasm.ok, wasm.error);
  assert.ok(wasm.testAccuracy > 0.4, `wasm test accuracy ${wasm.testAccuracy}`);
  assert.ok(wasm.wallSeconds >= wasm.seconds);
  if (hasTorch) {
    const peer = report.runs.find((x: { who: string }) => x.who === 'PyTorch cpu');
    assert.ok(peer.ok, peer.error);
    assert.ok(peer.testAccuracy > 0.4, `PyTorch test accuracy ${peer.testAccuracy}`);
    assert.equal(peer.detail.steps, wasm.detail.steps.split('/')[1] * 1, 'the same number of steps');
    assert.equal(report.ratios[0].what, 'wasm/PyTorch cpu');
  }
});

test('the GPU check table has one row per part, with timeouts and failures as such', () => {
  const dir = tempDir();
  const parts = [
    { part: 'deep-stabilized', kind: 'train', json: 'deep.json', rc: 0, seconds: 12.3, limit: 60 },
    { part: 'dna', kind: 'train', json: 'dna.json', rc: 124, seconds: 60, limit: 60 },
  ];
  writeFileSync(join(dir, 'parts.jsonl'), parts.map((p) => JSON.stringify(p)).join('\n'));
  writeFileSync(join(dir, 'deep.json'), 'notice on stdout\n{"run":"r1","status":"completed","backend":"webgpu","steps":"20/20","seconds":9.5,"valAccuracy":0.25}\n');
  const text = summarize(dir);
  rmSync(dir, { recursive: true });
  assert.match(text, /GPU check: 1\/2 parts ok/);
  assert.match(text, /deep-stabilized +ok +12\/60 +completed 20\/20 steps in 9\.5 s on webgpu, val 25\.0%/);
  assert.match(text, /dna +timed out \(60 s\) +60\/60 +no JSON summary/);
});
