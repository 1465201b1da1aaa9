import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelText } from '../../spec/parse';
import type { Split } from '../data/types';
import { correctCounts, type TaskSlice } from '../engine/loss';
import { SequentialModel } from '../engine/model';
import { maxProb } from './confidence';
import { defaultThresholds, routingSweep, sweepOutcomes, type ForwardNet, type RoutingSweepResult } from './sweep';

const model = (hidden: number, classes: string) => `name: h${hidden}
data: { source: synthetic, kind: blobs, samples: 256, classes: 4, features: 12 }
model:
  input: [12]
  layers:
    - { type: dense, units: ${hidden}, activation: relu }
    - { type: dense, units: ${classes} }
train: { steps: 1, batchSize: 16, seed: 3, backend: cpu }
`;

const full = loadModelText(model(32, '4'), 'full.dynaxx.yaml');
const pruned = loadModelText(model(8, '4'), 'pruned.dynaxx.yaml');
let fullNet: SequentialModel;
let prunedNet: SequentialModel;
const tasks: TaskSlice[] = [{ name: 'y', classes: 4 }];

/** Deterministic inputs and labels (the labels follow the first features so that the nets are not all at chance). */
function makeSplit(n: number, features: number, T: number, classes: number): Split {
  const x = new Float32Array(n * features);
  const y = new Int32Array(n * T);
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (let i = 0; i < x.length; i++) x[i] = rnd();
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) y[i * T + t] = Math.floor(((x[i * features + t]! + 1) / 2) * classes) % classes;
  return { x, y, n };
}
const split = makeSplit(300, 12, 1, 4);

before(async () => {
  await tf.setBackend('cpu');
  fullNet = new SequentialModel(full.layers, full.train.seed);
  prunedNet = new SequentialModel(pruned.layers, pruned.train.seed + 1);
});
after(() => {
  fullNet.dispose();
  prunedNet.dispose();
});

function sweep(signal: 'maxProb' | 'entropy', thresholds?: number[]): Promise<RoutingSweepResult> {
  return routingSweep({ prunedNet, fullNet, select: { name: 'validation', split }, report: { name: 'test', split }, tasks, sampleShape: [12], prunedFlops: pruned.flops, fullFlops: full.flops, signal, thresholds, batchSize: 64 });
}

/** The experts' accuracies the way the training loop counts them (correctCounts over the whole split). */
function referenceAccuracy(net: ForwardNet): number {
  return tf.tidy(() => {
    const logits = net.forward(tf.tensor(split.x, [split.n, 12]), { training: false, step: 0 });
    return correctCounts(logits, tf.tensor(split.y, [split.n, 1], 'int32'), tasks).dataSync()[0]! / split.n;
  });
}

test('the sweep reports share, expected cost and accuracy per threshold; its endpoints are the two experts', async () => {
  assert.ok(pruned.flops < full.flops && pruned.flops > 0);
  const cp = pruned.flops / full.flops;
  const before = tf.memory().numTensors;
  for (const signal of ['maxProb', 'entropy'] as const) {
    const r = await sweep(signal);
    assert.equal(r.samples, 300);
    assert.equal(r.prunedCost, cp);
    assert.ok(Math.abs(r.accuracyFull - referenceAccuracy(fullNet)) < 1e-9, `${signal}: full accuracy ${r.accuracyFull}`);
    assert.ok(Math.abs(r.accuracyPruned - referenceAccuracy(prunedNet)) < 1e-9, `${signal}: pruned accuracy ${r.accuracyPruned}`);
    assert.ok(r.points.length >= 3);
    for (const p of r.points) {
      for (const k of ['threshold', 'shareFull', 'expectedCost', 'expectedCostFreeDecision', 'accuracy', 'accuracyFull', 'accuracyPruned'] as const) assert.ok(Number.isFinite(p[k]), `${k} ${p[k]}`);
      assert.ok(Math.abs(p.expectedCost - (cp + p.shareFull)) < 1e-12);
    }
    // routing none: the pruned expert alone at cost c_p; routing all: the full expert's accuracy at c_p + 1
    const none = r.points.find((p) => p.shareFull === 0)!;
    const all = r.points.find((p) => p.shareFull === 1)!;
    assert.ok(none && all, `${signal}: both endpoints are on the default curve`);
    assert.equal(none.accuracy, r.accuracyPruned);
    assert.equal(none.expectedCost, cp);
    assert.ok(Math.abs(all.accuracy - r.accuracyFull) < 1e-12);
    assert.equal(all.expectedCost, cp + 1);
    // for maxProb the lowest threshold routes nothing, for entropy the highest
    const ends = signal === 'maxProb' ? [r.points[0]!, r.points.at(-1)!] : [r.points.at(-1)!, r.points[0]!];
    assert.deepEqual(ends.map((p) => p.shareFull), [0, 1]);
    // share is monotonic in the threshold: rising for maxProb, falling for entropy
    for (let i = 1; i < r.points.length; i++) {
      const [a, b] = [r.points[i - 1]!, r.points[i]!];
      assert.ok(a.threshold < b.threshold);
      assert.ok(signal === 'maxProb' ? b.shareFull >= a.shareFull : b.shareFull <= a.shareFull, `${signal}: share ${a.shareFull} → ${b.shareFull}`);
    }
    // no-loss point: the cheapest with accuracy ≥ full accuracy
    assert.ok(r.noLoss);
    assert.ok(r.noLoss.accuracy >= r.accuracyFull - 1e-9);
    for (const p of r.points) if (p.accuracy >= r.accuracyFull - 1e-9) assert.ok(p.expectedCost >= r.noLoss.expectedCost);
  }
  assert.equal(tf.memory().numTensors, before, 'the sweep leaks no tensors');
});

