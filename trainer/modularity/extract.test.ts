/**
 * Extraction: the smaller model computes what the masked model computes, its counts are right, models with
 * layers of every type round-trip through the written file, the export reads back, and cuts that would not be
 * exact throw naming the layer.
 */
import '@tensorflow/tfjs-backend-cpu';
import { mulberry32 } from '../data/rng';
import { buildNet, randomWeights } from '../engine/test-weights';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { parseDocument } from 'yaml';
import { loadModelText } from '../../spec/parse';
import { walkLayers } from '../../spec/walk';
import type { ModelFile } from '../../spec/types';
import { SequentialModel } from '../engine/model';
import type { NamedArray } from '../store/checkpoint';
import { readExport, writeExport } from '../surgery/export';
import { extractModel, type ExtractResult } from './extract';

before(async () => {
  await tf.setBackend('cpu');
});

const FILE = '/tmp/extract-test.dynaxx.yaml';
const DATA = 'data: { source: synthetic, kind: blobs, samples: 64, classes: 3, features: 6 }';

const MLP = `# an MLP
name: mlp
${DATA}
model:
  input: [6]
  layers:
    - { type: dense, name: h1, units: 10, activation: relu }
    - { type: dropout, rate: 0.2 }
    - { type: dense, units: 8, activation: tanh }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1, batchSize: 8 }
modularity: { overparameterize: 1.5, subnetworks: 2 }
`;

const CNN = `name: cnn
${DATA}
model:
  input: [8, 8, 2]
  layers:
    - { type: conv2d, name: c1, filters: 6, kernelSize: 3, activation: relu }
    - { type: maxPool2d, poolSize: 2 }
    - { type: conv2d, name: c2, filters: 5, kernelSize: 3, padding: valid, activation: elu, useBias: false }
    - { type: flatten }
    - { type: activation, activation: gelu }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 }
`;

/** conv -> globalAvgPool2d -> dense: a layer that loses input rows and output units at once. */
const GAP = `name: gap
${DATA}
model:
  input: [6, 6, 3]
  layers:
    - { type: conv2d, name: c, filters: 7, kernelSize: 3, strides: 2, activation: swish }
    - { type: avgPool2d, poolSize: 2, strides: 1, padding: same }
    - { type: globalAvgPool2d }
    - { type: dense, name: d, units: 9, activation: leakyRelu }
    - { type: dropout, rate: 0.5 }
    - { type: activation, activation: relu }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 }
`;

/** Residual blocks (named and repeated, unnamed), layerNorm: never adjacent to the modular layer `h`. */
const RESIDUAL = `name: res
${DATA}
model:
  input: [6]
  layers:
    - { type: dense, name: stem, units: 8 }
    - type: residual
      name: blocks
      repeat: 2
      scale: 0.5
      layers:
        - { type: layerNorm, name: norm, epsilon: 0.0001 }
        - { type: dense, name: dense, units: 8, activation: gelu }
    - type: residual
      layers:
        - { type: dense, units: 8, activation: relu }
        - { type: activation, activation: sigmoid }
    - { type: layerNorm }
    - { type: dense, name: h, units: 12, activation: relu }
    - { type: dropout, rate: 0.1 }
    - { type: dense, units: 3 }
train:
  epochs: 1 # one
  optimizer: { type: adam, lr: 0.001 }
modularity:
  layers: [h]
  subnetworks: 2
prune: { targets: [50] }
`;

/** Every other layer type, for the serializer round trip. */
const SEQUENCE = `name: seq
data: { source: synthetic, kind: sequence, samples: 64, classes: 3 }
model:
  input: [5]
  layers:
    - { type: embedding, inputDim: 11, outputDim: 8 }
    - { type: transformer, name: block, heads: 2, mlpRatio: 1.5, causal: true, dropout: 0.1 }
    - { type: attention, heads: 4 }
    - type: residual
      name: deep
      repeat: 3
      layers:
        - type: residual
          layers: [{ type: dense, name: inner, units: 8, useBias: false }]
    - { type: flatten }
    - { type: dense, units: 3 }
train: { epochs: 1 }
`;

