/** Residual factors: the schedule, the provider inside residual and transformer blocks, learnable α. */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createModule, Initializer } from '../engine/layers/index';
import { layerNode } from '../engine/layers/test-nodes';
import type { ForwardContext } from '../engine/module';
import { ResidualScale, residualBranches } from './residual-scale';
import { defaultStabilize } from './test-spec';

before(async () => {
  await tf.setBackend('cpu');
});

function nodes() {
  return [
    layerNode('r', 'residual', { scale: 0.5 }, [8], [8], [
      layerNode('r.layers[0]', 'dense', { units: 8, activation: 'tanh', useBias: true }, [8], [8]),
    ]),
    layerNode('blk', 'transformer', { heads: 2, mlpRatio: 2, causal: true, dropout: 0 }, [4, 8], [4, 8]),
  ];
}

test('scheduled α: linear from initial to final over steps; attention branches have their own ends', () => {
  const spec = { ...defaultStabilize(100).residual, attentionInitial: 0.2, attentionFinal: 0.8 };
  const init = new Initializer(1);
  const mods = nodes().map((n) => createModule(n, init));
  const rs = new ResidualScale(spec, mods, 100);
  assert.deepEqual(rs.branches, [{ layerId: 'r', branch: 'body' }, { layerId: 'blk', branch: 'attn' }, { layerId: 'blk', branch: 'mlp' }]);
  const at = (step: number, branch: 'body' | 'attn' | 'mlp') => rs.provider(step)!('x', branch) as number;
  assert.equal(at(0, 'body'), 0.1);
  assert.ok(Math.abs(at(50, 'body') - 0.55) < 1e-12);
  assert.equal(at(100, 'body'), 1);
  assert.equal(at(1000, 'mlp'), 1);
  assert.equal(at(0, 'attn'), 0.2);
  assert.ok(Math.abs(at(50, 'attn') - 0.5) < 1e-12);
  assert.equal(new ResidualScale({ ...spec, mode: 'off' }, mods, 100).provider(3), undefined);
  for (const m of mods) m.dispose();
});

test('the modules use the provider: residual y = x + scale·α·f(x); α = 1 or no provider is the model as written', () => {
  const init = new Initializer(2);
  const [res, blk] = nodes().map((n) => createModule(n, init));
  const x = tf.randomNormal([3, 8], 0, 1, 'float32', 1);
  const plain = (ctx: ForwardContext) => tf.tidy(() => res.forward(x, ctx));
  const y0 = plain({ training: false, step: 0 });
  const yA = plain({ training: false, step: 0, residualScale: () => 0.2 });
  const y1 = plain({ training: false, step: 0, residualScale: () => 1 });
  const expected = tf.tidy(() => tf.add(x, tf.mul(tf.sub(y0, x), 0.2)));
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(yA, expected))).dataSync()[0]) < 1e-6);
  assert.deepEqual(Array.from(y1.dataSync()), Array.from(y0.dataSync()));
  // transformer: α_attn = α_mlp = 0 makes the block the identity
  const t = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 2);
  const yt = tf.tidy(() => blk.forward(t, { training: false, step: 0, residualScale: () => 0 }));
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(yt, t))).dataSync()[0]) < 1e-6);
  tf.dispose([x, y0, yA, y1, expected, t, yt]);
  res.dispose();
  blk.dispose();
});

test('learnable α: one variable per branch, starting at initial, receives gradients and an SGD step at its own lr', () => {
  const spec = { ...defaultStabilize(100).residual, mode: 'learnable' as const, initial: 0.3, attentionInitial: 0.2, lr: 0.5 };
  const init = new Initializer(3);
  const mods = nodes().map((n) => createModule(n, init));
  const rs = new ResidualScale(spec, mods, 0);
  const alphas = rs.trainable();
  assert.deepEqual(alphas.map((a) => a.name), ['r/alpha', 'blk/alphaAttn', 'blk/alphaMlp']);
  assert.deepEqual(alphas.map((a) => a.variable.dataSync()[0]), [0.3, 0.2, 0.3].map(Math.fround));
  const ctx: ForwardContext = { training: true, step: 0, residualScale: rs.provider(0) };
  const x = tf.randomNormal([3, 8], 0, 1, 'float32', 4);
  const t = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 5);
  const { value, grads } = tf.variableGrads(() => tf.add(tf.sum(tf.square(mods[0].forward(x, ctx))), tf.sum(tf.square(mods[1].forward(t, ctx)))) as tf.Scalar, alphas.map((a) => a.variable));
  const byName = new Map(alphas.map((a) => [a.name, grads[a.variable.name]]));
  for (const [name, g] of byName) {
    const v = g.dataSync()[0];
    assert.ok(Number.isFinite(v) && v !== 0, `${name} gradient ${v}`);
  }
  const beforeVals = alphas.map((a) => a.variable.dataSync()[0]);
  rs.applyGradients(byName);
  alphas.forEach((a, i) => {
    const expected = beforeVals[i] - 0.5 * byName.get(a.name)!.dataSync()[0];
    assert.ok(Math.abs(a.variable.dataSync()[0] - expected) < 1e-5);
  });
  tf.dispose([x, t, value, ...Object.values(grads)]);
  rs.dispose();
  for (const m of mods) m.dispose();
  assert.deepEqual(residualBranches([]), []);
});
