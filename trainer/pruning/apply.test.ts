/**
 * Applying a plan: the pruned model computes what the masked dense model computes (random weights, batchNorm
 * statistics and plans), coupled batchNorm entries go with their channels, the counts match a hand count and the
 * per-channel figures, the file keeps its other sections, repeated blocks unroll when they must, the tfjs export
 * reads back, and bad plans throw naming the layer.
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
import type { ModelFile } from '../../spec/types';
import { SequentialModel } from '../engine/model';
import { readExport, writeExport } from '../surgery/export';
import type { NamedArray } from '../store/checkpoint';
import { applyPlan, type PruneResult } from './apply';
import { planMasks } from './masks';
import { prunableGroups } from './structure';
import type { PruningPlan } from './types';

before(async () => {
  await tf.setBackend('cpu');
});

const FILE = '/tmp/pruning-apply.dynaxx.yaml';
const DATA = 'data: { source: synthetic, kind: blobs, samples: 64, classes: 3, features: 6 }';

const MLP = `# an MLP
name: mlp
${DATA}
model:
  input: [6]
  layers:
    - { type: dense, name: h1, units: 10, activation: relu }
    - { type: dropout, rate: 0.2 }
    - { type: dense, name: h2, units: 8, activation: tanh }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 } # one epoch
prune: { criteria: [agf, l1], targets: [50] }
route: { signal: entropy }
`;

const CNN = `name: cnn
${DATA}
model:
  input: [8, 8, 2]
  layers:
    - { type: conv2d, name: c1, filters: 6, kernelSize: 3 }
    - { type: batchNorm, name: bn1 }
    - { type: activation, activation: relu }
    - { type: maxPool2d, poolSize: 2 }
    - { type: conv2d, name: c2, filters: 5, kernelSize: 3, padding: valid, useBias: false }
    - { type: batchNorm, name: bn2 }
    - { type: flatten }
    - { type: dense, name: d, units: 7, activation: sigmoid }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 }
`;

const RESIDUAL = `name: res
${DATA}
model:
  input: [6]
  layers:
    - { type: dense, name: stem, units: 8 }
    - type: residual
      name: blk
      repeat: 2
      scale: 0.5
      layers:
        - { type: dense, name: inner, units: 12, activation: relu }
        - { type: dropout, rate: 0.1 }
        - { type: dense, name: out, units: 8 }
    - type: residual
      layers:
        - { type: layerNorm }
        - { type: dense, name: a, units: 10, activation: gelu }
        - { type: layerNorm }
        - { type: dense, name: b, units: 8 }
    - { type: dense, units: 3 }
train: { epochs: 1 }
`;

// ---------------------------------------------------------------- helpers


/** A random plan: each group keeps a random sorted non-empty subset (sometimes everything). */
function randomPlan(model: ModelFile, rand: () => number, only?: string[]): PruningPlan {
  const plan: PruningPlan = new Map();
  for (const g of prunableGroups(model)) {
    if (only && !only.includes(g.id)) continue;
    const kept = Array.from({ length: g.channels }, (_, i) => i).filter(() => rand() < 0.6);
    plan.set(g.id, kept.length > 0 ? kept : [Math.floor(rand() * g.channels)]);
  }
  return plan;
}

function run(net: SequentialModel, x: tf.Tensor, transformOutput?: (id: string, y: tf.Tensor) => tf.Tensor): Float32Array {
  return tf.tidy(() => net.forward(x, { training: false, step: 0, ...(transformOutput ? { transformOutput } : {}) }).dataSync() as Float32Array);
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5, `${what}: output ${i}: ${a[i]} vs ${b[i]}`);
}

interface Checked { model: ModelFile; weights: NamedArray[]; plan: PruningPlan; result: PruneResult }