test('explicit thresholds: the router uses the pruned expert\'s signal; sweep results match a hand count', async () => {
  const mp = tf.tidy(() => maxProb(prunedNet.forward(tf.tensor(split.x, [split.n, 12]), { training: false, step: 0 })).dataSync());
  const sorted = Float64Array.from(mp).sort();
  const [lo, t] = [sorted[50]!, sorted[150]!];
  const r = await sweep('maxProb', [t, lo]);
  assert.deepEqual(r.points.map((p) => p.threshold), [lo, t], 'sorted');
  const routed = Array.from(mp).filter((v) => v < t).length;
  assert.ok(routed > 50 && routed <= 150, `${routed}`);
  assert.equal(r.points[1]!.routed, routed);
  assert.equal(r.points[1]!.shareFull, routed / split.n);
});

test('two tasks on stub experts: whole samples are routed by the least confident task', () => {
  // pure host part: outcomes as the device pass would produce them
  const o = { signal: Float32Array.from([0.2, 0.9, 0.5, 0.7]), prunedCorrect: Float32Array.from([0, 2, 1, 2]), fullCorrect: Float32Array.from([2, 1, 2, 2]), tasks: 2 };
  const r = sweepOutcomes(o, { signal: 'maxProb', prunedFlops: 1, fullFlops: 4 });
  assert.equal(r.accuracyPruned, 5 / 8);
  assert.equal(r.accuracyFull, 7 / 8);
  const half = r.points.find((p) => p.routed === 2)!; // samples 0 and 2
  assert.equal(half.accuracy, (2 + 2 + 2 + 2) / 8);
  assert.equal(half.expectedCost, 0.25 + 0.5);
  // routing sample 0 alone (threshold 0.5) already matches the full expert (7/8), at cost 0.25 + 0.25
  assert.equal(r.noLoss!.routed, 1);
  assert.equal(r.noLoss!.accuracy, 7 / 8);
  assert.equal(r.noLoss!.expectedCost, 0.5);
  // with a tolerance of 1/4 the pruned expert alone (5/8) qualifies
  assert.equal(sweepOutcomes(o, { signal: 'maxProb', prunedFlops: 1, fullFlops: 4, tolerance: 0.25 }).noLoss!.routed, 0);
  const f = Math.fround;
  assert.deepEqual(defaultThresholds(o.signal, 4), [f(0.2) - 1, f(0.2), f(0.5), f(0.7), f(0.9), f(0.9) + 1]);
  // thresholds that never reach full accuracy: no no-loss point
  assert.equal(sweepOutcomes(o, { signal: 'maxProb', prunedFlops: 1, fullFlops: 4, thresholds: [0] }).noLoss, undefined);
});

test('two tasks end to end: stub nets that emit fixed logits', async () => {
  const T: TaskSlice[] = [{ name: 'a', classes: 2 }, { name: 'b', classes: 2 }];
  // pruned: sample 0 confident and right on both; sample 1 unsure on task b and wrong there
  const prunedLogits = [[4, 0, 0, 4], [4, 0, 0, 0.1]];
  const fullLogits = [[4, 0, 0, 4], [4, 0, 4, 0]];
  const stub = (rows: number[][]): ForwardNet => ({ forward: (x) => tf.tensor2d(rows.slice(0, x.shape[0]!)) });
  const s: Split = { x: new Float32Array(2), y: Int32Array.from([0, 1, 0, 0]), n: 2 };
  const r = await routingSweep({ prunedNet: stub(prunedLogits), fullNet: stub(fullLogits), select: { name: 'validation', split: s }, report: { name: 'test', split: s }, tasks: T, sampleShape: [1], prunedFlops: 1, fullFlops: 2, signal: 'entropy', thresholds: [0.5] });
  // sample 1's task b entropy is ≈ ln 2 > 0.5: routed; sample 0's entropies are ≈ 0.1: kept
  assert.equal(r.points[0]!.routed, 1);
  assert.equal(r.accuracyPruned, 3 / 4);
  assert.equal(r.accuracyFull, 4 / 4);
  assert.equal(r.points[0]!.accuracy, 1);
  assert.equal(r.points[0]!.expectedCost, 0.5 + 0.5);
});
