import './test/register-vscode';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrainingStatus } from './status';
import { fakeHost, liveRun } from './test/fake-host';

test('the status item shows backend, step, loss and samples/s while training, then idle or stopped', () => {
  const host = fakeHost();
  host.info = { version: '0.1.0', backends: [], auto: { backend: 'wasm', reason: 'fastest available' } };
  const status = new TrainingStatus(host);
  assert.equal(status.item.text, '$(beaker) Dynaxx: wasm');
  assert.equal(status.item.command, 'dynaxx.showRuns');

  host.startRun(liveRun({ backend: 'webgpu', totalSteps: 600 }));
  assert.equal(status.item.text, '$(sync~spin) webgpu · step 0/600');
  host.events.metrics.fire({ runId: 'r1', records: [
    { step: 100, time: 1, split: 'train', loss: 0.61234, samplesPerSec: 12345 },
    { step: 120, time: 2, split: 'train', loss: 0.41234, samplesPerSec: 3210.4 },
    { step: 120, time: 2, split: 'validation', loss: 0.5, accuracy: 0.8 },
  ] });
  assert.equal(status.item.text, '$(sync~spin) webgpu · step 120/600 · loss 0.4123 · 3210 samples/s');
  host.events.metrics.fire({ runId: 'other', records: [{ step: 5, time: 3, split: 'train', loss: 9 }] });
  assert.match(status.item.text, /step 120\/600/);

  host.finish({ runId: 'r1', status: 'completed' });
  assert.equal(status.item.text, '$(beaker) Dynaxx: wasm');
  host.startRun(liveRun());
  host.crash();
  assert.equal(status.item.text, '$(error) Dynaxx: trainer stopped');
  status.dispose();
});
