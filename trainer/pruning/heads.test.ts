/**
 * Attention head pruning: `headDim` defaults to D / heads and then changes nothing (names, shapes, counts,
 * outputs); a pruned model (random weights, random head plans) computes what the dense model computes with those
 * heads masked; the pruned file's counts match a hand count; criteria score head groups.
 */
import '@tensorflow/tfjs-backend-cpu';
import { mulberry32 } from '../data/rng';
import { buildNet, randomWeights } from '../engine/test-weights';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadModelText } from '../../spec/parse';
import type { LayerNode, ModelFile } from '../../spec/types';
import { SequentialModel } from '../engine/model';
import { applyPlan } from './apply';
import { getCriterion } from './criteria/registry';
import { maskVectors, planMasks } from './masks';
import { headGroups, prunableGroups } from './structure';
import type { PruningPlan } from './types';

before(async () => {
  await tf.setBackend('cpu');
});

const FILE = '/tmp/pruning-heads.dynaxx.yaml';
const DATA = 'data: { source: synthetic, kind: blobs, samples: 64, classes: 3, features: 6 }';
const T = 5, D = 8;

const model = (attention: string, extra = ''): string => `name: att
${DATA}
model:
  input: [${T}, ${D}]
  layers:
    - { type: attention, name: att, ${attention} }
${extra}    - { type: flatten }
    - { type: dense, name: logits, units: 3 }
train: { epochs: 1 }
`;

const RESIDUAL = `    - type: residual
      name: blk
      layers:
        - { type: layerNorm }
        - { type: attention, name: inner, heads: 4, headDim: 3, causal: true }
`;


function run(net: SequentialModel, x: tf.Tensor, transformOutput?: (id: string, y: tf.Tensor) => tf.Tensor): Float32Array {
  return tf.tidy(() => net.forward(x, { training: false, step: 0, ...(transformOutput ? { transformOutput } : {}) }).dataSync() as Float32Array);
}

const attentionNode = (m: ModelFile, id: string): LayerNode<'attention'> => {
  const stack = [...m.layers];
  while (stack.length) {
    const n = stack.shift()!;
    if (n.id === id) return n as LayerNode<'attention'>;
    stack.push(...(n.body ?? []));
  }
  throw new Error(`no layer ${id}`);
};

/** Hand count of an attention layer: q, k, v [D, I] + [I], o [I, D] + [D]. */
const handParams = (d: number, inner: number): number => 3 * (d * inner + inner) + inner * d + d;
/** Hand count: 4 matMuls 2·T·D·I, biases 3·T·I + T·D, scores and weighted sum 2·T²·I each, softmax 5·H·T². */
const handFlops = (t: number, d: number, heads: number, inner: number): number =>
  4 * 2 * t * d * inner + 3 * t * inner + t * d + 2 * 2 * t * t * inner + 5 * heads * t * t;

test('headDim defaults to D / heads: same config, variables, counts and outputs as before', () => {
  const plain = loadModelText(model('heads: 2'), FILE);
  const explicit = loadModelText(model('heads: 2, headDim: 4'), FILE);
  assert.equal(attentionNode(plain, 'att').config.headDim, undefined, 'no headDim in the config when the file has none');
  assert.equal(attentionNode(explicit, 'att').config.headDim, 4);
  const a = attentionNode(plain, 'att');
  assert.equal(a.params, 4 * D * D + 4 * D, 'params as before');
  assert.equal(a.flops, 8 * T * D * D + 4 * T * D + 2 * T * T * D + 5 * 2 * T * T + 2 * T * T * D, 'FLOPs as before');
  assert.equal(attentionNode(explicit, 'att').params, a.params);
  assert.equal(attentionNode(explicit, 'att').flops, a.flops);
  assert.equal(plain.params, explicit.params);
  const [n1, n2] = [new SequentialModel(plain.layers, 7), new SequentialModel(explicit.layers, 7)];
  const shapes = (n: SequentialModel): string[] => n.trainable().map((v) => `${v.name} ${v.variable.shape.join('x')}`);
  assert.deepEqual(shapes(n1), [
    'att/queryKernel 8x8', 'att/queryBias 8', 'att/keyKernel 8x8', 'att/keyBias 8',
    'att/valueKernel 8x8', 'att/valueBias 8', 'att/outputKernel 8x8', 'att/outputBias 8', 'logits/kernel 40x3', 'logits/bias 3',
  ]);
  assert.deepEqual(shapes(n2), shapes(n1));
  const x = tf.randomNormal([3, T, D], 0, 1, 'float32', 5);
  assert.deepEqual(run(n1, x), run(n2, x), 'same seed, same outputs');
  // a hook that hands everything through changes nothing
  assert.deepEqual(run(n1, x, (_id, y) => y), run(n1, x));
  tf.dispose(x);
  n1.dispose();
  n2.dispose();
});

