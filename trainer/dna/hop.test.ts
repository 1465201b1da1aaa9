import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Initializer } from '../engine/layers/init';
import { Hop } from './hop';

before(async () => {
  await tf.setBackend('cpu');
});

const B = 2, T = 4, D = 8, N = B * T;
const CTX = { training: false, step: 0 };

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** A pool [identity, mlp, attention] with the router forced onto module `forced` (k = 1, no drops). */
function forcedHop(forced: number): Hop {
  const hop = new Hop('hop', { seqLen: T, dim: D, modules: [{ kind: 'identity' }, { kind: 'mlp', ratio: 2 }, { kind: 'attention', heads: 2 }], k: 1, capacityFactor: 3 }, new Initializer(9));
  const bias = new Float32Array(3);
  bias[forced] = 1e4;
  tf.tidy(() => hop.router.bias.variable.assign(tf.tensor1d(bias)));
  return hop;
}

for (const forced of [1, 2]) {
  test(`router forced onto module ${forced}: y = x + module(x), all tokens counted there`, () => {
    const hop = forcedHop(forced);
    const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 2) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const { y, expected, usage, dropped, flops } = tf.tidy(() => {
      const out = hop.forward(x, CTX);
      return { y: out.y, expected: tf.add(x, hop.modules[forced].forward(x, CTX)), usage: out.usage, dropped: out.dropped, flops: out.flops };
    });
    assert.equal(tf.memory().numTensors, before + 2, 'leaked tensors');
    assert.ok(maxDiff(y, expected) < 1e-5, `y differs from x + module(x) by ${maxDiff(y, expected)}`);
    assert.ok(maxDiff(y, x) > 1e-3, 'the module did nothing');
    const want = [0, 0, 0];
    want[forced] = N;
    assert.deepEqual(usage, want);
    assert.deepEqual(dropped, [0, 0, 0]);
    assert.equal(flops, N * hop.modules[forced].flopsPerToken);
    tf.dispose([x, y, expected]);
    hop.dispose();
  });
}

test('identity costs zero FLOPs: forced onto identity, y = x and flops = 0', () => {
  const hop = forcedHop(0);
  assert.equal(hop.modules[0].flopsPerToken, 0);
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 3) as tf.Tensor3D;
  const { diff, flops, usage, compute } = tf.tidy(() => {
    const out = hop.forward(x, CTX);
    return { diff: maxDiff(out.y, x), flops: out.flops, usage: out.usage, compute: hop.losses(out.routing).compute.dataSync()[0] };
  });
  assert.deepEqual(usage, [N, 0, 0]);
  assert.equal(flops, 0);
  assert.equal(compute, 0);
  assert.ok(diff < 1e-6);
  x.dispose();
  hop.dispose();
});

test('mixed pool, k=2: FLOPs = Σ usage · flopsPerToken; losses finite; gradients reach the router; no leaks', () => {
  const hop = new Hop('hop', { seqLen: T, dim: D, modules: [{ kind: 'identity' }, { kind: 'mlp', ratio: 2 }, { kind: 'attention' }, { kind: 'mlp', ratio: 1 }], k: 2, capacityFactor: 1 }, new Initializer(4));
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 5) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const { usage, dropped, flops, losses } = tf.tidy(() => {
    const out = hop.forward(x, CTX);
    const l = hop.losses(out.routing);
    return { usage: out.usage, dropped: out.dropped, flops: out.flops, losses: [l.balance, l.compute, l.z].map((s) => s.dataSync()[0]) };
  });
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  assert.equal(usage.reduce((a, v) => a + v, 0) + dropped.reduce((a, v) => a + v, 0), N * 2);
  assert.equal(flops, usage.reduce((a, u, i) => a + u * hop.modules[i].flopsPerToken, 0));
  for (const v of losses) assert.ok(Number.isFinite(v) && v >= 0);

  const kernel = hop.router.kernel.variable;
  const norm = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const out = hop.forward(x, { training: true, step: 1 });
      const l = hop.losses(out.routing);
      return tf.addN([tf.mean(tf.square(out.y)), tf.mul(0.01, l.balance), tf.mul(0.01, l.compute), tf.mul(0.001, l.z)]) as tf.Scalar;
    }, hop.trainable().map((v) => v.variable));
    return tf.norm(grads[kernel.name]).dataSync()[0];
  });
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  assert.ok(Number.isFinite(norm) && norm > 1e-6, `router gradient norm ${norm}`);
  x.dispose();
  hop.dispose();
});
