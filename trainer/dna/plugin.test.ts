import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { layerNode } from '../engine/layers/test-nodes';
import { SequentialModel } from '../engine/model';
import { routedLayers, routingAlerts, routingMetrics, unroutedFlops } from './plugin';
import './register';

before(async () => {
  await tf.setBackend('cpu');
});

const dnaNode = layerNode('dna', 'dna', {
  hops: 2, attention: 1, mlp: 1, identity: 1, heads: 2, mlpRatio: 2, causal: false, k: 1, capacityFactor: 2,
  balanceWeight: 0.01, computeWeight: 0, zWeight: 0.001,
}, [4, 8], [4, 8]);

test('routing metrics: FLOPs from the counted usage, shares of drops and skips', () => {
  const net = new SequentialModel([{ ...dnaNode, flops: 1000 }], 1);
  const [layer] = routedLayers(net);
  const m = routingMetrics(routedLayers(net), unroutedFlops(net), [{ tokens: 10, usage: [[4, 4, 2], [0, 5, 5]], dropped: [[0, 0, 0], [0, 0, 0]] }]);
  const perToken = (4 * layer!.moduleFlops[0]! + 9 * layer!.moduleFlops[1]!) / 10 + 2 * layer!.routerFlops;
  assert.ok(Math.abs(m.flopsPerSample! - 4 * perToken) < 1e-6);
  assert.equal(m.droppedShare, 0);
  assert.equal(m.identityShare, 7 / 20);
  assert.deepEqual(routingMetrics(routedLayers(net), unroutedFlops(net), [undefined]), {}, 'nothing recorded, no metrics');
  net.dispose();
});

test('routing alerts: heavy capacity drops and a collapsed router are named on the layer; a healthy reading is quiet', () => {
  const net = new SequentialModel([dnaNode], 1);
  const [layer] = routedLayers(net);
  assert.deepEqual(routingAlerts(layer!, { tokens: 10, usage: [[4, 4, 2], [3, 4, 3]], dropped: [[0, 0, 0], [0, 0, 0]] }, 500), []);
  const drops = routingAlerts(layer!, { tokens: 10, usage: [[3, 3, 0], [3, 3, 0]], dropped: [[2, 2, 0], [2, 2, 0]] }, 500);
  assert.equal(drops.length, 1);
  assert.equal(drops[0]!.kind, 'routing-drops');
  assert.equal(drops[0]!.layerId, 'dna');
  assert.match(drops[0]!.message, /40% of the routing choices were dropped.*raise capacityFactor/);
  const collapsed = routingAlerts(layer!, { tokens: 10, usage: [[4, 4, 2], [0, 0, 10]], dropped: [[0, 0, 0], [0, 0, 0]] }, 500);
  assert.equal(collapsed.length, 1);
  assert.equal(collapsed[0]!.kind, 'routing-collapse');
  assert.match(collapsed[0]!.message, /hop 1 sends 100% of the tokens to skip/);
  net.dispose();
});
