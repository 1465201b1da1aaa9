/**
 * A finite blow-up is divergence, not completion: a deep unnormalized residual net under SGD at lr 3, whose loss left
 * alone grows finitely from ~2 to ~1e24 in 40 steps (it used to end `completed`), ends `diverged` through the CLI:
 * exit 1, an error alert that says what to do, the last good checkpoint kept, listed as diverged, not resumable as is.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCheckpoint } from '../trainer/store/checkpoint';
import { onlyRun, runCli, tempDir, writeModel } from './helpers';

const BLOW_UP = `name: blow-up
data: { source: synthetic, kind: blobs, samples: 512, classes: 8, features: 32, validation: 0.1 }
model:
  input: [32]
  layers:
    - { type: dense, name: stem, units: 64 }
    - type: residual
      name: blocks
      repeat: 8
      layers:
        - { type: dense, name: dense, units: 64, activation: tanh }
    - { type: dense, name: logits, units: 8 }
train: { steps: 40, batchSize: 64, checkpointEvery: 1, optimizer: { type: sgd, lr: 3 }, seed: 42, backend: cpu }
`;

test('a finite loss blow-up ends the run diverged (exit 1), with an alert and the last good checkpoint', () => {
  const dir = tempDir();
  const file = writeModel(dir, 'blow-up.dynaxx.yaml', BLOW_UP);
  const runs = join(dir, 'runs');
  const r = runCli(['train', file, '--runs-dir', runs, '--json', '--log-every', '1']);
  assert.equal(r.code, 1, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.status, 'diverged');
  assert.match(summary.error, /loss reached .* over 100× its first read .* for 3 reads in a row/);

  const run = onlyRun(runs);
  const meta = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'diverged');
  const losses = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.split === 'train').map((m) => m.loss);
  assert.ok(losses.every(Number.isFinite), `a finite blow-up, not NaN: ${losses}`);
  assert.ok(losses.at(-1) > 100 * losses[0], `${losses}`);

  const alerts = readFileSync(join(run, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const alert = alerts.find((a) => a.kind === 'divergence');
  assert.ok(alert, JSON.stringify(alerts));
  assert.equal(alert.severity, 'error');
  assert.match(alert.message, /has diverged; it stops and keeps its last good checkpoint\. Lower the learning rate/);
  assert.match(r.stderr, /alert: training loss reached/);

  // no checkpoint while the loss was over the threshold: the one kept is from before the blow-up
  const ckpt = readCheckpoint(run);
  assert.ok(ckpt, 'a checkpoint from before the divergence is kept');
  const since = Number(/since step (\d+)/.exec(summary.error)![1]);
  assert.ok(ckpt.step < since, `checkpoint at ${ckpt.step}, blow-up since step ${since}`);

  const list = JSON.parse(runCli(['runs', '--runs-dir', runs, '--json']).stdout);
  assert.equal(list[0].status, 'diverged');
  const resumed = runCli(['resume', list[0].id, '--runs-dir', runs, '--quiet']);
  assert.equal(resumed.code, 2, resumed.stderr);
  assert.match(resumed.stderr, /diverged .* it would diverge again\. Lower the learning rate/);
});
