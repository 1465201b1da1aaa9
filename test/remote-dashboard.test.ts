/**
 * The dashboard of a run on a remote trainer (`dynaxx serve`, over TCP) shows the same views as a local one: the
 * extension's real TrainerHost and DashboardPanel (VS Code stubbed), a modular run trained on the server, its
 * reports posted when it finishes, then the panel's `init` from the server beside the one a local trainer (stdio)
 * gives for the same run directory: equal, clustering history and edge mass included. Needs dist/ (`npm run build`).
 */
import '../extension/test/register-vscode';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DashboardData, ToWebview } from '../protocol/webview';
import { Config } from '../extension/config';
import { Output } from '../extension/output';
import { DashboardPanel, type DashboardCtx } from '../extension/panels/dashboard';
import { TrainerHost } from '../extension/trainer-host';
import { train } from '../extension/training';
import { stub, Uri, workspace } from '../extension/test/vscode-stub';
import { ROOT, TRAINER, requireBuild, tempDir, waitFor, writeModel } from './helpers';

const TOKEN = 'dashboard-token';
delete process.env.DYNAXX_TRAINER_TOKEN;

const MODEL = `name: modular
data: { source: synthetic, kind: two-task, samples: 512, classes: 4, features: 16, validation: 0.2 }
model:
  input: [16]
  layers:
    - { type: dense, name: h1, units: 12, activation: relu }
    - { type: dense, name: h2, units: 12, activation: relu }
    - { type: dense, name: logits, units: 8 }
train: { steps: 60, batchSize: 32, seed: 3, backend: cpu, statsEvery: 5 }
modularity: { subnetworks: 3, band: [2, 3] }
`;

function context(host: TrainerHost, config: Config, output: Output): DashboardCtx {
  return { host, config, output, extension: { extensionUri: Uri.file('/ext'), extensionPath: '/ext' } as never };
}

/** Opens the dashboard on `runId`, lets the app say `ready`, and returns its `init` data; the panel is closed after. */
async function dashboardOf(ctx: DashboardCtx, runId: string): Promise<DashboardData> {
  DashboardPanel.current?.dispose();
  const panel = await DashboardPanel.createOrShow(ctx, runId);
  assert.ok(panel);
  const app = stub.panels.at(-1)!;
  await app.receive({ type: 'ready' });
  await waitFor(() => app.posted.some((m: ToWebview) => m.type === 'init'), 30_000, 'the dashboard\'s init');
  const init = app.posted.find((m: ToWebview) => m.type === 'init') as { data: DashboardData };
  panel.dispose();
  return init.data;
}

const withoutTime = (d: DashboardData) => ({ ...d, generatedAt: '' });

test('a remote run\'s dashboard over TCP: the same views as a local trainer\'s, clustering history and edge mass included', async () => {
  requireBuild();
  stub.reset();
  stub.settings.clear();
  const ws = tempDir('dynaxx-remote-dash-');
  workspace.workspaceFolders = [{ uri: Uri.file(ws) }];
  workspace.isTrusted = true;
  const runsDir = join(ws, 'server-runs');
  const file = writeModel(ws, 'modular.dynaxx.yaml', MODEL);
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'serve', '--port', '0', '--token', TOKEN, '--runs-dir', runsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  server.stderr!.on('data', (d) => (err += d));
  const config = new Config();
  const output = new Output();
  const remote = new TrainerHost(config, output, TRAINER);
  let runId = '';
  let remoteData: DashboardData;
  try {
    await waitFor(() => /listening on 127\.0\.0\.1:\d+/.test(err) || server.exitCode !== null, 30_000, 'dynaxx serve to listen');
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
    assert.ok(port, err);
    stub.settings.set('dynaxx.trainer.address', `127.0.0.1:${port}`);
    stub.settings.set('dynaxx.trainer.token', TOKEN);
    stub.settings.set('dynaxx.metricsIntervalMs', 20);
    const ctx = context(remote, config, output);

    // the panel is open while the run trains on the server; when it finishes, its reports arrive
    const finished = new Promise<string>((r) => { const d = remote.onRunFinished((p) => { d.dispose(); r(p.status); }); });
    const run = await train(ctx, Uri.file(file) as never);
    assert.ok(run, `the run did not start: ${JSON.stringify(stub.messages)}`);
    runId = run.runId;
    assert.equal(run.runDir, join(runsDir, runId), 'the run is on the server');
    await DashboardPanel.createOrShow(ctx, runId);
    const app = stub.panels.at(-1)!;
    await app.receive({ type: 'ready' });
    assert.equal(await finished, 'completed');
    await waitFor(() => app.posted.some((m: ToWebview) => m.type === 'reports'), 30_000, 'the finished run\'s reports');
    const reports = app.posted.find((m: ToWebview) => m.type === 'reports') as Extract<ToWebview, { type: 'reports' }>;
    assert.equal(reports.subnetworks?.k, 3);
    assert.ok(reports.subnetworks?.history?.length, 'the clustering history reaches a remote editor');
    assert.equal(reports.subnetworks?.edgeMass?.length, 3, 'and the edge mass');

    // opened again after the run: everything from the server
    remoteData = await dashboardOf(ctx, runId);
  } finally {
    await remote.stop();
    server.kill('SIGKILL');
  }

  assert.equal(remoteData.standalone, false);
  const main = remoteData.runs[0]!;
  assert.equal(main.runId, runId);
  assert.equal(main.status, 'completed');
  assert.equal(main.modelFile, file);
  assert.ok(main.metrics.some((m) => m.split === 'train') && main.metrics.some((m) => m.split === 'validation'), 'the stored metrics');
  assert.ok(main.layerStats.length >= 10, 'the stored layer statistics');
  const s = remoteData.subnetworks;
  assert.ok(s, 'the subnetwork view');
  assert.ok(s.history && s.history.length >= 1 && s.historyLayers?.length === 3, 'the clustering history');
  assert.ok(s.edgeMass && s.edgeMass.length === 3 && s.edgeMass.flat().some((v) => v > 0), 'the edge mass');

  // the same run directory through a local trainer (stdio)
  stub.settings.delete('dynaxx.trainer.address');
  stub.settings.delete('dynaxx.trainer.token');
  stub.settings.set('dynaxx.runsDirectory', runsDir);
  stub.settings.set('dynaxx.trainer.nodePath', process.execPath);
  const local = new TrainerHost(config, output, TRAINER);
  try {
    const localData = await dashboardOf(context(local, config, output), runId);
    assert.equal(local.remoteAddress, undefined);
    assert.deepEqual(withoutTime(remoteData), withoutTime(localData));
  } finally {
    await local.stop();
  }
});
