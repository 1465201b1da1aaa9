import './test/register-vscode';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Config } from './config';
import { stub, Uri, workspace } from './test/vscode-stub';

test('settings: runs directory expansion, node command, remote address, restart-needing keys', () => {
  const config = new Config();
  stub.settings.clear();
  workspace.workspaceFolders = undefined;
  assert.equal(config.runsDirectory, join(homedir(), '.dynaxx', 'runs'));
  workspace.workspaceFolders = [{ uri: Uri.file('/ws') }];
  assert.equal(config.runsDirectory, '/ws/.dynaxx/runs');
  stub.settings.set('dynaxx.runsDirectory', 'out/runs');
  assert.equal(config.runsDirectory, '/ws/out/runs');
  stub.settings.set('dynaxx.runsDirectory', '~/runs');
  assert.equal(config.runsDirectory, join(homedir(), 'runs'));

  assert.equal(config.backend, 'auto');
  stub.settings.set('dynaxx.trainer.backend', 'nonsense');
  assert.equal(config.backend, 'auto');
  stub.settings.set('dynaxx.trainer.backend', 'wasm');
  assert.equal(config.backend, 'wasm');

  stub.settings.set('dynaxx.trainer.nodePath', '/opt/node/bin/node');
  assert.equal(config.nodeCommand.command, '/opt/node/bin/node');
  stub.settings.set('dynaxx.trainer.nodePath', '');
  const path = process.env.PATH;
  try {
    process.env.PATH = '/nonexistent';
    const fallback = config.nodeCommand;
    assert.equal(fallback.command, process.execPath);
    assert.equal(fallback.env.ELECTRON_RUN_AS_NODE, '1');
  } finally {
    process.env.PATH = path;
  }

  const remote = () => config.remote;
  assert.equal(remote(), undefined);
  stub.settings.set('dynaxx.trainer.address', 'gpu-box:7070');
  stub.settings.set('dynaxx.trainer.token', 's3cret');
  assert.deepEqual(remote(), { host: 'gpu-box', port: 7070, token: 's3cret' });
  stub.settings.set('dynaxx.trainer.address', '[::1]:7070');
  assert.equal(remote()?.host, '::1');
  stub.settings.set('dynaxx.trainer.address', 'gpu-box');
  assert.throws(remote, /host:port/);

  assert.equal(config.metricsIntervalMs, 250);
  const changed = (key: string) => ({ affectsConfiguration: (k: string) => k === key });
  assert.equal(Config.needsTrainerRestart(changed('dynaxx.trainer.nodePath')), true);
  assert.equal(Config.needsTrainerRestart(changed('dynaxx.trainer.backend')), false);
  stub.settings.clear();
});