const IMAGE = `name: image
${DATA}
model:
  input: [8, 8, 2]
  layers:
    - { type: conv2d, filters: 4, kernelSize: [3, 2], strides: [1, 2], padding: valid, activation: selu }
    - { type: batchNorm, name: bn, momentum: 0.9 }
    - { type: maxPool2d, poolSize: 2, strides: 1, padding: same }
    - { type: avgPool2d, poolSize: [2, 1] }
    - { type: globalAvgPool2d }
    - { type: dense, units: 3, activation: softmax }
train: { epochs: 1 }
`;

// ---------------------------------------------------------------- helpers

/** Random sorted non-empty subset of [0, n). */
function subset(n: number, rand: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i).filter(() => rand() < 0.5);
  return out.length > 0 ? out : [Math.floor(rand() * n)];
}

function outputs(net: SequentialModel, x: tf.Tensor, masks?: Map<string, number[]>, units?: Map<string, number>): Float32Array {
  const transformOutput = masks && ((id: string, y: tf.Tensor): tf.Tensor => {
    const kept = masks.get(id);
    if (!kept) return y;
    const m = new Float32Array(units!.get(id)!);
    for (const k of kept) m[k] = 1;
    return tf.mul(y, tf.tensor1d(m));
  });
  return tf.tidy(() => net.forward(x, { training: false, step: 0, ...(transformOutput ? { transformOutput } : {}) }).dataSync() as Float32Array);
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5, `${what}: output ${i}: ${a[i]} vs ${b[i]}`);
}

/** Extracts with random keep lists for `ids` and checks the outputs against the masked full model. */
function checkEquivalent(text: string, ids: string[], seed: number): ExtractResult {
  const model = loadModelText(text, FILE);
  const weights = randomWeights(model, seed, 'initial');
  const rand = mulberry32(seed + 100);
  const units = new Map(model.layers.map((n) => [n.id, n.outputShape[n.outputShape.length - 1]]));
  const keep = new Map(ids.map((id) => [id, subset(units.get(id)!, rand)]));
  const result = extractModel(model, text, weights, keep);
  const x = tf.tensor(Float32Array.from({ length: 4 * model.inputShape.reduce((a, b) => a * b, 1) }, () => 2 * rand() - 1), [4, ...model.inputShape]);
  const full = buildNet(model, weights, false);
  const small = buildNet(result.model, result.weights, false);
  const before = tf.memory().numTensors;
  assertClose(outputs(small, x), outputs(full, x, keep, units), `${model.name} seed ${seed}`);
  assert.equal(tf.memory().numTensors, before, 'forward passes leak no tensors');
  for (const id of ids) assert.equal(result.removed[id], units.get(id)! - keep.get(id)!.length);
  full.dispose();
  small.dispose();
  x.dispose();
  return result;
}

/** Every node of a model, without source positions (and bodies, which are listed after their node). */
function strip(m: ModelFile): Array<Record<string, unknown>> {
  return [...walkLayers(m.layers)].map((n) => ({ ...n, range: undefined, body: n.body?.length }));
}

const kept = (r: ExtractResult, id: string): number => {
  const n = r.model.layers.find((l) => l.id === id)!;
  return n.outputShape[n.outputShape.length - 1];
};

// ---------------------------------------------------------------- equivalence and counts

test('MLP: the extracted model equals the masked model; params and flops match a hand count', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const r = checkEquivalent(MLP, ['h1', 'layers[2]'], seed);
    const [k1, k2] = [kept(r, 'h1'), kept(r, 'layers[2]')];
    // dense: in·out + out parameters; 2·in·out + out (bias) + out·activation FLOPs (relu 1, tanh 4).
    assert.equal(r.params, 6 * k1 + k1 + k1 * k2 + k2 + k2 * 3 + 3);
    assert.equal(r.flops, (2 * 6 * k1 + k1 + k1) + (2 * k1 * k2 + k2 + 4 * k2) + (2 * k2 * 3 + 3));
    assert.equal(r.params, r.model.params);
    assert.doesNotMatch(r.yaml, /modularity/);
    assert.equal(r.model.modularity, undefined);
    assert.match(r.yaml, new RegExp(`- \\{ type: dense, name: h1, units: ${k1}, activation: relu, useBias: true \\}`));
    assert.match(r.yaml, /^# an MLP/);
  }
});

