/**
 * A classifier that ends in a softmax (every Keras classifier does) trains exactly like its logits twin: the trainer
 * takes the logits before that softmax, never log-softmax of probabilities.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseModelText, type ModelFile } from '../../spec';
import type { MetricRecord } from '../../protocol/trainer';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { TrainingLoop } from './loop';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

function model(text: string, file: string, readFile?: (p: string) => string): ModelFile {
  const r = parseModelText(text, file, readFile ? { readFile } : {});
  assert.ok(r.model, JSON.stringify(r.diagnostics));
  return r.model;
}

async function train(m: ModelFile): Promise<{ losses: number[]; final: Record<string, number> }> {
  const losses: number[] = [];
  const loop = new TrainingLoop({
    model: m, dataset: loadDataset(m.data, { seed: m.train.seed, baseDir: EXAMPLES }), logEvery: 1,
    events: { onMetrics: (rs: MetricRecord[]) => { for (const r of rs) if (r.split === 'train' && typeof r.loss === 'number') losses.push(r.loss); } },
  });
  const r = await loop.run();
  loop.dispose();
  assert.equal(r.status, 'completed', r.error);
  return { losses, final: r.final };
}

const blobs = (last: string) => `name: blobs
data: { source: synthetic, kind: blobs, samples: 1024, classes: 4, features: 16 }
model:
  input: [16]
  layers:
    - { type: dense, units: 32, activation: relu }
    ${last}
train: { steps: 40, batchSize: 32, optimizer: { type: adam, lr: 0.01 }, seed: 5, backend: wasm }
`;

test('a final softmax (on the dense layer or as its own layer) gives the same loss at every step as the logits model', async () => {
  await initBackend('wasm');
  const logits = await train(model(blobs('- { type: dense, units: 4 }'), '/m/a.dynaxx.yaml'));
  assert.equal(logits.losses.length, 40);
  for (const last of ['- { type: dense, units: 4, activation: softmax }', '- { type: dense, units: 4 }\n    - { type: activation, activation: softmax }']) {
    const soft = await train(model(blobs(last), '/m/b.dynaxx.yaml'));
    assert.equal(soft.losses.length, logits.losses.length);
    soft.losses.forEach((l, i) => assert.ok(Math.abs(l - logits.losses[i]!) < 1e-5, `step ${i + 1}: ${l} vs ${logits.losses[i]}`));
    assert.ok(soft.losses[39]! < soft.losses[0]! * 0.5, `it learns: ${soft.losses[0]} -> ${soft.losses[39]}`);
  }
});

for (const name of ['keras-mlp', 'keras-cnn']) {
  test(`examples/${name}: the Keras export (final Dense softmax) reaches the same accuracy as its logits twin`, async () => {
    await initBackend('wasm');
    const file = join(EXAMPLES, `${name}.dynaxx.yaml`);
    const text = `${readFileSync(file, 'utf8').replace(/train:[\s\S]*$/, '')}train: { steps: 25, batchSize: 32, evalEvery: 25, seed: 3, backend: wasm }\n`
      .replace('source: fashion-mnist', 'source: fashion-mnist\n  limit: 2000\n  validation: 0.2');
    const keras = model(text, file);
    const json = JSON.parse(readFileSync(keras.modelJson!, 'utf8')) as { modelTopology: { model_config: { config: { layers: Array<{ config: { activation?: string } }> } } } };
    const layers = json.modelTopology.model_config.config.layers;
    assert.equal(layers[layers.length - 1]!.config.activation, 'softmax', 'the example ends the way Keras classifiers do');
    layers[layers.length - 1]!.config.activation = 'linear';
    const twin = model(text, file, () => JSON.stringify(json));
    const a = await train(keras);
    const b = await train(twin);
    assert.ok(Math.abs(a.final.valAccuracy! - b.final.valAccuracy!) < 1e-6, `softmax ${a.final.valAccuracy} vs logits ${b.final.valAccuracy}`);
    assert.ok(a.final.valAccuracy! > 0.4, `it learns: ${a.final.valAccuracy}`);
  });
}
