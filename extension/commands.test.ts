// The editor's "Train stabilized" command (feature 'stabilize'): registered with the landed features, and a
// run of the file with the override `stabilize: auto` beside the backend setting. Against the vscode stub.
import './test/register-vscode';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LANDED_FEATURES, LensCommands } from '../protocol/lsp-ext';
import type { RunStartParams } from '../protocol/trainer';
import { COMMANDS } from './commands';
import { bestPerTarget } from './prune';
import { Config } from './config';
import type { Ctx } from './ctx';
import { Output } from './output';
import { fakeHost, liveRun } from './test/fake-host';
import { stub, Uri, workspace } from './test/vscode-stub';

function setup() {
  stub.reset();
  stub.settings.clear();
  const ws = mkdtempSync(join(tmpdir(), 'dynaxx-cmd-'));
  workspace.workspaceFolders = [{ uri: Uri.file(ws) }];
  workspace.isTrusted = true;
  const file = join(ws, 'deep.dynaxx.yaml');
  writeFileSync(file, 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 2 }\n');
  const host = fakeHost();
  const started: Omit<RunStartParams, 'workDoneToken'>[] = [];
  Object.assign(host, {
    remoteAddress: undefined,
    cancelActive: async () => true,
    start: async (params: Omit<RunStartParams, 'workDoneToken'>) => {
      started.push(params);
      return liveRun({ modelFile: params.modelFile });
    },
  });
  const ctx = { host, config: new Config(), output: new Output() } as unknown as Ctx;
  return { ctx, file, started };
}

test('the stabilize feature has landed with its lens command', () => {
  assert.ok(LANDED_FEATURES.includes('stabilize'));
  assert.equal(COMMANDS[LensCommands.trainStabilized]?.feature, 'stabilize');
});

test('Train stabilized starts a run with stabilize: auto, beside the backend setting', async () => {
  const { ctx, file, started } = setup();
  const cmd = COMMANDS[LensCommands.trainStabilized]!.make(ctx);
  await cmd({ uri: Uri.file(file).toString() });
  assert.equal(started.length, 1);
  assert.equal(started[0]!.modelFile, file);
  assert.deepEqual(started[0]!.overrides, { stabilize: 'auto' });

  stub.settings.set('dynaxx.trainer.backend', 'wasm');
  await cmd(Uri.file(file));
  assert.deepEqual(started[1]!.overrides, { stabilize: 'auto', backend: 'wasm' });

  // the plain Train sends no stabilize override
  await COMMANDS[LensCommands.train]!.make(ctx)(Uri.file(file));
  assert.deepEqual(started[2]!.overrides, { backend: 'wasm' });
});

test('Discover subnetworks starts a run with modularity: on; the plain Train sends no such override', async () => {
  assert.equal(COMMANDS[LensCommands.discover]?.feature, 'discover');
  const { ctx, file, started } = setup();
  await COMMANDS[LensCommands.discover]!.make(ctx)({ uri: Uri.file(file).toString() });
  assert.equal(started.length, 1);
  assert.equal(started[0]!.modelFile, file);
  assert.equal(started[0]!.overrides?.modularity, 'on');
  await COMMANDS[LensCommands.train]!.make(ctx)(Uri.file(file));
  assert.equal(started[1]!.overrides?.modularity, undefined);
});

test('the prune feature has landed with its command; the summary names the best criterion per target, chosen on the selection split', () => {
  assert.ok(LANDED_FEATURES.includes('prune'));
  assert.equal(COMMANDS[LensCommands.prune]?.feature, 'prune');
  const lines = bestPerTarget({
    dense: { accuracyMean: 0.9 },
    points: [
      { criterion: 'l1', target: 50, accuracyMean: 0.85, speedup: 1.8, flopReduction: 0.5 },
      { criterion: 'agf', target: 50, accuracyMean: 0.88, speedup: 1.7, flopReduction: 0.5 },
      { criterion: 'agf', target: 90, accuracyMean: 0.6, speedup: 6, flopReduction: 0.9 },
    ],
  });
  assert.deepEqual(lines, ['−50% FLOPs: agf 88.0% (dense 90.0%), 1.70× faster on CPU', '−90% FLOPs: agf 60.0% (dense 90.0%), 6.00× faster on CPU']);
  // a sweep with a selection split: the criterion is chosen there (l1), reported with its test accuracy and label
  const clean = bestPerTarget({
    split: 'test', selectionSplit: 'validation', criterionLabels: { wanda: 'wanda (channel sum)' },
    dense: { accuracyMean: 0.9 },
    points: [
      { criterion: 'l1', target: 50, accuracyMean: 0.85, selection: { accuracyMean: 0.89 }, speedup: 1.8, flopReduction: 0.5 },
      { criterion: 'agf', target: 50, accuracyMean: 0.88, selection: { accuracyMean: 0.86 }, speedup: 1.7, flopReduction: 0.5 },
      { criterion: 'wanda', target: 90, accuracyMean: 0.6, selection: { accuracyMean: 0.61 }, speedup: 6, flopReduction: 0.9 },
    ],
  });
  assert.deepEqual(clean, [
    '−50% FLOPs: l1 85.0% on test, chosen on validation (dense 90.0%), 1.80× faster on CPU',
    '−90% FLOPs: wanda (channel sum) 60.0% on test, chosen on validation (dense 90.0%), 6.00× faster on CPU',
  ]);
});
