/** End to end: `dynaxx train` on a small synthetic model, and what it leaves in the run directory. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listEventFiles, readEventFile } from '../trainer/store/tensorboard';
import { blobsModel, onlyRun, runCli, tempDir, writeModel } from './helpers';

test('train completes, prints a summary, and stores metrics, checkpoints and TensorBoard events', () => {
  const dir = tempDir();
  const model = writeModel(dir, 'blobs.dynaxx.yaml', blobsModel({ steps: 60 }));
  const runs = join(dir, 'runs');
  const r = runCli(['train', model, '--runs-dir', runs, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /status\s+completed/);
  assert.match(r.stdout, /valAccuracy\s+0\.\d+/);
  const run = onlyRun(runs);

  const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'completed');
  assert.equal(meta.backend, 'cpu');
  assert.equal(meta.step, 60);
  assert.ok(meta.final.valAccuracy > 0.5, `blobs should be learnable, got ${meta.final.valAccuracy}`);

  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const train = metrics.filter((m) => m.split === 'train');
  const val = metrics.filter((m) => m.split === 'validation');
  assert.ok(train.length >= 3 && val.length === 3, `train ${train.length}, validation ${val.length}`);
  assert.ok(train[train.length - 1].loss < train[0].loss, 'training loss goes down');
  for (const m of train) for (const k of ['loss', 'accuracy', 'lr', 'gradNorm', 'samplesPerSec']) assert.equal(typeof m[k], 'number', k);

  // tfjs-format checkpoint: model.json with a weights manifest naming every layer's weights
  const ckpts = readdirSync(join(run, 'checkpoints')).filter((n) => n.startsWith('step-'));
  assert.ok(ckpts.includes('step-00000060'), ckpts.join(','));
  const manifest = JSON.parse(readFileSync(join(run, 'checkpoints', 'step-00000060', 'model.json'), 'utf8'));
  const names = manifest.weightsManifest[0].weights.map((w: { name: string }) => w.name);
  assert.deepEqual(names.sort(), ['hidden/bias', 'hidden/kernel', 'logits/bias', 'logits/kernel']);
  assert.ok(existsSync(join(run, 'checkpoints', 'step-00000060', 'weights.bin')));

  // TensorBoard event files: framing and CRCs verified by the reader
  const trainEvents = listEventFiles(join(run, 'tb', 'train')).flatMap((f) => readEventFile(f));
  assert.equal(trainEvents[0].fileVersion, 'brain.Event:2');
  const lossSteps = trainEvents.flatMap((e) => e.scalars.filter((s) => s.tag === 'loss').map(() => e.step));
  assert.deepEqual(lossSteps, train.map((m) => m.step));
  const valEvents = listEventFiles(join(run, 'tb', 'validation')).flatMap((f) => readEventFile(f));
  assert.ok(valEvents.some((e) => e.scalars.some((s) => s.tag === 'accuracy')));

  // the resolved spec and the file as written are kept
  assert.equal(readFileSync(join(run, 'model.dynaxx.yaml'), 'utf8'), readFileSync(model, 'utf8'));
  assert.equal(JSON.parse(readFileSync(join(run, 'spec.json'), 'utf8')).train.steps, 60);

  // runs lists it; eval reproduces the stored validation accuracy from the checkpoint
  const list = runCli(['runs', '--runs-dir', runs]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /completed/);
  const ev = runCli(['eval', meta.id, '--runs-dir', runs, '--split', 'validation', '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const evr = JSON.parse(ev.stdout);
  assert.equal(evr.step, 60);
  assert.ok(Math.abs(evr.accuracy - meta.final.valAccuracy) < 1e-9, `${evr.accuracy} vs ${meta.final.valAccuracy}`);
});

test('the same seed gives the same run on the cpu and wasm backends', () => {
  const dir = tempDir();
  const model = writeModel(dir, 'blobs.dynaxx.yaml', blobsModel({ steps: 40 }));
  const a = JSON.parse(runCli(['train', model, '--runs-dir', join(dir, 'a'), '--json']).stdout);
  const b = JSON.parse(runCli(['train', model, '--runs-dir', join(dir, 'b'), '--json']).stdout);
  assert.equal(a.status, 'completed');
  assert.equal(a.valLoss, b.valLoss);
  const c = JSON.parse(runCli(['train', model, '--runs-dir', join(dir, 'c'), '--json', '--seed', '8']).stdout);
  assert.notEqual(a.valLoss, c.valLoss);
  const w1 = JSON.parse(runCli(['train', model, '--runs-dir', join(dir, 'w1'), '--json', '--backend', 'wasm']).stdout);
  const w2 = JSON.parse(runCli(['train', model, '--runs-dir', join(dir, 'w2'), '--json', '--backend', 'wasm']).stdout);
  assert.equal(w1.backend, 'wasm');
  assert.equal(w1.valLoss, w2.valLoss, 'the same seed gives the same run on wasm too');
});

test('check prints shapes, parameters and FLOPs per layer', () => {
  const r = runCli(['check', 'examples/fashion-cnn.dynaxx.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /params/);
  assert.match(r.stdout, /\[28, 28, 32\]/);
});

test('a model defined by a Keras/tfjs model.json trains like a model file, with the Keras layer names as ids', () => {
  const dir = tempDir();
  writeModel(dir, 'model.json', JSON.stringify({
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'seq', layers: [
      { class_name: 'Dense', config: { name: 'd1', units: 32, activation: 'relu', use_bias: true, batch_input_shape: [null, 16] } },
      { class_name: 'Dropout', config: { name: 'drop', rate: 0.1 } },
      { class_name: 'Dense', config: { name: 'out', units: 4, activation: 'linear' } },
    ] } },
  }));
  const file = writeModel(dir, 'keras.dynaxx.yaml', `name: from-keras
data: { source: synthetic, kind: blobs, samples: 2048, classes: 4, features: 16 }
model: { modelJson: ./model.json }
train: { steps: 40, batchSize: 32, backend: cpu }
`);
  const runs = join(dir, 'runs');
  const r = runCli(['train', file, '--runs-dir', runs, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'completed');
  const names = JSON.parse(readFileSync(join(onlyRun(runs), 'checkpoints', 'step-00000040', 'model.json'), 'utf8')).weightsManifest[0].weights.map((w: { name: string }) => w.name);
  assert.deepEqual(names.sort(), ['d1/bias', 'd1/kernel', 'out/bias', 'out/kernel']);
});

test('train.statsEvery writes per-layer gradient, update, weight and activation statistics to layer-stats.jsonl', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'stats.dynaxx.yaml', blobsModel({ steps: 45 }).replace('  seed: 7', '  seed: 7\n  statsEvery: 20'));
  const runs = join(dir, 'runs');
  const r = runCli(['train', file, '--runs-dir', runs, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const recs = readFileSync(join(onlyRun(runs), 'layer-stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((x) => x.step), [0, 20, 40]);
  const hidden = recs[1].layers.find((l: { layerId: string }) => l.layerId === 'hidden');
  for (const k of ['gradNorm', 'updateNorm', 'weightNorm', 'activationMean', 'activationVar']) assert.ok(Number.isFinite(hidden[k]) && (k === 'activationMean' || hidden[k] > 0), `${k} = ${hidden[k]}`);
  assert.ok(recs[1].layers.some((l: { layerId: string }) => l.layerId === 'logits'));
});

test('a --json line longer than a pipe buffer arrives whole (the CLI exits after stdout is flushed)', () => {
  const r = runCli(['check', '--json', '--backend', 'wasm', 'examples/deep-residual.dynaxx.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.length > 65536, `only ${r.stdout.length} bytes: the test needs output over 64 KiB`);
  const doc = JSON.parse(r.stdout) as { layers: unknown[] };
  assert.ok(doc.layers.length > 2);
});