test('CNN (conv, maxPool, conv, flatten, activation, dense): equivalent; counts match a hand count', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const r = checkEquivalent(CNN, ['c1', 'c2'], seed);
    const [k1, k2] = [kept(r, 'c1'), kept(r, 'c2')];
    assert.equal(r.params, 9 * 2 * k1 + k1 + 9 * k1 * k2 + 4 * k2 * 3 + 3);
    const c1 = 2 * 9 * 2 * k1 * 64 + 64 * k1 + 64 * k1; // MACs, bias, relu on 8x8xk1
    const pool = 16 * k1 * 4; // 4x4xk1 outputs, 2x2 windows
    const c2 = 2 * 9 * k1 * k2 * 4 + 4 * k2 * 3; // no bias, elu on 2x2xk2
    const gelu = 4 * k2 * 8;
    const dense = 2 * 4 * k2 * 3 + 3;
    assert.equal(r.flops, c1 + pool + c2 + gelu + dense);
    const flat = r.model.layers.find((n) => n.type === 'flatten')!;
    assert.deepEqual(flat.outputShape, [4 * k2]);
  }
});

test('conv -> pools -> dense -> dropout -> relu -> logits: a layer cut on both sides is equivalent', () => {
  for (let seed = 1; seed <= 4; seed++) checkEquivalent(GAP, ['c', 'd'], seed);
});

