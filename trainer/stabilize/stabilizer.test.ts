/**
 * The stabilizer in the training loop: the plain loop is unchanged, no extra host reads (monitors off),
 * no tensor leaks, loss spikes halve the LR for lrSteps, a healthy run raises no alert, exact resume.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Alert, MetricRecord } from '../../protocol/trainer';
import { parseModelText } from '../../spec';
import type { StabilizeSpec } from '../../spec/types';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import type { StepStats, TrainingHook } from '../engine/hooks';
import { TrainingLoop, type Snapshot } from '../engine/loop';
import { SequentialModel } from '../engine/model';
import { monitorHook } from '../monitors/hook';
import { getMonitor } from '../monitors/registry';
import { Stabilizer, stabilizerFor } from './stabilizer';
import { allOff, defaultStabilize } from './test-spec';

const MODEL = (steps: number, extra = '') => `name: t
data: { source: synthetic, kind: two-task, samples: 512, classes: 3, features: 8 }
model:
  input: [8]
  layers:
    - { type: dense, name: a, units: 16, activation: relu }
    - { type: batchNorm, name: bn }
    - type: residual
      layers:
        - { type: dense, units: 16, activation: relu }
        - { type: dense, units: 16 }
    - { type: dropout, rate: 0.2 }
    - { type: dense, name: out, units: 6 }
train: { steps: ${steps}, batchSize: 16, clipNorm: 1.0, evalEvery: 10, seed: 3, backend: cpu${extra} }
`;

/** valLoss of MODEL(40) with logEvery 5 on the cpu backend, measured before the stabilizer existed. */
const PLAIN_VAL_LOSS = 2.6401935652190565;
const PLAIN_READS = 14;

function setup(steps: number, extra = '') {
  const r = parseModelText(MODEL(steps, extra), 't.dynaxx.yaml');
  assert.ok(r.model, JSON.stringify(r.diagnostics));
  return { model: r.model, dataset: loadDataset(r.model.data, { seed: 3 }) };
}

/** Counts tensor reads (data() and dataSync()) while `f` runs. */
async function countReads<T>(f: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const proto = tf.Tensor.prototype as unknown as Record<'data' | 'dataSync', (...a: unknown[]) => unknown>;
  const { data, dataSync } = proto;
  let reads = 0;
  proto.data = function (this: unknown, ...a: unknown[]) { reads++; return data.apply(this, a); };
  proto.dataSync = function (this: unknown, ...a: unknown[]) { reads++; return dataSync.apply(this, a); };
  try {
    return { result: await f(), reads };
  } finally {
    proto.data = data;
    proto.dataSync = dataSync;
  }
}

async function train(steps: number, spec: StabilizeSpec | undefined, opts: { hooks?: TrainingHook[]; extra?: string } = {}) {
  const { model, dataset } = setup(steps, opts.extra);
  const records: MetricRecord[] = [];
  const alerts: Alert[] = [];
  const loop = new TrainingLoop({ model, dataset, logEvery: 5, hooks: opts.hooks, stabilizer: spec ? stabilizerFor(spec) : undefined });
  const { result, reads } = await countReads(() => loop.run({ onMetrics: (r) => records.push(...r), onAlert: (a) => alerts.push(a) }));
  return { loop, result, reads, records, alerts };
}

/** One read per training-metrics flush and per evaluation (+1: the final validation, not emitted). */
const expectedReads = (records: MetricRecord[]) => records.length + 1;

test('without a stabilizer the loop is unchanged: same final loss and host reads as before; all-off stabilizer too', async () => {
  await initBackend('cpu');
  const plain = await train(40, undefined);
  plain.loop.dispose();
  assert.equal(plain.result.status, 'completed');
  assert.equal(plain.result.final.valLoss, PLAIN_VAL_LOSS);
  assert.equal(plain.reads, PLAIN_READS);
  assert.equal(plain.reads, expectedReads(plain.records), 'steps/logEvery + evals, no per-step read');
  const off = await train(40, allOff(5));
  off.loop.dispose();
  assert.equal(off.result.final.valLoss, PLAIN_VAL_LOSS);
  assert.equal(off.reads, PLAIN_READS);
});

test('spectral on, residual scheduled, depth LR, monitors off: no extra host reads; bounds hold', async () => {
  await initBackend('cpu');
  const on = await train(40, defaultStabilize(300, { monitors: [] }));
  assert.equal(on.result.status, 'completed', on.result.error);
  assert.equal(on.reads, expectedReads(on.records));
  assert.equal(on.reads, PLAIN_READS);
  assert.notEqual(on.result.final.valLoss, PLAIN_VAL_LOSS, 'the stabilizer does change training');
  // the depth LR shows in the metrics: warm-up 4 steps (10% of 40), peak base·(100/300)^0.5
  const lrs = on.records.filter((r) => r.split === 'train').map((r) => Number(r.lr));
  assert.ok(lrs.every((lr) => lr <= 0.001 * Math.sqrt(1 / 3) + 1e-12), JSON.stringify(lrs));
  const stab = on.loop.stabilizer as Stabilizer;
  assert.equal(stab.warmup, 4);
  assert.ok(stab.notes.some((n) => /scaled to 4 steps/.test(n)), stab.notes.join('\n'));
  // every matrix is under the final bound (σ estimate before the last rescale can exceed it; the weights cannot by much)
  for (const [layerId, sig] of stab.spectral!.sigmaByLayer()) assert.ok(sig[0].dataSync()[0] < 2.0 * 1.5, layerId);
  on.loop.dispose();
});

