import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModule, Initializer } from './index';
import { everyLayerType } from './test-nodes';
import '../../dna/register';

before(async () => {
  await tf.setBackend('cpu');
});

function initialWeights(seed: number): Map<string, number[]> {
  const modules = everyLayerType().map((n) => createModule(n, new Initializer(seed)));
  const out = new Map<string, number[]>();
  for (const m of modules) for (const v of [...m.trainable(), ...m.state()]) out.set(v.name, Array.from(v.variable.dataSync()));
  for (const m of modules) m.dispose();
  return out;
}

test('same seed -> identical initial weights; different seed -> different kernels', () => {
  const a = initialWeights(42);
  const b = initialWeights(42);
  const c = initialWeights(43);
  assert.deepEqual(a, b);
  for (const [name, values] of a) {
    if (/kernel|Kernel|embeddings/.test(name)) assert.notDeepEqual(values, c.get(name), name);
  }
});

test('a variable depends on (seed, name) only, not on what was built before it', () => {
  const init = new Initializer(5);
  const direct = init.fork('x/kernel').glorotUniform([3, 3], 3, 3);
  init.next();
  init.fork('other/kernel').glorotUniform([10], 1, 1);
  assert.deepEqual(init.fork('x/kernel').glorotUniform([3, 3], 3, 3), direct);
});

test('PRNG draws are in [0, 1) and the initialisers have the documented scale', () => {
  const r = new Initializer(1);
  for (let i = 0; i < 1000; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
  }
  const limit = Math.sqrt(6 / (100 + 50));
  assert.ok(r.glorotUniform([100, 50], 100, 50).every((v) => Math.abs(v) <= limit));
  const he = r.heNormal([200, 100], 200);
  const std = Math.sqrt(he.reduce((a, v) => a + v * v, 0) / he.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 200)) < 0.005, `std ${std}`);
  assert.ok(r.zeros([4]).every((v) => v === 0));
  assert.ok(r.ones([4]).every((v) => v === 1));
});

test('two modules with the same layer id coexist (engine names are made unique)', () => {
  const [node] = everyLayerType();
  const a = createModule(node, new Initializer(1));
  const b = createModule(node, new Initializer(1));
  assert.equal(a.trainable()[0].name, b.trainable()[0].name);
  assert.notEqual(a.trainable()[0].variable.name, b.trainable()[0].variable.name);
  a.dispose();
  b.dispose();
});
