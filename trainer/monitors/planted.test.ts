/** A real training run with one layer made to explode mid-run: the monitors name that layer, and stay quiet before. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Alert } from '../../protocol/trainer';
import { parseModelText } from '../../spec';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { TrainingLoop } from '../engine/loop';
import { monitorHook } from './hook';
import { getMonitor } from './registry';

const MODEL = `name: planted
data: { source: synthetic, kind: blobs, samples: 1024, classes: 4, features: 16 }
model:
  input: [16]
  layers:
    - { type: dense, name: stem, units: 16, activation: tanh }
    - type: residual
      name: blocks
      repeat: 8
      layers:
        - { type: layerNorm, name: norm }
        - { type: dense, name: dense, units: 16 }
    - { type: dense, name: logits, units: 4 }
train: { steps: 60, batchSize: 32, optimizer: { type: adam, lr: 0.001 }, seed: 5, backend: cpu }
`;

test('a layer planted to explode at step 30 is named by the monitors; nothing fires before it', async () => {
  await initBackend('cpu');
  const { model } = parseModelText(MODEL, 'planted.dynaxx.yaml');
  assert.ok(model);
  const dataset = loadDataset(model.data, { seed: 5 });
  const alerts: Alert[] = [];
  const monitors = ['nonfinite', 'grad-norm', 'activation-variance', 'update-norm'].map((id) => getMonitor(id));
  let loop: TrainingLoop | undefined;
  const PLANTED = 'blocks[5].dense';
  const plant = {
    id: 'plant',
    every: 30,
    onStats(s: { step: number }) {
      if (s.step !== 30) return;
      const v = loop!.net.trainable().find((w) => w.name === `${PLANTED}/kernel`)!.variable;
      const big = tf.tidy(() => tf.mul(v, 1e3));
      v.assign(big);
      big.dispose();
    },
  };
  loop = new TrainingLoop({ model, dataset, hooks: [monitorHook(monitors, { every: 5, emit: (a) => alerts.push(a) }), plant] });
  const r = await loop.run({});
  loop.dispose();
  assert.equal(r.status, 'completed', r.error);
  assert.deepEqual(alerts.filter((a) => a.step <= 30), [], 'a healthy run raises nothing');
  const after = alerts.filter((a) => a.step > 30);
  assert.ok(after.some((a) => a.layerId === PLANTED), `alerts after the plant: ${after.map((a) => `${a.kind}@${a.layerId}`).join(', ')}`);
  for (const a of after) assert.ok(a.value! > a.threshold!, `${a.kind} on ${a.layerId}: value ${a.value} above threshold ${a.threshold}`);
});
