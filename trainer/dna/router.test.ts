import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Initializer } from '../engine/layers/init';
import { capacityFor, routeOnHost, Router } from './router';

const RANGE = { file: 'm.dynaxx.yaml', line: 1, col: 1, endLine: 1, endCol: 1 };
const CTX = { training: false, step: 0 };

before(async () => {
  await tf.setBackend('cpu');
});

const N = 16, D = 8, M = 4;

/** Runs `f` in tf.tidy and returns its host values. */
function tidyHost<T>(f: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = f();
  });
  return out!;
}

function rows(t: tf.Tensor2D): number[][] {
  return t.arraySync();
}

for (const k of [1, 2] as const) {
  for (const capacityFactor of [0.5, 4]) {
    test(`k=${k}, capacity factor ${capacityFactor}: exactly k choices per token, no module over capacity, drops counted`, () => {
      const router = new Router('r', { dim: D, modules: M, k, capacityFactor }, new Initializer(3), RANGE);
      const x = tf.randomNormal([N, D], 0, 1, 'float32', 7) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const { selected, dispatch, gates, capacity, usage, dropped, host } = tidyHost(() => {
        const r = router.route(x, CTX);
        const host = routeOnHost(r.probs.dataSync(), N, M, k, r.capacity);
        return {
          selected: rows(r.selected), dispatch: rows(r.dispatch), gates: rows(r.gates), capacity: r.capacity,
          usage: Array.from(r.usage.dataSync()), dropped: Array.from(r.dropped.dataSync()), host,
        };
      });
      assert.equal(tf.memory().numTensors, before, 'leaked tensors');
      assert.equal(capacity, Math.ceil((capacityFactor * N * k) / M));
      assert.equal(capacity, capacityFor(N, { dim: D, modules: M, k, capacityFactor }));
      for (let i = 0; i < N; i++) {
        assert.equal(selected[i].reduce((a, v) => a + v, 0), k, `token ${i}: not k choices`);
        for (let j = 0; j < M; j++) {
          assert.ok(dispatch[i][j] <= selected[i][j]);
          if (dispatch[i][j] === 0) assert.equal(gates[i][j], 0);
        }
        const kept = dispatch[i].reduce((a, v) => a + v, 0);
        if (kept === k) assert.ok(Math.abs(gates[i].reduce((a, v) => a + v, 0) - 1) < 1e-5, `token ${i}: gates do not sum to 1`);
      }
      let totalDropped = 0;
      for (let j = 0; j < M; j++) {
        const chosen = selected.reduce((a, r) => a + r[j], 0);
        const taken = dispatch.reduce((a, r) => a + r[j], 0);
        assert.ok(taken <= capacity, `module ${j}: ${taken} > C = ${capacity}`);
        assert.equal(taken, usage[j]);
        assert.equal(dropped[j], chosen - taken);
        assert.equal(taken, Math.min(chosen, capacity));
        // drops are the last tokens in token order
        const order = selected.map((r, i) => (r[j] ? i : -1)).filter((i) => i >= 0);
        order.forEach((i, rank) => assert.equal(dispatch[i][j], rank < capacity ? 1 : 0));
        totalDropped += dropped[j];
      }
      // the device routing is the host reference, decision for decision
      assert.deepEqual(dispatch.flat(), Array.from(host.dispatch));
      assert.deepEqual(selected.flat(), Array.from(host.selected));
      gates.flat().forEach((g, i) => assert.ok(Math.abs(g - host.hardGates[i]) < 1e-5, `gate ${i}: ${g} vs ${host.hardGates[i]}`));
      assert.deepEqual(usage, host.usage);
      assert.deepEqual(dropped, host.dropped);
      if (capacityFactor >= M) assert.equal(totalDropped, 0);
      else assert.ok(totalDropped > 0, 'capacity factor 0.5 should drop tokens');
      x.dispose();
      router.dispose();
    });
  }
}

test('routeOnHost: hand-made example (top-2 renormalised gates, token-order drops)', () => {
  // 3 tokens, 3 modules, k = 2, capacity 2
  const probs = [0.5, 0.3, 0.2, 0.6, 0.1, 0.3, 0.7, 0.2, 0.1];
  const r = routeOnHost(probs, 3, 3, 2, 2);
  assert.deepEqual(Array.from(r.selected), [1, 1, 0, 1, 0, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(r.dispatch), [1, 1, 0, 1, 0, 1, 0, 1, 0]);
  assert.deepEqual(r.usage, [2, 2, 1]);
  assert.deepEqual(r.dropped, [1, 0, 0]);
  const g = Array.from(r.hardGates);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  close(g[0], 0.5 / 0.8);
  close(g[1], 0.3 / 0.8);
  close(g[3], 0.6 / 0.9);
  close(g[5], 0.3 / 0.9);
  close(g[6], 0); // dropped
  close(g[7], 0.2 / 0.9);
});

test('straight-through: gates are hard forward (k=1: exactly 1) and pass non-zero gradients to the router', () => {
  const router = new Router('r', { dim: D, modules: M, k: 1, capacityFactor: M }, new Initializer(5), RANGE);
  const x = tf.randomNormal([N, D], 0, 1, 'float32', 11) as tf.Tensor2D;
  const target = tf.randomNormal([N, M], 0, 1, 'float32', 12);
  const before = tf.memory().numTensors;
  const gateSum = tf.tidy(() => tf.sum(router.route(x, CTX).gates).dataSync()[0]);
  assert.ok(Math.abs(gateSum - N) < 1e-5, `k=1 gates should be 1 per token, sum ${gateSum}`);
  const norms = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(router.route(x, CTX).gates, target)) as tf.Scalar, router.trainable().map((v) => v.variable));
    return Object.values(grads).map((g) => tf.norm(g).dataSync()[0]);
  });
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  for (const v of norms) assert.ok(Number.isFinite(v) && v > 1e-6, `router gradient norm ${v}`);
  tf.dispose([x, target]);
  router.dispose();
});
