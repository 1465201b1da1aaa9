import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dnaModuleFlops, routerFlopsPerToken } from '../../spec/layers/dna';
import type { DnaConfig } from '../../spec/types';
import { Initializer } from '../engine/layers/init';
import { layerNode } from '../engine/layers/test-nodes';
import { Transformer } from '../engine/layers/transformer';
import type { ForwardContext, NamedVariable } from '../engine/module';
import { DnaLayer } from './layer';
import { MoeLayer } from './moe';
import { flopsPerToken } from './meter';

before(async () => {
  await tf.setBackend('cpu');
});

const B = 2, T = 5, D = 8;

function dnaConfig(over: Partial<DnaConfig> = {}): DnaConfig {
  return {
    hops: 4, attention: 2, mlp: 2, identity: 1, heads: 2, mlpRatio: 2, causal: false, k: 1, capacityFactor: 5,
    balanceWeight: 0, computeWeight: 0, zWeight: 0, ...over,
  };
}

function dna(over: Partial<DnaConfig> = {}, seed = 3): DnaLayer {
  return new DnaLayer(layerNode('dna', 'dna', dnaConfig(over), [T, D], [T, D]), new Initializer(seed));
}

/** Forces router h onto pool module path[h] (a bias of 1e4: softmax puts probability 1 there). */
function force(layer: DnaLayer, path: number[]): void {
  path.forEach((m, h) => {
    const bias = new Float32Array(layer.pool.length);
    bias[m] = 1e4;
    const v = layer.routers[h]!.trainable().find((x) => x.role === 'bias')!;
    tf.tidy(() => v.variable.assign(tf.tensor1d(bias)));
  });
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function copy(from: NamedVariable[], to: NamedVariable[]): void {
  assert.equal(from.length, to.length);
  from.forEach((f, i) => {
    assert.equal(f.role, to[i]!.role);
    to[i]!.variable.assign(f.variable);
  });
}

test('a DNA forced along attn0, mlp0, attn1, mlp1 is exactly the two-block pre-norm transformer with the same weights', () => {
  const layer = dna();
  assert.deepEqual(layer.labels, ['attn0', 'attn1', 'mlp0', 'mlp1', 'skip']);
  force(layer, [0, 2, 1, 3]);
  const blocks = [0, 1].map((i) => new Transformer(layerNode(`t${i}`, 'transformer', { heads: 2, mlpRatio: 2, causal: false, dropout: 0 }, [T, D], [T, D]), new Initializer(50 + i)));
  const [attn0, attn1, mlp0, mlp1] = layer.pool as unknown as Array<{ children(): Array<{ trainable(): NamedVariable[] }> }>;
  [[attn0, mlp0], [attn1, mlp1]].forEach(([a, m], i) => {
    const block = blocks[i]!;
    const [ln, attn] = a!.children();
    const [ln2, fc1, fc2] = m!.children();
    copy(ln!.trainable(), block.ln1.trainable());
    copy(attn!.trainable(), block.attn.trainable());
    copy(ln2!.trainable(), block.ln2.trainable());
    copy(fc1!.trainable(), block.mlp1.trainable());
    copy(fc2!.trainable(), block.mlp2.trainable());
  });
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 4);
  const ctx: ForwardContext = { training: false, step: 0 };
  const [y, want] = tf.tidy(() => [layer.forward(x, ctx), blocks[1]!.forward(blocks[0]!.forward(x, ctx), ctx)]);
  assert.ok(maxDiff(y!, want!) < 1e-5, `DNA and transformer differ by ${maxDiff(y!, want!)}`);
  assert.ok(maxDiff(y!, x) > 1e-2, 'the layer did nothing');
  tf.dispose([x, y!, want!]);
  layer.dispose();
  for (const b of blocks) b.dispose();
});

test('identity costs nothing: all hops on skip leave the tokens unchanged, and the meter charges only the routers', async () => {
  const layer = dna();
  force(layer, [4, 4, 4, 4]);
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 5);
  const y = tf.tidy(() => layer.forward(x, { training: true, step: 0 }));
  assert.equal(maxDiff(y, x), 0);
  const r = (await layer.meter.read())!;
  assert.equal(r.tokens, B * T);
  for (const hop of r.usage) assert.deepEqual(hop, [0, 0, 0, 0, B * T]);
  assert.equal(flopsPerToken(r, layer.moduleFlops, layer.routerFlops), 4 * routerFlopsPerToken(D, 5));
  assert.equal(layer.moduleFlops[4], 0);
  tf.dispose([x, y]);
  layer.dispose();
});

test('the meter counts routed FLOPs: forced on mlp0 at every hop costs 4 · (router + mlp) per token', async () => {
  const layer = dna();
  force(layer, [2, 2, 2, 2]);
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 6);
  tf.dispose(tf.tidy(() => layer.forward(x, { training: true, step: 0 })));
  const r = (await layer.meter.read())!;
  const mlp = dnaModuleFlops('mlp', T, D, 2, 2);
  assert.ok(Math.abs(flopsPerToken(r, layer.moduleFlops, layer.routerFlops) - 4 * (routerFlopsPerToken(D, 5) + mlp)) < 1e-6);
  assert.equal(await layer.meter.read(), undefined, 'read resets the counters');
  x.dispose();
  layer.dispose();
});

