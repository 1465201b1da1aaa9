// The resource check: models that cannot be allocated are errors positioned at the layer (or data key) to shrink,
// with the numbers; models that merely look big for this machine are warnings; ordinary models pass everywhere.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackendId } from '../../protocol/trainer';
import { loadModelText } from '../../spec';
import { SpecError } from '../../spec/types';
import { BACKEND_LIMITS, WASM_HEAP_MAX_BYTES } from '../backend/backends';
import { checkResources, estimateFor, formatBytes, summarize } from '.';

const GiB = 2 ** 30;
const BACKENDS: BackendId[] = ['cpu', 'wasm', 'webgpu', 'tensorflow'];

function model(layers: string, data = '{ source: synthetic, kind: blobs, samples: 2048, classes: 4, features: 16 }', train = '{ batchSize: 32 }') {
  const text = `name: m\ndata: ${data}\nmodel:\n  input: [16]\n  layers:\n${layers}\ntrain: ${train}\n`;
  return { text, model: loadModelText(text, '/models/m.dynaxx.yaml') };
}

const errors = (m: ReturnType<typeof model>, backend: BackendId, memory = 64 * GiB) =>
  estimateFor(m.model, backend, m.text, memory).problems.filter((p) => p.severity === 'error');

test('a small model: the numbers add up and nothing is flagged on any backend', () => {
  const m = model('    - { type: dense, units: 32, activation: relu }\n    - { type: dense, units: 4 }');
  for (const b of BACKENDS) {
    const e = estimateFor(m.model, b, m.text, 64 * GiB);
    assert.deepEqual(e.problems, [], b);
    assert.equal(e.params, 16 * 32 + 32 + 32 * 4 + 4);
    assert.equal(e.bytes.params, e.params * 4);
    assert.equal(e.bytes.optimizer, e.params * 4 * 2, 'adam keeps two slots');
    assert.ok(e.bytes.data! >= 2048 * 17 * 4, 'the generated samples are counted');
  }
  assert.match(summarize(estimateFor(m.model, 'wasm', m.text, 64 * GiB)), /^resources on wasm: 676 parameters; about .* per training step .*an estimate/);
});

test('units: 1e12 is an error at the layer, with the size and what to lower', () => {
  const m = model('    - { type: dense, name: huge, units: 1e12 }\n    - { type: dense, units: 4 }');
  for (const b of BACKENDS) {
    const [first] = errors(m, b);
    assert.ok(first, b);
    assert.equal(first.range.line, 6);
    assert.match(first.message, /layer 'huge' \(dense, units: 1e12\)/);
    assert.match(first.message, /at most 2\.1e9 values/);
    assert.match(first.message, /lower units/);
  }
  assert.throws(() => checkResources(m.model, 'cpu', m.text, 64 * GiB), (e: unknown) => e instanceof SpecError && /m\.dynaxx\.yaml:6:\d+: error: /.test(e.message));
});

test('kernelSize: 100000 and two layers of 2e9 units cannot be allocated', () => {
  const conv = loadModelText('name: c\ndata: { source: synthetic, features: 784, shape: [28, 28, 1] }\nmodel:\n  input: [28, 28, 1]\n  layers:\n'
    + '    - { type: conv2d, filters: 8, kernelSize: 100000, padding: same }\n    - { type: flatten }\n    - { type: dense, units: 4 }\n', '/c.dynaxx.yaml');
  const e = estimateFor(conv, 'cpu', undefined, 64 * GiB).problems.filter((p) => p.severity === 'error');
  assert.match(e[0]!.message, /conv2d, filters: 8, kernelSize: 100000\) has a weight tensor of 8e10 values/);
  const two = model('    - { type: dense, units: 2e9 }\n    - { type: dense, units: 2e9 }\n    - { type: dense, units: 4 }');
  assert.match(errors(two, 'cpu')[0]!.message, /layer 'layers\[1\]' .* 4e18 values/);
});

test('samples: 1e12 is an error at data.samples, before any sample is generated', () => {
  const m = model('    - { type: dense, units: 4 }', '{ source: synthetic, kind: blobs, samples: 1e12, classes: 4, features: 16 }');
  const [first] = errors(m, 'cpu');
  assert.match(first!.message, /the dataset is one array of 1\.6e13 values .*1e12 samples of 16 values.*lower data\.samples/);
  assert.equal(first!.range.line, 2);
  assert.equal(first!.range.col, m.text.split('\n')[1]!.indexOf('1e12') + 1);
});

test('wasm holds at most 4 GiB: a model that fits in memory on cpu does not fit there', () => {
  // 1000 × 300000 weights: 3e8 values in one tensor (1.1 GiB), ×4 with gradients and adam state
  const m = model('    - { type: dense, units: 1000 }\n    - { type: dense, name: wide, units: 300000 }\n    - { type: dense, units: 4 }');
  assert.deepEqual(errors(m, 'cpu', 1024 * GiB), []);
  const [wasm] = errors(m, 'wasm', 1024 * GiB);
  assert.match(wasm!.message, /on the wasm backend .* at most 4 GiB .*shrink 'wide' \(lower units\)/);
  assert.equal(BACKEND_LIMITS.wasm().maxResidentBytes, WASM_HEAP_MAX_BYTES);
});

test("this machine's memory: over it an error, over half of it a warning", () => {
  const m = model('    - { type: dense, units: 1000 }\n    - { type: dense, units: 100000 }\n    - { type: dense, units: 4 }');
  const step = estimateFor(m.model, 'cpu', m.text, 1024 * GiB).hostBytes;
  assert.match(errors(m, 'cpu', step * 0.9)[0]!.message, /this machine has/);
  const warn = estimateFor(m.model, 'cpu', m.text, step * 1.5).problems;
  assert.equal(warn.length, 1);
  assert.equal(warn[0]!.severity, 'warning');
  assert.match(warn[0]!.message, /more than half/);
  assert.doesNotThrow(() => checkResources(m.model, 'cpu', m.text, step * 1.5));
});

test('webgpu without a probed device: a tensor over the default binding size is a warning, not an error', () => {
  const m = model('    - { type: dense, units: 1000 }\n    - { type: dense, units: 100000 }\n    - { type: dense, units: 4 }');
  const p = estimateFor(m.model, 'webgpu', m.text, 1024 * GiB).problems;
  assert.ok(p.length > 0 && p.every((x) => x.severity === 'warning'), JSON.stringify(p));
  assert.match(p[0]!.message, /default maxStorageBufferBindingSize/);
});

test('every example passes the check on every backend', () => {
  const dir = join(__dirname, '..', '..', 'examples');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.dynaxx.yaml'))) {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const m = loadModelText(text, path);
    for (const b of BACKENDS) assert.deepEqual(estimateFor(m, b, text, 16 * GiB).problems.filter((p) => p.severity === 'error'), [], `${name} on ${b}`);
  }
});

test('sizes read as a person would write them', () => {
  assert.equal(formatBytes(WASM_HEAP_MAX_BYTES), '4 GiB');
  assert.equal(formatBytes(512), '512 bytes');
  assert.equal(formatBytes(3.7 * 2 ** 40), '3.7 TiB');
});
