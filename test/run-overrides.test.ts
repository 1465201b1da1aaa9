// Every way into a run follows the model file's rules: protocol overrides are checked like `train:` fields, and a
// model that cannot be allocated fails before anything is written, as a positioned SpecError (not a RangeError).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SpecError } from '../spec/types';
import { UserError } from '../trainer/errors';
import { applyOverrides, startRun } from '../trainer/session';
import { loadModelText } from '../spec';
import { blobsModel, tempDir, writeModel } from './helpers';

test('overrides.epochs: -1 and batchSize: 0 are refused before a run starts, naming the override and the rule', async () => {
  const dir = tempDir();
  const file = writeModel(dir, 'm.dynaxx.yaml', blobsModel());
  const runsDir = join(dir, 'runs');
  await assert.rejects(startRun(file, { epochs: -1 }, { runsDir }), (e: unknown) =>
    e instanceof UserError && e.message === 'overrides.epochs -1: train.epochs must be a positive integer');
  await assert.rejects(startRun(file, { batchSize: 0, lr: Number.NaN }, { runsDir }), (e: unknown) =>
    e instanceof UserError && /overrides\.batchSize 0: train\.batchSize must be a positive integer/.test(e.message) && /overrides\.lr NaN/.test(e.message));
  await assert.rejects(startRun(file, { batchsize: 8 } as never, { runsDir }), /unknown setting 'batchsize' \(did you mean 'batchSize'\?\)/);
  assert.equal(existsSync(runsDir), false, 'nothing written');
});

test('applyOverrides checks too (resume, eval), and good overrides still apply', () => {
  const model = loadModelText(blobsModel(), '/m.dynaxx.yaml');
  assert.throws(() => applyOverrides(model, { steps: -7 }), UserError);
  const m = applyOverrides(model, { epochs: 2, batchSize: 8, lr: 0.1, limit: 100, seed: 3 });
  assert.deepEqual([m.train.epochs, m.train.steps, m.train.batchSize, m.train.optimizer.lr, m.data.limit, m.train.seed], [2, 0, 8, 0.1, 100, 3]);
});

test('a model that cannot be allocated fails at the layer before anything is written', async () => {
  const dir = tempDir();
  const file = writeModel(dir, 'huge.dynaxx.yaml', blobsModel().replace('units: 32', 'units: 1e12'));
  const runsDir = join(dir, 'runs');
  await assert.rejects(startRun(file, undefined, { runsDir }), (e: unknown) =>
    e instanceof SpecError && /huge\.dynaxx\.yaml:6:\d+: error: layer 'hidden' \(dense, units: 1e12\)/.test(e.message));
  const wide = writeModel(dir, 'wide.dynaxx.yaml', blobsModel().replace('units: 32', 'units: 5e6'));
  await assert.rejects(startRun(wide, undefined, { runsDir }), (e: unknown) =>
    e instanceof SpecError && /outputs 5e6 values per sample/.test(e.message));
  assert.equal(existsSync(runsDir), false);
});
