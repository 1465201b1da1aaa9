/** Bad input and faults: each gives a clear error or leaves a run directory that can be resumed. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCheckpoint } from '../trainer/store/checkpoint';
import { blobsModel, exited, onlyRun, runCli, spawnCli, tempDir, waitFor, writeModel } from './helpers';

function badModel(text: string) {
  const dir = tempDir();
  const file = writeModel(dir, 'bad.dynaxx.yaml', text);
  return { dir, file, r: runCli(['train', file, '--runs-dir', join(dir, 'runs'), '--quiet']) };
}

test('malformed YAML: exit 2 with file:line:col, nothing written', () => {
  const { dir, r } = badModel('name: x\nmodel:\n  input: [4\n  layers: []\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.dynaxx\.yaml:\d+:\d+: error/);
  assert.equal(existsSync(join(dir, 'runs')), false);
});

test('unknown key: the position and a did-you-mean', () => {
  const { r } = badModel(blobsModel().replace('units: 32', 'unts: 32'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.dynaxx\.yaml:6:\d+: error: .*unts.*did you mean 'units'/);
});

test('wrong type: says what was expected', () => {
  const { r } = badModel(blobsModel().replace('units: 32', 'units: many'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.dynaxx\.yaml:6:\d+: error: .*units/);
});

test('shapes that do not fit: the error names both layers', () => {
  const { r } = badModel(blobsModel().replace("- { type: dropout, rate: 0.1 }", "- { type: conv2d, name: conv, filters: 4, kernelSize: 3 }"));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.dynaxx\.yaml:\d+:\d+: error: .*conv.*hidden|hidden.*conv/);
});

test('a model whose output does not match the data: points at the last layer', () => {
  const { r } = badModel(blobsModel().replace('units: 4 }', 'units: 5 }'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.dynaxx\.yaml:8:\d+: .*4 classes/);
});

test('a missing data file: names the path and what to do', () => {
  const { r } = badModel(blobsModel().replace('{ source: synthetic, kind: blobs, samples: 2048, classes: 4, features: 16 }', '{ source: csv, path: ./nowhere.csv }'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nowhere\.csv/);
});

test('NaN in the data: names the file, the line and the column', () => {
  const dir = tempDir();
  const rows = ['a,b,label'];
  for (let i = 0; i < 40; i++) rows.push(`${i % 3},${i % 5},${i % 2}`);
  rows[17] = '1,NaN,0';
  writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  const file = writeModel(dir, 'csv.dynaxx.yaml', `name: csv
data: { source: csv, path: ./data.csv }
model:
  input: [2]
  layers:
    - { type: dense, units: 2 }
train: { steps: 5, batchSize: 8, backend: cpu }
`);
  const r = runCli(['train', file, '--runs-dir', join(dir, 'runs'), '--quiet']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /data\.csv:18:\d+/);
});

test('a requested backend that cannot load says what is missing', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'm.dynaxx.yaml', blobsModel());
  const r = runCli(['train', file, '--runs-dir', join(dir, 'runs'), '--backend', 'tensorflow', '--quiet']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /tfjs-node/);
});

test('a NaN loss stops the run as diverged, with an alert, and keeps the last good checkpoint', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'diverge.dynaxx.yaml', blobsModel({ steps: 400, checkpointEvery: 1, lr: 1e9, optimizer: 'sgd' }));
  const runs = join(dir, 'runs');
  const r = runCli(['train', file, '--runs-dir', runs, '--quiet', '--log-every', '1']);
  assert.equal(r.code, 1, r.stderr);
  const run = onlyRun(runs);
  const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'diverged', 'a non-finite loss is divergence (trainer/engine/divergence.ts), not a failure');
  assert.match(meta.error, /not finite/);
  const alerts = readFileSync(join(run, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(alerts.some((a) => a.kind === 'nan' || a.kind === 'inf'), JSON.stringify(alerts));
  const ckpt = readCheckpoint(run);
  assert.ok(ckpt, 'a checkpoint from before the divergence is kept');
  assert.ok(ckpt.step < meta.step || ckpt.step <= alerts[0].step);
  for (const w of ckpt.weights) assert.ok(w.data.every(Number.isFinite), `${w.name} is finite`);
});

test('SIGKILL mid-run leaves a readable run that resumes to completion', async () => {
  const dir = tempDir();
  const file = writeModel(dir, 'long.dynaxx.yaml', blobsModel({ steps: 4000, checkpointEvery: 50 }));
  const runs = join(dir, 'runs');
  const child = spawnCli(['train', file, '--runs-dir', runs, '--quiet']);
  await waitFor(() => existsSync(runs) && readdirSync(runs).length === 1 && existsSync(join(onlyRun(runs), 'checkpoints', 'latest.json')), 60_000, 'a first checkpoint');
  child.kill('SIGKILL');
  await exited(child);
  const run = onlyRun(runs);
  const list = JSON.parse(runCli(['runs', '--runs-dir', runs, '--json']).stdout);
  assert.equal(list[0].status, 'interrupted');
  assert.ok(readCheckpoint(run), 'the latest checkpoint loads');
  readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter((l) => l).forEach((l) => JSON.parse(l));
  const r = runCli(['resume', list[0].id, '--runs-dir', runs, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).status, 'completed');
});

test('SIGINT stops cleanly with a checkpoint; the resumed run ends with the same loss as an uninterrupted one', async () => {
  const dir = tempDir();
  const file = writeModel(dir, 'det.dynaxx.yaml', blobsModel({ steps: 3000, checkpointEvery: 500 }));
  const full = JSON.parse(runCli(['train', file, '--runs-dir', join(dir, 'full'), '--json']).stdout);
  assert.equal(full.status, 'completed');

  const runs = join(dir, 'interrupted');
  const child = spawnCli(['train', file, '--runs-dir', runs, '--quiet']);
  await waitFor(() => existsSync(runs) && readdirSync(runs).length === 1 && existsSync(join(onlyRun(runs), 'checkpoints', 'latest.json')), 60_000, 'a first checkpoint');
  child.kill('SIGINT');
  assert.equal(await exited(child), 130);
  const run = onlyRun(runs);
  const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'cancelled');
  assert.ok(meta.step < 3000, 'stopped before the end');
  assert.equal(readCheckpoint(run)!.step, meta.step, 'a checkpoint at the step it stopped');

  const r = runCli(['resume', meta.id, '--runs-dir', runs, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const resumed = JSON.parse(r.stdout);
  assert.equal(resumed.status, 'completed');
  assert.ok(Math.abs(resumed.valLoss - full.valLoss) <= 1e-6, `resumed ${resumed.valLoss} vs uninterrupted ${full.valLoss}`);
  const steps = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.split === 'train').map((m) => m.step);
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'metrics stay in step order across the resume');
});