test('training adds the weighted router losses once per forward; evaluation adds none', () => {
  const layer = dna({ balanceWeight: 1, computeWeight: 0, zWeight: 0 });
  force(layer, [2, 2, 2, 2]);
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 7);
  const losses: number[] = [];
  tf.tidy(() => {
    layer.forward(x, { training: true, step: 0, addLoss: (l) => losses.push(l.dataSync()[0]!) });
    layer.forward(x, { training: false, step: 0 });
  });
  assert.equal(losses.length, 1);
  // everything on one module: f = 1 there, P ≈ 1 there: M · 1 · 1 = 5
  assert.ok(Math.abs(losses[0]! - 5) < 1e-3, `balance ${losses[0]}`);
  layer.meter.reset();
  layer.dispose();

  const costly = dna({ balanceWeight: 0, computeWeight: 2, zWeight: 0 });
  const cheap = dna({ balanceWeight: 0, computeWeight: 2, zWeight: 0 });
  force(costly, [2, 2, 2, 2]);
  force(cheap, [4, 4, 4, 4]);
  const mlp = costly.moduleFlops[2]! / Math.max(...costly.moduleFlops);
  for (const [layer2, want] of [[costly, 2 * mlp], [cheap, 0]] as const) {
    const got: number[] = [];
    tf.tidy(() => {
      layer2.forward(x, { training: true, step: 0, addLoss: (l) => got.push(l.dataSync()[0]!) });
    });
    assert.ok(Math.abs(got[0]! - want) < 1e-5, `compute loss ${got[0]} vs ${want}`);
    layer2.dispose();
  }
  x.dispose();
});

test('top-2 with tight capacity: gradients reach every router and every module, no tensors leak', () => {
  const layer = dna({ k: 2, capacityFactor: 1, balanceWeight: 0.01, computeWeight: 0.1, zWeight: 0.001 });
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 8);
  const target = tf.randomNormal([B, T, D], 0, 1, 'float32', 9);
  const vars = layer.trainable();
  const before = tf.memory().numTensors;
  const norms = tf.tidy(() => {
    const aux: tf.Scalar[] = [];
    const { grads } = tf.variableGrads(() => {
      const y = layer.forward(x, { training: true, step: 0, addLoss: (l) => aux.push(l) });
      return tf.addN([tf.mean(tf.square(tf.sub(y, target))), ...aux]) as tf.Scalar;
    }, vars.map((v) => v.variable));
    return vars.map((v) => ({ name: v.name, norm: tf.norm(grads[v.variable.name]!).dataSync()[0]! }));
  });
  layer.meter.reset();
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  for (const h of [0, 1, 2, 3]) {
    const k = norms.find((n) => n.name === `dna.router[${h}].logits/kernel`)!;
    assert.ok(k.norm > 1e-7, `router ${h} got no gradient`);
  }
  for (const label of ['attn0', 'attn1', 'mlp0', 'mlp1']) {
    assert.ok(norms.some((n) => n.name.startsWith(`dna.${label}.`) && n.norm > 1e-7), `${label} got no gradient`);
  }
  tf.dispose([x, target]);
  layer.dispose();
});

test('a one-expert MoE block is the pre-norm transformer block with that MLP; top-2 of 4 sends gradients to its router', () => {
  const moe = new MoeLayer(layerNode('moe', 'moe', { heads: 2, experts: 1, expertRatio: 2, causal: true, k: 1, capacityFactor: 1, balanceWeight: 0.01, zWeight: 0.001 }, [T, D], [T, D]), new Initializer(4));
  const block = new Transformer(layerNode('t', 'transformer', { heads: 2, mlpRatio: 2, causal: true, dropout: 0 }, [T, D], [T, D]), new Initializer(60));
  copy(moe.ln1.trainable(), block.ln1.trainable());
  copy(moe.attn.trainable(), block.attn.trainable());
  copy(moe.ln2.trainable(), block.ln2.trainable());
  copy(moe.experts[0]!.fc1.trainable(), block.mlp1.trainable());
  copy(moe.experts[0]!.fc2.trainable(), block.mlp2.trainable());
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 10);
  const ctx: ForwardContext = { training: false, step: 0 };
  const [y, want] = tf.tidy(() => [moe.forward(x, ctx), block.forward(x, ctx)]);
  assert.ok(maxDiff(y!, want!) < 1e-5, `MoE and transformer differ by ${maxDiff(y!, want!)}`);
  tf.dispose([y!, want!]);
  moe.dispose();
  block.dispose();

  const moe4 = new MoeLayer(layerNode('moe', 'moe', { heads: 2, experts: 4, expertRatio: 0.5, causal: false, k: 2, capacityFactor: 1.25, balanceWeight: 0.01, zWeight: 0.001 }, [T, D], [T, D]), new Initializer(4));
  const vars = moe4.trainable();
  const norms = tf.tidy(() => {
    const aux: tf.Scalar[] = [];
    const { grads } = tf.variableGrads(() => {
      const out = moe4.forward(x, { training: true, step: 0, addLoss: (l) => aux.push(l) });
      return tf.addN([tf.mean(tf.square(out)), ...aux]) as tf.Scalar;
    }, vars.map((v) => v.variable));
    return vars.map((v) => ({ name: v.name, norm: tf.norm(grads[v.variable.name]!).dataSync()[0]! }));
  });
  assert.ok(norms.find((n) => n.name === 'moe.router.logits/kernel')!.norm > 1e-7, 'the router got no gradient');
  assert.equal(moe4.labels.join(' '), 'e0 e1 e2 e3');
  moe4.meter.reset();
  moe4.dispose();
  x.dispose();
});