/** Prunes with a random plan and checks the pruned model against the masked dense model. */
function checkEquivalent(text: string, seed: number, plan?: PruningPlan): Checked {
  const model = loadModelText(text, FILE);
  const weights = randomWeights(model, seed);
  const rand = mulberry32(seed + 100);
  plan ??= randomPlan(model, rand);
  const result = applyPlan(model, text, weights, plan);
  const x = tf.tensor(Float32Array.from({ length: 5 * model.inputShape.reduce((a, b) => a * b, 1) }, () => 2 * rand() - 1), [5, ...model.inputShape]);
  const full = buildNet(model, weights);
  const small = buildNet(result.model, result.weights);
  const masks = planMasks(model, prunableGroups(model), plan);
  const before = tf.memory().numTensors;
  const dense = run(full, x);
  const masked = run(full, x, masks);
  assertClose(run(small, x), masked, `${model.name} seed ${seed}`);
  assert.equal(tf.memory().numTensors, before, 'forward passes leak no tensors');
  if ([...plan].some(([id, k]) => k.length < prunableGroups(model).find((g) => g.id === id)!.channels)) {
    assert.ok(dense.some((v, i) => Math.abs(v - masked[i]) > 1e-4), 'the masks change the dense model (the test has teeth)');
  }
  full.dispose();
  small.dispose();
  x.dispose();
  return { model, weights, plan, result };
}

const units = (m: ModelFile, id: string): number => {
  const stack = [...m.layers];
  while (stack.length) {
    const n = stack.shift()!;
    if (n.id === id) return n.outputShape[n.outputShape.length - 1];
    stack.push(...(n.body ?? []));
  }
  throw new Error(`no layer ${id}`);
};

const array = (ws: NamedArray[], name: string): NamedArray => ws.find((w) => w.name === name)!;

// ---------------------------------------------------------------- equivalence and counts

test('MLP with dropout: pruned equals masked; counts match a hand count; prune/route sections dropped', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const { result: r, plan } = checkEquivalent(MLP, seed);
    const [k1, k2] = [units(r.model, 'h1'), units(r.model, 'h2')];
    assert.deepEqual([k1, k2], [plan.get('h1')!.length, plan.get('h2')!.length]);
    assert.deepEqual(r.removed, { h1: 10 - k1, h2: 8 - k2 });
    assert.equal(r.params, 6 * k1 + k1 + k1 * k2 + k2 + k2 * 3 + 3);
    assert.equal(r.flops, (2 * 6 * k1 + k1 + k1) + (2 * k1 * k2 + k2 + 4 * k2) + (2 * k2 * 3 + 3));
    assert.equal(r.params, r.model.params);
    const doc = parseDocument(r.yaml).toJS() as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['name', 'data', 'model', 'train']);
    assert.equal(r.model.prune, undefined);
    assert.equal(r.model.route, undefined);
    assert.match(r.yaml, /^# an MLP/);
    assert.match(r.yaml, /epochs: 1 \} # one epoch/);
    assert.deepEqual(r.renamed, {});
  }
});

test('CNN conv→batchNorm→relu→maxPool→conv→batchNorm→flatten→dense→dense: pruned equals masked; counts', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const { result: r } = checkEquivalent(CNN, seed);
    const [k1, k2, k3] = [units(r.model, 'c1'), units(r.model, 'c2'), units(r.model, 'd')];
    assert.equal(r.params, (18 * k1 + k1) + 4 * k1 + 9 * k1 * k2 + 4 * k2 + (4 * k2 * k3 + k3) + (3 * k3 + 3));
    const c1 = 2 * 18 * k1 * 64 + 64 * k1; // MACs and bias on 8x8xk1, linear
    const bn1 = 4 * 64 * k1;
    const relu = 64 * k1;
    const pool = 16 * k1 * 4;
    const c2 = 2 * 9 * k1 * k2 * 4; // 2x2xk2, no bias, linear
    const bn2 = 4 * 4 * k2;
    const d = 2 * 4 * k2 * k3 + k3 + 4 * k3; // sigmoid 4
    const logits = 2 * k3 * 3 + 3;
    assert.equal(r.flops, c1 + bn1 + relu + pool + c2 + bn2 + d + logits);
    assert.deepEqual(r.model.layers.find((n) => n.type === 'flatten')!.outputShape, [4 * k2]);
  }
});

