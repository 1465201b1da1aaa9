/**
 * The loop and the divergence rule: a finite blow-up stops the run as `diverged` with a `divergence` alert, no
 * checkpoint is written while the loss is over the threshold, and a run resumed from a checkpoint diverges at the
 * same read as an uninterrupted one (the rule's state goes with the checkpoint).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, MetricRecord } from '../../protocol/trainer';
import { parseModelText } from '../../spec';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { TrainingLoop, type Snapshot } from './loop';

/** A deep unnormalized residual net under SGD at lr 3: its loss grows finitely, ~10× a step (NaN only after ~60 steps). */
function blowUp() {
  const text = `name: blow-up
data: { source: synthetic, kind: blobs, samples: 512, classes: 8, features: 32, validation: 0.1 }
model:
  input: [32]
  layers:
    - { type: dense, name: stem, units: 64 }
    - { type: residual, name: blocks, repeat: 8, layers: [{ type: dense, name: dense, units: 64, activation: tanh }] }
    - { type: dense, name: logits, units: 8 }
train: { steps: 40, batchSize: 64, checkpointEvery: 1, evalEvery: 100, optimizer: { type: sgd, lr: 3 }, seed: 42, backend: cpu }
`;
  const r = parseModelText(text, 'blow-up.dynaxx.yaml');
  assert.ok(r.model, JSON.stringify(r.diagnostics));
  return { model: r.model, dataset: loadDataset(r.model.data, { seed: 42 }) };
}

async function train(resume?: Snapshot) {
  const { model, dataset } = blowUp();
  const alerts: Alert[] = [];
  const losses: number[] = [];
  const checkpoints: Snapshot[] = [];
  const loop = new TrainingLoop({ model, dataset, logEvery: 1, resume });
  const result = await loop.run({
    onAlert: (a) => alerts.push(a),
    onMetrics: (rs: MetricRecord[]) => rs.forEach((r) => r.split === 'train' && losses.push(r.loss as number)),
    onCheckpoint: (s) => void checkpoints.push(s),
  });
  loop.dispose();
  return { result, alerts, losses, checkpoints };
}

test('a finite blow-up stops the loop as diverged, with the alert, and no checkpoint over the threshold', async () => {
  await initBackend('cpu');
  const { result, alerts, losses, checkpoints } = await train();
  assert.equal(result.status, 'diverged', result.error);
  assert.ok(result.step < 40);
  assert.ok(losses.every(Number.isFinite) && losses.at(-1)! > 100 * losses[0]!, `${losses}`);
  const alert = alerts.find((a) => a.kind === 'divergence')!;
  assert.ok(alert && alert.severity === 'error' && alert.step === result.step, JSON.stringify(alerts));
  assert.ok(alert.value! > alert.threshold!);
  const since = Number(/since step (\d+)/.exec(result.error!)![1]);
  assert.equal(result.step, since + 2, '3 reads in a row at logEvery 1');
  assert.deepEqual(checkpoints.map((c) => c.step), Array.from({ length: since - 1 }, (_, i) => i + 1), 'a checkpoint every step until the streak began');
  assert.deepEqual(result.final, {}, 'no final evaluation of blown-up weights');
});

test('resumed from a checkpoint before the blow-up, the run diverges at the same read as an uninterrupted one', async () => {
  await initBackend('cpu');
  const full = await train();
  const at = full.checkpoints.at(-2)!;
  assert.ok(at.state.divergence, 'the rule\'s state is in the checkpoint');
  const resumed = await train(at);
  assert.equal(resumed.result.status, 'diverged');
  assert.equal(resumed.result.step, full.result.step);
  assert.equal(resumed.result.error, full.result.error);
});
