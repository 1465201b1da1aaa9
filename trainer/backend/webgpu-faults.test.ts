/**
 * A GPU that fails mid-run: the device is lost at step 4 of a real run on webgpu (the test destroys it, as a driver
 * reset would). The run must stop as `failed` with a message that says what happened, keep its last good
 * checkpoint, and resume from it on another backend to the end. Skips where there is no WebGPU adapter.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { startRun } from '../session';
import { webgpuBackend } from './webgpu';

const MODEL = [
  'name: lost-device',
  'data: { source: synthetic, kind: blobs, classes: 4, features: 16, samples: 256, validation: 0.25 }',
  'model:', '  input: [16]', '  layers:', '    - { type: dense, units: 16, activation: relu }', '    - { type: dense, units: 4 }',
  'train: { steps: 12, batchSize: 16, checkpointEvery: 2, evalEvery: 100, optimizer: { type: adam, lr: 0.01 }, seed: 3, backend: webgpu }',
  '',
].join('\n');

test('a lost GPU fails the run with a message, keeps the last checkpoint, and the run resumes on cpu', async (t) => {
  const probe = await webgpuBackend.probe();
  if (!probe.available) return t.skip(`no WebGPU adapter: ${probe.detail}`);
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-lost-'));
  const file = join(dir, 'lost.dynaxx.yaml');
  writeFileSync(file, MODEL);
  let destroyed = false;
  const run = await startRun(file, undefined, {
    runsDir: join(dir, 'runs'),
    logEvery: 1,
    events: {
      onProgress: (_id, step) => {
        if (step === 5 && !destroyed) {
          destroyed = true;
          (tf.backend() as unknown as { device: { destroy(): void } }).device.destroy();
        }
      },
    },
  });
  const result = await run.run();
  assert.equal(result.status, 'failed', JSON.stringify(result));
  assert.match(result.error ?? '', /WebGPU device was lost.*last good checkpoint/, JSON.stringify(result));
  const meta = JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8')) as { status: string; checkpoint?: { step: number } };
  assert.equal(meta.status, 'failed');
  assert.equal(meta.checkpoint?.step, 4, 'the checkpoint of step 4, written before the loss');

  const cli = join(__dirname, '..', '..', 'bin', 'dynaxx');
  const r = spawnSync(process.execPath, [cli, 'resume', run.runId, '--backend', 'cpu', '--runs-dir', join(dir, 'runs'), '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const after = JSON.parse(readFileSync(join(run.runDir, 'run.json'), 'utf8')) as { status: string; step: number; backend: string };
  assert.deepEqual([after.status, after.step, after.backend], ['completed', 12, 'cpu']);
});
