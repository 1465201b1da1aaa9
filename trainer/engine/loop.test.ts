import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { parseModelText } from '../../spec';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import type { StepStats } from './hooks';
import { TrainingLoop } from './loop';

function setup(steps: number, extra = '') {
  const text = `name: t
data: { source: synthetic, kind: two-task, samples: 512, classes: 3, features: 8 }
model:
  input: [8]
  layers:
    - { type: dense, name: a, units: 16, activation: relu }
    - { type: batchNorm, name: bn }
    - { type: dropout, rate: 0.2 }
    - { type: dense, name: out, units: 6 }
train: { steps: ${steps}, batchSize: 16, clipNorm: 1.0, evalEvery: 4, seed: 3, backend: cpu${extra} }
`;
  const r = parseModelText(text, 't.dynaxx.yaml');
  assert.ok(r.model, JSON.stringify(r.diagnostics));
  return { model: r.model, dataset: loadDataset(r.model.data, { seed: 3 }) };
}

test('no tensor leaks: the tensor count does not grow with the number of steps, and dispose frees everything', async () => {
  await initBackend('cpu');
  const base = tf.memory().numTensors;
  const counts: number[] = [];
  for (const steps of [4, 24]) {
    const { model, dataset } = setup(steps);
    const seen: number[] = [];
    const loop = new TrainingLoop({ model, dataset, logEvery: 2, hooks: [{ id: 'count', every: 3, wants: { gradients: true, activations: true, weights: true }, onStats: () => { seen.push(tf.memory().numTensors); } }] });
    const r = await loop.run({});
    assert.equal(r.status, 'completed', r.error);
    counts.push(tf.memory().numTensors);
    assert.ok(seen.length >= 2);
    loop.dispose();
    assert.equal(tf.memory().numTensors, base, 'everything freed after dispose');
  }
  assert.equal(counts[0], counts[1], `tensors after 4 steps: ${counts[0]}, after 24: ${counts[1]}`);
});

test('two-task training learns both tasks and reports per-task accuracy', async () => {
  await initBackend('cpu');
  const { model, dataset } = setup(300);
  const loop = new TrainingLoop({ model, dataset });
  const r = await loop.run({});
  loop.dispose();
  assert.equal(r.status, 'completed');
  assert.ok(r.final.valAccuracy_left > 0.5 && r.final.valAccuracy_right > 0.5, JSON.stringify(r.final));
});

test('hooks get per-layer gradient, update and weight norms and activation statistics from one read', async () => {
  await initBackend('cpu');
  const { model, dataset } = setup(3, ', optimizer: { type: sgd, lr: 0.1 }');
  const got: StepStats[] = [];
  const loop = new TrainingLoop({ model, dataset, hooks: [{ id: 'h', every: 1, wants: { gradients: true, weights: true }, onStats: (s) => { got.push(s); } }] });
  await loop.run({});
  loop.dispose();
  assert.deepEqual(got.map((s) => s.step), [0, 1, 2]);
  const s = got[1];
  const a = s.layers.find((l) => l.layerId === 'a')!;
  const grads = [s.gradients!.get('a/kernel')!, s.gradients!.get('a/bias')!];
  const norm = Math.sqrt(grads.reduce((t, g) => t + g.reduce((u, v) => u + v * v, 0), 0));
  assert.ok(Math.abs(a.gradNorm - norm) < 1e-4 * Math.max(1, norm), `${a.gradNorm} vs ${norm}`);
  assert.ok(a.updateNorm > 0 && a.weightNorm > 0);
  assert.ok(Number.isFinite(a.activationVar) && a.activationVar > 0);
  const bn = s.layers.find((l) => l.layerId === 'bn')!;
  assert.ok(Math.abs(bn.activationMean) < 0.2, 'batchNorm output is centred');
  assert.equal(s.weights!.get('out/kernel')!.length, 16 * 6);
});

test('a run resumed from a snapshot ends exactly where an uninterrupted one does', async () => {
  await initBackend('cpu');
  const { model, dataset } = setup(40);
  const full = new TrainingLoop({ model, dataset });
  const a = await full.run({});
  full.dispose();
  // run 17 steps (constant LR, so the shorter run sees the same rates), then snapshot
  const first = new TrainingLoop({ model: { ...model, train: { ...model.train, steps: 17 } }, dataset });
  await first.run({});
  const snap = await first.snapshot();
  first.dispose();
  const rest = new TrainingLoop({ model, dataset, resume: snap });
  assert.equal(rest.currentStep, 17);
  const b = await rest.run({});
  rest.dispose();
  assert.equal(b.final.valLoss, a.final.valLoss);
});

test('a positioned task (text, next character at each of T positions) trains; loss is per token, accuracy correct / (n·T)', async () => {
  await initBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-loop-text-'));
  try {
    // a bigram-predictable corpus: the next character is a function of the current one
    writeFileSync(join(dir, 'corpus.txt'), 'abcde fgh\n'.repeat(60));
    const text = `name: chars
data: { source: text, path: corpus.txt, context: 8, validation: 0.1 }
model:
  layers:
    - { type: embedding, name: emb, inputDim: 10, outputDim: 16 }
    - { type: dense, name: out, units: 10 }
train: { steps: 120, batchSize: 8, seed: 1, backend: cpu, optimizer: { type: adam, lr: 0.05 } }
`;
    const r = parseModelText(text, join(dir, 'chars.dynaxx.yaml'));
    assert.ok(r.model, JSON.stringify(r.diagnostics));
    assert.deepEqual(r.model.inputShape, [8]);
    const dataset = loadDataset(r.model.data, { seed: 1 });
    assert.equal(dataset.tasks[0]!.positions, 8);
    assert.equal(dataset.tasks[0]!.classes, 10);
    const before = tf.memory().numTensors;
    const loop = new TrainingLoop({ model: r.model, dataset, logEvery: 10 });
    const untrained = (await loop.evaluate(dataset.validation))!;
    assert.ok(untrained.loss > 1.5, `an untrained model is near log(10) per token, got ${untrained.loss}`);
    const res = await loop.run({});
    assert.equal(res.status, 'completed', res.error);
    assert.ok(res.final.valAccuracy > 0.95 && res.final.testAccuracy > 0.95, JSON.stringify(res.final));
    assert.ok(res.final.valLoss < 0.2, JSON.stringify(res.final));
    // evaluate() against a hand count over every position of the test split
    const split = dataset.test!;
    const m = (await loop.evaluate(split, 5))!;
    const logits = tf.tidy(() => loop.net.forward(tf.tensor(split.x, [split.n, 8]), loop.evalContext()));
    assert.deepEqual(logits.shape, [split.n, 8, 10]);
    const lv = await logits.data();
    logits.dispose();
    let right = 0;
    let nll = 0;
    for (let i = 0; i < split.n * 8; i++) {
      const row = Array.from(lv.subarray(i * 10, i * 10 + 10));
      const mx = Math.max(...row);
      nll += mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)) - row[split.y[i]!]!;
      if (row.indexOf(mx) === split.y[i]) right++;
    }
    assert.equal(m.accuracy, right / (split.n * 8));
    assert.ok(Math.abs(m.loss - nll / (split.n * 8)) < 1e-4, `${m.loss} vs ${nll / (split.n * 8)}`);
    loop.dispose();
    assert.equal(tf.memory().numTensors, before, 'everything freed after dispose');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