test('a model with residual blocks elsewhere: equivalent, same ids, other layers and sections unchanged', () => {
  const r = checkEquivalent(RESIDUAL, ['h'], 7);
  const source = loadModelText(RESIDUAL, FILE);
  const [a, b] = [strip(source), strip(r.model)];
  assert.deepEqual(b.map((n) => n.id), a.map((n) => n.id));
  a.forEach((n, i) => {
    if (!['h', 'layers[5]', 'layers[6]'].includes(n.id as string)) assert.deepEqual(b[i], n, String(n.id));
  });
  const doc = parseDocument(r.yaml).toJS() as Record<string, unknown>;
  const orig = parseDocument(RESIDUAL).toJS() as Record<string, unknown>;
  // the export is a plain model: modularity:, prune: and route: are dropped, everything else kept
  assert.deepEqual(Object.keys(doc), ['name', 'data', 'model', 'train']);
  for (const k of ['name', 'data', 'train']) assert.deepEqual(doc[k], orig[k], k);
  assert.match(r.yaml, /epochs: 1 # one/, 'comments of other sections survive');
  assert.equal(r.model.layers.find((n) => n.id === 'blocks[1]')?.type, 'residual');
});

test('layers of every type round-trip through the written file (nothing removed)', () => {
  for (const text of [SEQUENCE, IMAGE, RESIDUAL, GAP]) {
    const model = loadModelText(text, FILE);
    const weights = randomWeights(model, 3, 'initial');
    const r = extractModel(model, text, weights, new Map());
    assert.deepEqual(strip(r.model), strip(model), model.name);
    assert.equal(r.params, model.params);
    assert.equal(r.flops, model.flops);
    assert.deepEqual(r.weights, weights);
    assert.equal(extractModel(r.model, r.yaml, r.weights, new Map()).yaml, r.yaml, 'writing is idempotent');
  }
});

test('other arrays of a cut layer (stabilizer state) are dropped; arrays of untouched layers pass through', () => {
  const text = CNN.replace('name: logits', 'name: logits2').replace('- { type: dense, name: logits2, units: 3 }', '- { type: dense, name: d, units: 4 }\n    - { type: dense, name: logits, units: 3 }');
  const model = loadModelText(text, FILE);
  const u = (name: string, n: number): NamedArray => ({ name, shape: [n], dtype: 'float32', data: new Float32Array(n) });
  const weights = [...randomWeights(model, 5, 'initial'), u('c1/kernel/spectralU', 6), u('c2/kernel/spectralU', 5), u('logits/kernel/spectralU', 3)];
  const r = extractModel(model, text, weights, new Map([['c1', [0, 2]]]));
  const names = r.weights.map((w) => w.name);
  assert.ok(!names.includes('c1/kernel/spectralU') && !names.includes('c2/kernel/spectralU'));
  assert.ok(names.includes('logits/kernel/spectralU') && names.includes('d/kernel') && names.includes('c2/kernel'));
  assert.deepEqual(r.weights.find((w) => w.name === 'd/kernel'), weights.find((w) => w.name === 'd/kernel'));
  assert.deepEqual(r.weights.find((w) => w.name === 'c2/kernel')?.shape, [3, 3, 2, 5]);
});

// ---------------------------------------------------------------- export files

test('writeExport writes the model file and tfjs weights atomically; readExport reads them back', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-extract-'));
  try {
    const r = checkEquivalent(MLP, ['h1'], 2);
    const dir = path.join(root, 'export');
    writeExport(dir, r);
    writeExport(dir, r); // replacing an existing export
    assert.deepEqual(fs.readdirSync(root), ['export']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.dynaxx.yaml', 'model.json', 'weights.bin']);
    const back = readExport(dir);
    assert.equal(back.yaml, r.yaml);
    assert.deepEqual(back.weights, r.weights);
    assert.equal(back.manifest.weightsManifest[0].paths[0], 'weights.bin');
    assert.equal(back.manifest.params, r.params);
    assert.equal(loadModelText(back.yaml, path.join(dir, 'model.dynaxx.yaml')).params, r.params);
    fs.appendFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(4));
    assert.throws(() => readExport(dir), /CRC-32C/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- errors

test('cuts that are not exact throw, naming the layer and what to do', () => {
  const cases: Array<[string, string, number[], RegExp]> = [
    [MLP, 'logits', [0, 1], /dense layer 'logits' \(id logits\) is the model's output.*take it out/],
    [MLP, 'h1', [], /every unit of dense layer 'h1' \(id h1\).*keep at least one unit/],
    [MLP, 'h1', [3, 1], /dense layer 'h1' \(id h1\) must be sorted/],
    [MLP, 'h1', [15], /dense layer 'h1' \(id h1\) must be sorted, distinct integers in \[0, 15\)/],
    [MLP, 'layers[1]', [0], /dropout layer layers\[1\] \(unnamed\) is not a dense or conv2d layer/],
    [MLP, 'nope', [0], /no layer with id 'nope'.*\(here: h1, layers\[2\], logits\)/],
    [RESIDUAL, 'blocks[0].dense', [0], /dense layer 'dense' \(id blocks\[0\]\.dense\) is inside a residual block/],
    [RESIDUAL, 'stem', [0], /dense layer 'stem' \(id stem\): its output reaches residual layer 'blocks\[0\]' \(id blocks\[0\]\).*take 'stem' out/],
    [IMAGE, 'layers[0]', [0], /conv2d layer layers\[0\] \(unnamed\): its output reaches batchNorm layer 'bn' \(id bn\)/],
    [SEQUENCE, 'block', [0], /transformer layer 'block' \(id block\) is not a dense or conv2d layer/],
  ];
  const plain = MLP.replace(/^modularity:.*\n/m, '');
  const sigmoid = plain.replace('- { type: dropout, rate: 0.2 }', '- { type: activation, name: squash, activation: sigmoid }');
  cases.push([sigmoid, 'h1', [0], /dense layer 'h1' \(id h1\).*activation layer 'squash' \(id squash\).*sigmoid\(0\) is not 0/]);
  const trailing = plain.replace('    - { type: dense, name: logits, units: 3 }\n', '    - { type: dropout, rate: 0.1 }\n');
  cases.push([trailing, 'layers[2]', [0], /dense layer layers\[2\] \(unnamed\) feeds the model's output/]);
  for (const [text, id, keep, message] of cases) {
    const model = loadModelText(text, FILE);
    assert.throws(() => extractModel(model, text, randomWeights(model, 1, 'initial'), new Map([[id, keep]])), message, id);
  }
  const model = loadModelText(MLP, FILE);
  assert.throws(() => extractModel(model, MLP, [], new Map([['h1', [0]]])), /no 'h1\/kernel' for dense layer 'h1' \(id h1\)/);
});