test('headDim other than D / heads: inner width heads · headDim, D need not divide by heads', () => {
  const m = loadModelText(model('heads: 3, headDim: 5'), FILE);
  const a = attentionNode(m, 'att');
  assert.deepEqual(a.outputShape, [T, D]);
  assert.equal(a.params, handParams(D, 15));
  assert.equal(a.flops, handFlops(T, D, 3, 15));
  const net = new SequentialModel(m.layers, 1);
  const byName = new Map(net.trainable().map((v) => [v.name, v.variable.shape.join('x')]));
  assert.equal(byName.get('att/queryKernel'), '8x15');
  assert.equal(byName.get('att/valueBias'), '15');
  assert.equal(byName.get('att/outputKernel'), '15x8');
  assert.equal(byName.get('att/outputBias'), '8');
  const y = tf.tidy(() => net.forward(tf.ones([2, T, D]), { training: false, step: 0 }));
  assert.deepEqual(y.shape, [2, 3]);
  tf.dispose(y);
  net.dispose();
  assert.throws(() => loadModelText(model('heads: 3'), FILE), /divisible/);
});

test('head groups: top-level and residual-body attention, not in prunableGroups, per-head counts', () => {
  const m = loadModelText(model('heads: 4', RESIDUAL), FILE);
  assert.deepEqual(prunableGroups(m).map((g) => g.id), [], 'channel groups unchanged (the logits are not prunable)');
  const groups = headGroups(m);
  assert.deepEqual(groups.map((g) => [g.id, g.kind, g.channels, g.headDim]), [['att', 'heads', 4, 2], ['blk[0].inner', 'heads', 4, 3]]);
  assert.equal(groups[0].paramsPerChannel, handParams(D, 8) - handParams(D, 6));
  assert.equal(groups[0].flopsPerChannel, handFlops(T, D, 4, 8) - handFlops(T, D, 3, 6));
  assert.deepEqual(headGroups(loadModelText(model('heads: 1'), FILE)), [], 'one head: nothing to remove');
  const masks = maskVectors(m, groups, new Map([['att', [1, 3]], ['blk[0].inner', [0, 1, 2, 3]]]));
  assert.deepEqual([...masks.keys()], ['att/heads']);
  assert.deepEqual([...masks.get('att/heads')!], [0, 0, 1, 1, 0, 0, 1, 1]);
});