test('coupled batchNorm entries (gamma, beta, moving mean and variance) go with their channels', () => {
  const { weights, plan, result } = checkEquivalent(CNN, 11, new Map([['c1', [0, 2, 5]], ['c2', [1, 4]]]));
  for (const [bn, kept] of [['bn1', [0, 2, 5]], ['bn2', [1, 4]]] as const) {
    for (const role of ['gamma', 'beta', 'movingMean', 'movingVariance']) {
      const a = array(result.weights, `${bn}/${role}`);
      assert.deepEqual(a.shape, [kept.length], `${bn}/${role}`);
      assert.deepEqual([...a.data], kept.map((c) => array(weights, `${bn}/${role}`).data[c]), `${bn}/${role}`);
    }
  }
  assert.deepEqual(array(result.weights, 'c1/kernel').shape, [3, 3, 2, 3]);
  assert.deepEqual(array(result.weights, 'c2/kernel').shape, [3, 3, 3, 2]);
  // d reads the flattened [2, 2, 5] map: channel c at rows p·5 + c.
  const d = array(result.weights, 'd/kernel');
  assert.deepEqual(d.shape, [8, 7]);
  const rows = [0, 1, 2, 3].flatMap((p) => [p * 5 + 1, p * 5 + 4]);
  rows.forEach((row, i) => assert.deepEqual([...d.data.slice(i * 7, i * 7 + 7)], [...array(weights, 'd/kernel').data.slice(row * 7, row * 7 + 7)]));
  assert.deepEqual(result.removed, { c1: 3, c2: 3 });
  assert.equal(plan.size, 2);
});

test('residual bodies: inner channels pruned, the stream kept; repetitions unroll only when they differ', () => {
  for (let seed = 1; seed <= 4; seed++) {
    const { result: r } = checkEquivalent(RESIDUAL, seed, new Map([['blk[0].inner', [0, 3, 4, 9]], ['blk[1].inner', [1, 2, 5, 6, 7, 11]]]));
    // Differing widths: blk[1] is written as its own entry 'blk_1'; the unnamed layers after it move one on.
    assert.deepEqual(r.renamed, {
      'blk[1]': 'blk_1[0]', 'blk[1].inner': 'blk_1[0].inner', 'blk[1].layers[1]': 'blk_1[0].layers[1]', 'blk[1].out': 'blk_1[0].out',
      'layers[2][0]': 'layers[3][0]', 'layers[2][0].layers[0]': 'layers[3][0].layers[0]', 'layers[2][0].a': 'layers[3][0].a',
      'layers[2][0].layers[2]': 'layers[3][0].layers[2]', 'layers[2][0].b': 'layers[3][0].b', 'layers[3]': 'layers[4]',
    });
    assert.deepEqual(r.removed, { 'blk[0].inner': 8, 'blk[1].inner': 6 });
    const block = (i: number): number => 8 * i + i + i * 8 + 8;
    assert.equal(r.params, (48 + 8) + block(4) + block(6) + (16 + 90 + 20 + 88) + (24 + 3));
    const blockFlops = (i: number): number => (2 * 8 * i + i + i) + (2 * i * 8 + 8) + 16;
    const res2 = 8 * 8 + (2 * 80 + 10 + 8 * 10) + 8 * 10 + (2 * 80 + 8) + 16;
    assert.equal(r.flops, (96 + 8) + blockFlops(4) + blockFlops(6) + res2 + (48 + 3));
    assert.deepEqual(r.model.layers.map((n) => n.id), ['stem', 'blk[0]', 'blk_1[0]', 'layers[3][0]', 'layers[4]']);
    assert.ok(r.weights.some((w) => w.name === 'layers[3][0].a/kernel') && r.weights.some((w) => w.name === 'blk_1[0].inner/kernel'));
    const yaml = r.yaml;
    assert.match(yaml, /scale: 0.5[\s\S]*scale: 0.5/);
  }
  const same = checkEquivalent(RESIDUAL, 9, new Map([['blk[0].inner', [0, 3, 4]], ['blk[1].inner', [2, 5, 11]]])).result;
  assert.deepEqual(same.renamed, {});
  assert.match(same.yaml, /repeat: 2/);
  assert.deepEqual(same.model.layers.map((n) => n.id), ['stem', 'blk[0]', 'blk[1]', 'layers[2][0]', 'layers[3]']);
  for (let seed = 5; seed <= 8; seed++) checkEquivalent(RESIDUAL, seed);
});

test('a batchNorm after a flatten loses the spread entries (h·W + w)·C + c of a removed channel', () => {
  const text = CNN.replace("    - { type: flatten }\n", '').replace('- { type: batchNorm, name: bn2 }', '- { type: flatten }\n    - { type: batchNorm, name: bn2 }');
  const { weights, result, model } = checkEquivalent(text, 5, new Map([['c2', [0, 3]], ['c1', [1, 2, 3, 4]]]));
  assert.deepEqual(prunableGroups(model).find((g) => g.id === 'c2')!.coupledNorms, ['bn2']);
  const rows = [0, 1, 2, 3].flatMap((p) => [p * 5, p * 5 + 3]);
  assert.deepEqual([...array(result.weights, 'bn2/movingMean').data], rows.map((i) => array(weights, 'bn2/movingMean').data[i]));
  for (let seed = 1; seed <= 3; seed++) checkEquivalent(text, seed);
});

