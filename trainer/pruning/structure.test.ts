/**
 * Structure: which layers form groups (top level and residual bodies), what is coupled to them, why the others
 * cannot lose channels, and the per-channel counts against a hand count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModelText } from '../../spec/parse';
import { notPrunable, prunableGroups } from './structure';

const FILE = '/tmp/pruning-structure.dynaxx.yaml';
const DATA = 'data: { source: synthetic, kind: blobs, samples: 64, classes: 3, features: 6 }';
const model = (layers: string, input = '[6]'): string => `name: m\n${DATA}\nmodel:\n  input: ${input}\n  layers:\n${layers}train: { epochs: 1 }\n`;

const CNN = model(`    - { type: conv2d, name: c1, filters: 6, kernelSize: 3, activation: relu }
    - { type: batchNorm, name: bn1 }
    - { type: activation, activation: sigmoid }
    - { type: maxPool2d, poolSize: 2 }
    - { type: conv2d, name: c2, filters: 5, kernelSize: 3, padding: valid, useBias: false }
    - { type: batchNorm, name: bn2 }
    - { type: flatten }
    - { type: dense, name: d, units: 7, activation: sigmoid }
    - { type: dropout, rate: 0.3 }
    - { type: dense, name: logits, units: 3 }
`, '[8, 8, 2]');

const RESIDUAL = model(`    - { type: dense, name: stem, units: 8 }
    - type: residual
      name: blk
      repeat: 2
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
    - { type: dense, name: h, units: 9, activation: softmax }
    - { type: dense, name: logits, units: 3 }
`);

test('CNN: conv groups couple their batchNorm; flatten spreads a channel over the positions', () => {
  const groups = prunableGroups(loadModelText(CNN, FILE));
  assert.deepEqual(groups.map((g) => [g.id, g.producerType, g.channels, g.consumer, g.coupledNorms, g.consumerPositions]), [
    ['c1', 'conv2d', 6, 'c2', ['bn1'], 1],
    ['c2', 'conv2d', 5, 'd', ['bn2'], 4],
    ['d', 'dense', 7, 'logits', [], 1],
  ]);
  const [c1, c2, d] = groups;
  // c1: kernel 3·3·2 + bias + bn 4 | c2 rows: 3·3·5.
  assert.equal(c1.paramsPerChannel, 18 + 1 + 4 + 45);
  // c1 on 8x8: MACs 2·18·64, bias 64, relu 64; bn 4·64; sigmoid 4·64; pool 16·4 | c2 on 2x2 (5 filters): 2·9·5·4.
  assert.equal(c1.flopsPerChannel, 2 * 18 * 64 + 64 + 64 + 4 * 64 + 4 * 64 + 16 * 4 + 2 * 9 * 5 * 4);
  // c2: kernel 3·3·6, no bias, bn 4 | d rows: 4 positions · 7 units.
  assert.equal(c2.paramsPerChannel, 54 + 4 + 28);
  assert.equal(c2.flopsPerChannel, 2 * 54 * 4 + 4 * 4 + 2 * 4 * 7);
  // d: 20 inputs + bias | logits row: 3.
  assert.equal(d.paramsPerChannel, 20 + 1 + 3);
  assert.equal(d.flopsPerChannel, 2 * 20 + 1 + 4 + 2 * 3);
  assert.deepEqual(notPrunable(loadModelText(CNN, FILE)).map((b) => b.layer), ['logits']);
});

test('residual bodies: inner layers are groups; the stream, layerNorm, softmax and the logits are not', () => {
  const m = loadModelText(RESIDUAL, FILE);
  const groups = prunableGroups(m);
  assert.deepEqual(groups.map((g) => [g.id, g.consumer, g.channels]), [
    ['blk[0].inner', 'blk[0].out', 12],
    ['blk[1].inner', 'blk[1].out', 12],
  ]);
  assert.equal(groups[0].paramsPerChannel, 8 + 1 + 8);
  assert.equal(groups[0].flopsPerChannel, 2 * 8 + 1 + 1 + 2 * 8);
  const reasons = new Map(notPrunable(m).map((b) => [b.layer, b.reason]));
  assert.deepEqual([...reasons.keys()], ['stem', 'blk[0].out', 'blk[1].out', 'layers[2][0].a', 'layers[2][0].b', 'h', 'logits']);
  assert.match(reasons.get('stem')!, /reaches residual layer 'blk\[0\]'.*residual boundary/);
  assert.match(reasons.get('blk[0].out')!, /last weight layer of residual block 'blk\[0\]': its outputs are the residual stream/);
  assert.match(reasons.get('layers[2][0].a')!, /dense layer 'a' \(id layers\[2\]\[0\]\.a\).*layerNorm layer layers\[2\]\[0\]\.layers\[2\] \(unnamed\).*normalises over all channels/);
  assert.match(reasons.get('h')!, /softmax activation, which mixes its units/);
  assert.match(reasons.get('logits')!, /feeds the model's output/);
});

test('attention, embedding, a softmax activation layer in between, and a trailing dense are not prunable', () => {
  const seq = `name: s\ndata: { source: synthetic, kind: sequence, samples: 64, classes: 3 }\nmodel:\n  input: [5]\n  layers:
    - { type: embedding, inputDim: 11, outputDim: 8 }
    - { type: dense, name: p, units: 8 }
    - { type: attention, heads: 2 }
    - { type: dense, name: q, units: 6 }
    - { type: activation, activation: softmax }
    - { type: dense, name: r, units: 4 }
    - { type: flatten }
    - { type: dense, units: 3 }
train: { epochs: 1 }\n`;
  const m = loadModelText(seq, FILE);
  assert.deepEqual(prunableGroups(m).map((g) => g.id), ['r']);
  assert.equal(prunableGroups(m)[0].consumerPositions, 5);
  const reasons = notPrunable(m);
  assert.match(reasons.find((b) => b.layer === 'p')!.reason, /attention layer layers\[2\] \(unnamed\).*mixes the channels/);
  assert.match(reasons.find((b) => b.layer === 'q')!.reason, /\(softmax\), which mixes the channels/);
});