test('statistics include σ per layer and the bound, from the same single read', async () => {
  await initBackend('cpu');
  const got: StepStats[] = [];
  const hook: TrainingHook = { id: 'h', every: 10, onStats: (s) => { got.push(s); } };
  const run = await train(20, defaultStabilize(300), { hooks: [hook] });
  run.loop.dispose();
  assert.deepEqual(got.map((s) => s.step), [0, 10]);
  assert.equal(run.reads, expectedReads(run.records) + got.length, 'one read per statistics step');
  const s = got[1];
  assert.ok(Math.abs(s.spectralBound! - (0.9 + 1.1 * 10 / 20)) < 1e-9);
  const withSigma = s.layers.filter((l) => l.spectralNorm !== undefined).map((l) => l.layerId);
  assert.deepEqual(withSigma, ['a', 'layers[2][0].layers[0]', 'layers[2][0].layers[1]', 'out']);
  for (const l of s.layers) if (l.spectralNorm !== undefined) assert.ok(l.spectralNorm > 0 && l.spectralNorm < 1.5 * s.spectralBound!, `${l.layerId} σ ${l.spectralNorm}`);
});

test('no tensor leaks with the stabilizer on (spectral, learnable α, statistics): stable count, all freed', async () => {
  await initBackend('cpu');
  const base = tf.memory().numTensors;
  const counts: number[] = [];
  for (const steps of [4, 24]) {
    const spec = defaultStabilize(300, { residual: { mode: 'learnable' } });
    const run = await train(steps, spec, { hooks: [{ id: 'h', every: 3, wants: { gradients: true }, onStats: () => undefined }] });
    assert.equal(run.result.status, 'completed', run.result.error);
    counts.push(tf.memory().numTensors);
    run.loop.dispose();
    assert.equal(tf.memory().numTensors, base, 'everything freed after dispose');
  }
  assert.equal(counts[0], counts[1], `after 4 steps ${counts[0]}, after 24 ${counts[1]}`);
});

test('learnable α moves during training and is checkpointed; a resumed run ends exactly where an uninterrupted one does', async () => {
  await initBackend('cpu');
  const spec = defaultStabilize(300, { residual: { mode: 'learnable', lr: 0.05 } });
  const { model, dataset } = setup(30);
  const full = new TrainingLoop({ model, dataset, stabilizer: stabilizerFor(spec) });
  const a = await full.run({});
  const alpha = (full.stabilizer as Stabilizer).residual.trainable()[0];
  assert.equal(alpha.name, 'layers[2][0]/alpha');
  assert.notEqual(alpha.variable.dataSync()[0], Math.fround(0.1));
  full.dispose();
  // stop a run of the same length at step 13 (a checkpoint is written on cancel), then resume it
  const stop = new AbortController();
  let snap: Snapshot | undefined;
  const first = new TrainingLoop({ model, dataset, signal: stop.signal, stabilizer: stabilizerFor(spec) });
  const r1 = await first.run({ onProgress: (step) => { if (step === 13) stop.abort(); }, onCheckpoint: (s) => { snap = s; } });
  first.dispose();
  assert.equal(r1.status, 'cancelled');
  assert.equal(snap!.step, 13);
  assert.ok(snap!.weights.some((w) => w.name === 'layers[2][0]/alpha') && snap!.weights.some((w) => w.name === 'a/kernel/spectralU'));
  const rest = new TrainingLoop({ model, dataset, resume: snap, stabilizer: stabilizerFor(spec) });
  const b = await rest.run({});
  rest.dispose();
  assert.equal(b.status, 'completed');
  assert.equal(b.final.valLoss, a.final.valLoss);
});

test('loss spike: an alert, then the LR halved for lrSteps steps and restored', async () => {
  await initBackend('cpu');
  const net = new SequentialModel(setup(1).model.layers, 1);
  const spec = defaultStabilize(100, { lr: { enabled: false }, safety: { lrSteps: 100 } });
  const stab = new Stabilizer(spec, { net, totalSteps: 1000, train: { ...setup(1).model.train, schedule: { type: 'constant', warmupSteps: 0, minFactor: 0 } } });
  for (const [i, loss] of [1.0, 1.1, 0.9, 1.0].entries()) assert.deepEqual(stab.onTrainLoss(20 * (i + 1), loss), []);
  assert.equal(stab.lr(99, 0.1), 0.1);
  const [alert] = stab.onTrainLoss(100, 3.5);
  assert.equal(alert.kind, 'loss-spike');
  assert.equal(alert.step, 100);
  assert.equal(alert.value, 3.5);
  assert.ok(Math.abs(alert.threshold! - 3 * 1.0) < 1e-12);
  assert.match(alert.message, /multiplied by 0.5 for the next 100 steps/);
  assert.equal(stab.lr(100, 0.1), 0.05);
  assert.equal(stab.lr(199, 0.1), 0.05);
  assert.equal(stab.lr(200, 0.1), 0.1);
  // a normal loss is not a spike; a loss under 3× the median neither
  assert.deepEqual(stab.onTrainLoss(120, 2.9), []);
  stab.dispose();
  net.dispose();
});

test('a healthy short run with the stabilizer and all its monitors raises no alert', async () => {
  await initBackend('cpu');
  const spec = defaultStabilize(300);
  const emitted: Alert[] = [];
  const hook = monitorHook(spec.monitors.map((id) => getMonitor(id)), { every: spec.monitorEvery, emit: (a) => emitted.push(a) });
  const run = await train(120, spec, { hooks: [hook] });
  run.loop.dispose();
  assert.equal(run.result.status, 'completed', run.result.error);
  assert.deepEqual([...emitted, ...run.alerts].map((a) => a.message), []);
});