test('a one-group plan saves exactly channels × flopsPerChannel and × paramsPerChannel', () => {
  for (const text of [MLP, CNN, RESIDUAL]) {
    const model = loadModelText(text, FILE);
    const weights = randomWeights(model, 3);
    for (const g of prunableGroups(model)) {
      const r = applyPlan(model, text, weights, new Map([[g.id, [0, g.channels - 1]]]));
      const k = g.channels - 2;
      assert.equal(model.flops - r.flops, k * g.flopsPerChannel, `${g.id} flops`);
      assert.equal(model.params - r.params, k * g.paramsPerChannel, `${g.id} params`);
    }
  }
});

test('an empty plan writes the same model; other arrays of a sliced layer are dropped', () => {
  const model = loadModelText(CNN, FILE);
  const weights = randomWeights(model, 2);
  const r = applyPlan(model, CNN, weights, new Map());
  assert.equal(r.flops, model.flops);
  assert.deepEqual(r.weights, weights);
  const extra: NamedArray = { name: 'c2/kernel/spectralU', shape: [5], dtype: 'float32', data: new Float32Array(5) };
  const keep: NamedArray = { name: 'logits/kernel/spectralU', shape: [3], dtype: 'float32', data: new Float32Array(3) };
  const cut = applyPlan(model, CNN, [...weights, extra, keep], new Map([['c2', [0]]]));
  assert.ok(!cut.weights.some((w) => w.name === extra.name));
  assert.ok(cut.weights.some((w) => w.name === keep.name));
});

// ---------------------------------------------------------------- export

test('the pruned model exports in tfjs format and reads back to the same outputs', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-prune-'));
  try {
    const { result } = checkEquivalent(RESIDUAL, 4, new Map([['blk[0].inner', [1, 2]], ['blk[1].inner', [0, 3, 7]]]));
    const dir = path.join(root, 'export');
    writeExport(dir, result);
    const back = readExport(dir);
    assert.equal(back.yaml, result.yaml);
    assert.deepEqual(back.weights, result.weights);
    assert.equal(back.manifest.params, result.params);
    assert.deepEqual(back.manifest.removed, result.removed);
    const m = loadModelText(back.yaml, path.join(dir, 'model.dynaxx.yaml'));
    const x = tf.randomUniform([3, 6], -1, 1, 'float32', 5);
    const [a, b] = [buildNet(result.model, result.weights), buildNet(m, back.weights)];
    assertClose(run(a, x), run(b, x), 'export');
    a.dispose();
    b.dispose();
    x.dispose();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- errors

test('bad plans throw, naming the layer', () => {
  const cases: Array<[string, string, number[], RegExp]> = [
    [MLP, 'h1', [], /keeps no channel of dense layer 'h1' \(id h1\).*keep at least one/],
    [MLP, 'h1', [3, 1], /kept channels of dense layer 'h1' \(id h1\) must be sorted, distinct integers in \[0, 10\)/],
    [MLP, 'h2', [8], /dense layer 'h2' \(id h2\) must be sorted.*\[0, 8\)/],
    [MLP, 'logits', [0], /names 'logits', which cannot lose channels: dense layer 'logits' \(id logits\) feeds the model's output/],
    [MLP, 'nope', [0], /names 'nope', which is not a prunable group of .*\(groups: h1, h2\)/],
    [RESIDUAL, 'layers[2][0].a', [0], /cannot lose channels: .*layerNorm.*normalises over all channels/],
    [RESIDUAL, 'blk[0].out', [0], /cannot lose channels: .*residual stream/],
  ];
  for (const [text, id, keep, message] of cases) {
    const model = loadModelText(text, FILE);
    assert.throws(() => applyPlan(model, text, randomWeights(model, 1), new Map([[id, keep]])), message, id);
  }
  const model = loadModelText(MLP, FILE);
  assert.throws(() => applyPlan(model, MLP, [], new Map([['h1', [0]]])), /no 'h1\/kernel' for dense layer 'h1' \(id h1\)/);
});
