/** Spectral normalisation: power iteration against exact σ, the rescale, the targets, no leaks. */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createModule, Initializer } from '../engine/layers/index';
import { layerNode } from '../engine/layers/test-nodes';
import type { NamedVariable } from '../engine/module';
import { SpectralNorm, spectralTargets } from './spectral';

before(async () => {
  await tf.setBackend('cpu');
});

/** Exact σ_max in float64: power iteration on the Gram matrix WᵀW to convergence. */
function exactSigma(w: number[][]): number {
  const rows = w.length;
  const cols = w[0].length;
  const g = Array.from({ length: cols }, (_, i) => Array.from({ length: cols }, (_, j) => w.reduce((s, r) => s + r[i] * r[j], 0)));
  let v = Array.from({ length: cols }, (_, i) => 1 + i * 0.1);
  let lambda = 0;
  for (let it = 0; it < 5000; it++) {
    const gv = g.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
    const n = Math.hypot(...gv);
    v = gv.map((x) => x / n);
    lambda = n;
  }
  assert.ok(rows > 0);
  return Math.sqrt(lambda);
}

function matrix(name: string, values: number[][], layerId = name): NamedVariable {
  return { name: `${name}/kernel`, layerId, role: 'kernel', variable: tf.variable(tf.tensor2d(values)) };
}

function sigmaNow(s: SpectralNorm, name: string): number {
  return s.sigmaOf(name)!.dataSync()[0];
}

test('2×2 closed form: power iteration with a persistent u converges to σ_max', () => {
  // [[3, 1], [1, 3]] is symmetric with eigenvalues 4 and 2: σ_max = 4
  const w = matrix('a', [[3, 1], [1, 3]]);
  const s = new SpectralNorm([w], 7, 1);
  for (let i = 0; i < 30; i++) s.rescale(100); // bound far above: estimate only
  assert.ok(Math.abs(sigmaNow(s, 'a/kernel') - 4) < 1e-4, String(sigmaNow(s, 'a/kernel')));
  s.dispose();
  w.variable.dispose();
});

test('random rectangular matrices: σ estimate matches the exact top singular value', () => {
  for (const [rows, cols, seed] of [[5, 3, 1], [4, 9, 2], [12, 12, 3]] as const) {
    const t = tf.randomNormal([rows, cols], 0, 1, 'float32', seed);
    const values = t.arraySync() as number[][];
    t.dispose();
    const w = matrix(`m${seed}`, values);
    const s = new SpectralNorm([w], seed, 3);
    for (let i = 0; i < 40; i++) s.rescale(1e6);
    const exact = exactSigma(values);
    const est = sigmaNow(s, w.name);
    assert.ok(Math.abs(est - exact) / exact < 1e-3, `${rows}x${cols}: ${est} vs ${exact}`);
    s.dispose();
    w.variable.dispose();
  }
});

test('rescale makes σ ≤ bound (measured exactly on the host)', () => {
  const t = tf.randomNormal([8, 6], 0, 2, 'float32', 11);
  const w = matrix('big', t.arraySync() as number[][]);
  t.dispose();
  const s = new SpectralNorm([w], 3, 1);
  const before = exactSigma(w.variable.arraySync() as number[][]);
  assert.ok(before > 2);
  for (let i = 0; i < 20; i++) s.rescale(0.9);
  const after = exactSigma(w.variable.arraySync() as number[][]);
  assert.ok(after <= 0.9 * (1 + 1e-4), `σ after rescale ${after}`);
  assert.ok(after > 0.85, `not over-shrunk: ${after}`);
  // a matrix already under the bound is left alone
  const small = matrix('small', [[0.1, 0], [0, 0.2]]);
  const s2 = new SpectralNorm([small], 1, 2);
  s2.rescale(1);
  assert.deepEqual(small.variable.arraySync(), [[0.1, 0], [0, 0.2]].map((r) => r.map((x) => Math.fround(x))));
  s.dispose();
  s2.dispose();
  w.variable.dispose();
  small.variable.dispose();
});

test('targets: dense and conv kernels, attention q/k/v/o, transformer sub-layers; not biases, norms or embeddings', () => {
  const nodes = [
    layerNode('d', 'dense', { units: 5, activation: 'relu', useBias: true }, [4], [5]),
    layerNode('c', 'conv2d', { filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true }, [6, 6, 2], [6, 6, 4]),
    layerNode('emb', 'embedding', { inputDim: 10, outputDim: 8 }, [5], [5, 8]),
    layerNode('blk', 'transformer', { heads: 2, mlpRatio: 2, causal: false, dropout: 0 }, [5, 8], [5, 8]),
  ];
  const init = new Initializer(1);
  const mods = nodes.map((n) => createModule(n, init));
  const vars = mods.flatMap((m) => m.trainable());
  assert.deepEqual(spectralTargets(vars).map((v) => v.name), [
    'd/kernel', 'c/kernel',
    'blk.attn/queryKernel', 'blk.attn/keyKernel', 'blk.attn/valueKernel', 'blk.attn/outputKernel',
    'blk.mlp1/kernel', 'blk.mlp2/kernel',
  ]);
  // the conv kernel [3, 3, 2, 4] is treated as [18, 4] and rescaled in place
  const s = new SpectralNorm(vars, 5, 2);
  for (let i = 0; i < 10; i++) s.rescale(0.5);
  const conv = vars.find((v) => v.name === 'c/kernel')!.variable;
  assert.deepEqual(conv.shape, [3, 3, 2, 4]);
  assert.ok(exactSigma(tf.tidy(() => tf.reshape(conv, [18, 4]).arraySync() as number[][])) <= 0.5 * (1 + 1e-3));
  const layers = s.sigmaByLayer();
  assert.deepEqual([...layers.keys()], ['d', 'c', 'blk.attn', 'blk.mlp1', 'blk.mlp2']);
  assert.equal(layers.get('blk.attn')!.length, 4);
  assert.equal(s.state().length, 8);
  s.dispose();
  for (const m of mods) m.dispose();
});

test('no tensor leaks across rescales; the u vectors are seeded (same seed, same σ estimate)', () => {
  const values = [[1, 2, 0], [0, 1, 3]];
  const a = matrix('a', values);
  const b = matrix('b', values);
  const sa = new SpectralNorm([a], 9, 1);
  const sb = new SpectralNorm([{ ...b, name: 'a/kernel' }], 9, 1);
  sa.rescale(100);
  const n = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) sa.rescale(100);
  assert.equal(tf.memory().numTensors, n);
  for (let i = 0; i < 6; i++) sb.rescale(100);
  assert.equal(sigmaNow(sa, 'a/kernel'), sigmaNow(sb, 'a/kernel'));
  sa.dispose();
  sb.dispose();
  a.variable.dispose();
  b.variable.dispose();
});
