import './test/register-vscode';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunSummary } from '../protocol/trainer';
import { accuracyOf, runItem, RunsView } from './runs-view';
import { Config } from './config';
import { Output } from './output';
import { fakeHost, liveRun } from './test/fake-host';
import type { ThemeIcon } from './test/vscode-stub';

function summary(over: Partial<RunSummary>): RunSummary {
  return {
    id: '20261125-153000-mlp-3f2a', name: 'mlp', modelFile: '/ws/mlp.dynaxx.yaml', status: 'completed', backend: 'wasm', device: 'CPU',
    createdAt: '2026-11-25T15:30:00Z', updatedAt: '2026-11-25T15:32:00Z', step: 600, totalSteps: 600, ...over,
  };
}

test('run items show status, backend and accuracy, with a context value per status', () => {
  const done = runItem(summary({ final: { testAccuracy: 0.8891, valAccuracy: 0.9 }, best: { valAccuracy: 0.91 } }));
  assert.equal(done.label, 'mlp');
  assert.equal(done.description, 'completed · wasm · test 88.9%');
  assert.equal(done.contextValue, 'run-completed');
  assert.equal((done.iconPath as unknown as ThemeIcon).id, 'pass');

  const broken = runItem(summary({ status: 'interrupted', backend: 'cpu', step: 120, best: { valAccuracy: 0.5 } }));
  assert.equal(broken.description, 'interrupted · cpu · step 120/600 · best 50.0%');
  assert.equal(broken.contextValue, 'run-interrupted');
  assert.equal((broken.iconPath as unknown as ThemeIcon).id, 'warning');
  assert.match(String(broken.tooltip), /Resumable/);

  const diverged = runItem(summary({ status: 'diverged', step: 140, error: 'loss reached 1.80e+27 at step 140, over 100× its first read' }));
  assert.equal(diverged.description, 'diverged · wasm · step 140/600');
  assert.equal(diverged.contextValue, 'run-diverged', 'no resume in its menu');
  assert.equal((diverged.iconPath as unknown as ThemeIcon).id, 'flame');
  assert.match(String(diverged.tooltip), /error: loss reached 1\.80e\+27[^]*lower the learning rate/);
  assert.doesNotMatch(String(diverged.tooltip), /Resumable/);

  assert.equal(runItem(summary({ status: 'running', step: 3 })).contextValue, 'run-running');
  assert.equal(accuracyOf(summary({ final: { valAccuracy: 0.75 } })), 'val 75.0%');
  assert.equal(accuracyOf(summary({})), undefined);
});

test('after a crash the view shows the live run as interrupted without restarting the trainer', async () => {
  const host = fakeHost();
  let listed = 0;
  host.request = (async () => {
    listed++;
    return { runs: [summary({ id: 'r1', status: 'running', step: 40 }), summary({ id: 'r0' })] };
  }) as typeof host.request;
  const view = new RunsView(host, new Config(), new Output());
  assert.deepEqual((await view.getChildren()).map((r) => r.status), ['running', 'completed']);
  host.startRun(liveRun({ runId: 'r1' }));
  host.crash();
  const after = await view.getChildren();
  assert.equal(listed, 1);
  assert.deepEqual(after.map((r) => view.getTreeItem(r).contextValue), ['run-interrupted', 'run-completed']);
});