test('pruned heads: outputs equal the dense model with those heads masked; the file and counts follow', () => {
  const cases = [model('heads: 4'), model('heads: 4, causal: true', RESIDUAL), model('heads: 3, headDim: 5, dropout: 0.1')];
  let checked = 0;
  for (const [ci, text] of cases.entries()) {
    for (let seed = 1; seed <= 4; seed++) {
      const m = loadModelText(text, FILE);
      const groups = headGroups(m);
      const rand = mulberry32(seed * 31 + ci);
      const plan: PruningPlan = new Map();
      for (const g of groups) {
        const kept = Array.from({ length: g.channels }, (_, i) => i).filter(() => rand() < 0.5);
        plan.set(g.id, kept.length > 0 ? kept : [Math.floor(rand() * g.channels)]);
      }
      const weights = randomWeights(m, seed);
      const result = applyPlan(m, text, weights, plan);
      const x = tf.tensor(Float32Array.from({ length: 4 * T * D }, () => 2 * rand() - 1), [4, T, D]);
      const full = buildNet(m, weights);
      const small = buildNet(result.model, result.weights);
      const before = tf.memory().numTensors;
      const dense = run(full, x);
      const masked = run(full, x, planMasks(m, groups, plan));
      const pruned = run(small, x);
      assert.equal(tf.memory().numTensors, before, 'no leaks');
      for (let i = 0; i < pruned.length; i++) assert.ok(Math.abs(pruned[i] - masked[i]) <= 1e-5, `case ${ci} seed ${seed}: ${pruned[i]} vs ${masked[i]}`);
      let paramsBefore = m.params;
      let flopsBefore = m.flops;
      let anyRemoved = false;
      for (const g of groups) {
        const kept = plan.get(g.id)!;
        const after = attentionNode(result.model, g.id);
        const beforeNode = attentionNode(m, g.id);
        const inner = kept.length * g.headDim!;
        if (kept.length < g.channels) {
          anyRemoved = true;
          assert.equal(after.config.heads, kept.length);
          assert.equal(after.config.headDim, g.headDim);
          assert.match(result.yaml, new RegExp(`heads: ${kept.length}, headDim: ${g.headDim}`));
        }
        assert.equal(after.params, handParams(D, inner), `${g.id} params`);
        assert.equal(after.flops, handFlops(T, D, kept.length, inner), `${g.id} flops`);
        assert.equal(result.removed[g.id], g.channels - kept.length);
        paramsBefore -= (g.channels - kept.length) * g.paramsPerChannel;
        flopsBefore -= (g.channels - kept.length) * g.flopsPerChannel;
        assert.equal(after.config.causal, beforeNode.config.causal);
        assert.equal(after.config.dropout, beforeNode.config.dropout);
      }
      assert.equal(result.params, paramsBefore, 'params: per-head figures add up');
      assert.equal(result.flops, flopsBefore, 'FLOPs: per-head figures add up');
      if (anyRemoved) assert.ok(dense.some((v, i) => Math.abs(v - masked[i]) > 1e-4), 'the masks change the dense model');
      if (anyRemoved) checked++;
      full.dispose();
      small.dispose();
      x.dispose();
    }
  }
  assert.ok(checked >= 6, `most plans remove heads (${checked})`);
});

test('a head plan that keeps every head leaves the file and weights as they are; bad plans throw', () => {
  const text = model('heads: 4');
  const m = loadModelText(text, FILE);
  const weights = randomWeights(m, 3);
  const r = applyPlan(m, text, weights, new Map([['att', [0, 1, 2, 3]]]));
  assert.equal(attentionNode(r.model, 'att').config.headDim, undefined);
  assert.deepEqual(r.weights.map((w) => w.name), weights.map((w) => w.name));
  assert.throws(() => applyPlan(m, text, weights, new Map([['att', []]])), /keeps no channel of the heads of attention layer 'att'/);
  assert.throws(() => applyPlan(m, text, weights, new Map([['att', [2, 1]]])), /sorted/);
  assert.throws(() => applyPlan(m, text, weights, new Map([['nope', [0]]])), /att \(heads\)/);
});

test('criteria on head groups: random, and l1/l2 over the head\'s q, k, v columns', () => {
  const m = loadModelText(model('heads: 4'), FILE);
  const groups = headGroups(m);
  const weights = new Map(randomWeights(m, 9).map((w) => [w.name, w]));
  const input = { groups, weights, seed: 1 };
  const rs = getCriterion('random').score(input).get('att')!;
  assert.equal(rs.length, 4);
  const l1 = getCriterion('l1').score(input).get('att')!;
  const l2 = getCriterion('l2').score(input).get('att')!;
  for (let h = 0; h < 4; h++) {
    let s1 = 0, s2 = 0;
    for (const role of ['queryKernel', 'keyKernel', 'valueKernel']) {
      const k = weights.get(`att/${role}`)!;
      for (let i = 0; i < D; i++) for (let j = h * 2; j < h * 2 + 2; j++) { s1 += Math.abs(k.data[i * D + j]); s2 += k.data[i * D + j] ** 2; }
    }
    assert.ok(Math.abs(l1[h] - s1) < 1e-4, `l1 head ${h}`);
    assert.ok(Math.abs(l2[h] - Math.sqrt(s2)) < 1e-4, `l2 head ${h}`);
  }
});
