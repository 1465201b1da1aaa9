/**
 * The trainer host against the REAL bundled trainer (`node dist/trainer.js --stdio`; `npm run build` or
 * `node scripts/bundle.mjs` first): a run from the editor with its progress notification and status item;
 * a SIGKILL mid-run, the crash notification, Restart, and the run listed as interrupted, then resumed.
 */
import './test/register-vscode';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as vscode from 'vscode';
import { RunListRequest, type RunFinishedParams } from '../protocol/trainer';
import { Config } from './config';
import { Output } from './output';
import { RunsView } from './runs-view';
import { TrainingStatus } from './status';
import { resume, train } from './training';
import { TrainerHost } from './trainer-host';
import { stub, Uri, workspace } from './test/vscode-stub';

const TRAINER = join(__dirname, '..', 'dist', 'trainer.js');

function tinyModel(steps: number): string {
  return `name: tiny
data: { source: synthetic, kind: blobs, samples: 512, classes: 4, features: 8 }
model:
  input: [8]
  layers:
    - { type: dense, name: logits, units: 4 }
train:
  steps: ${steps}
  batchSize: 16
  checkpointEvery: 20
  evalEvery: 20
  seed: 3
  backend: cpu
`;
}

function setup() {
  if (!existsSync(TRAINER)) throw new Error('dist/trainer.js is missing: run `node scripts/bundle.mjs` (npm test builds it)');
  stub.reset();
  stub.settings.clear();
  const ws = mkdtempSync(join(tmpdir(), 'dynaxx-ext-'));
  workspace.workspaceFolders = [{ uri: Uri.file(ws) }];
  workspace.isTrusted = true;
  stub.settings.set('dynaxx.metricsIntervalMs', 20);
  stub.settings.set('dynaxx.trainer.nodePath', process.execPath);
  const config = new Config();
  const output = new Output();
  const host = new TrainerHost(config, output, TRAINER);
  const finished = (): Promise<RunFinishedParams> => new Promise((r) => { const d = host.onRunFinished((p) => { d.dispose(); r(p); }); });
  const model = (name: string, steps: number) => {
    const p = join(ws, `${name}.dynaxx.yaml`);
    writeFileSync(p, tinyModel(steps));
    return vscode.Uri.file(p);
  };
  return { ws, config, output, host, finished, model, deps: { host, config, output } };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a run from the editor: progress notification with increments, status item, runs view', async () => {
  const t = setup();
  const status = new TrainingStatus(t.host);
  const view = new RunsView(t.host, t.config, t.output);
  try {
    const done = t.finished();
    const run = await train(t.deps, { uri: t.model('tiny', 30).toString() });
    assert.ok(run, `run did not start: ${JSON.stringify(stub.messages)}`);
    assert.equal(run.backend, 'cpu');
    assert.equal(run.totalSteps, 30);
    assert.equal(run.runDir, join(t.ws, '.dynaxx', 'runs', run.runId));
    const fin = await done;
    assert.equal(fin.status, 'completed');

    await until(() => stub.progress[0]?.done === true, 5000, 'the progress notification to close');
    assert.equal(stub.progress.length, 1);
    const p = stub.progress[0];
    assert.equal(p.title, 'Training tiny');
    assert.equal(p.cancellable, true);
    assert.match(p.reports[0].message ?? '', /^cpu · /);
    const increments = p.reports.map((r) => r.increment ?? 0);
    assert.ok(increments.every((i) => i >= 0));
    assert.ok(increments.reduce((a, b) => a + b, 0) <= 100);
    assert.ok(p.reports.some((r) => /step \d+\/30/.test(r.message ?? '')), JSON.stringify(p.reports));

    assert.ok(stub.statusTexts.some((s) => /^\$\(sync~spin\) cpu · step \d+\/30 · loss \d+\.\d+ · [\d.]+k? samples\/s$/.test(s)), stub.statusTexts.join('\n'));
    assert.match(status.item.text, /^\$\(beaker\) Dynaxx: /);

    const [item] = (await view.getChildren()).map((r) => view.getTreeItem(r));
    assert.equal(item.label, 'tiny');
    assert.match(String(item.description), /^completed · cpu · (test|val) \d+\.\d%$/);
    assert.equal(item.contextValue, 'run-completed');
  } finally {
    status.dispose();
    await t.host.stop();
  }
});

test('SIGKILL mid-run: crash notification with Restart and Open logs; Restart; the run is interrupted and resumes', async () => {
  const t = setup();
  const view = new RunsView(t.host, t.config, t.output);
  try {
    stub.respond = (m) => (/stopped unexpectedly/.test(m.message) ? 'Restart' : undefined);
    const run = await train(t.deps, t.model('long', 20000));
    assert.ok(run, `run did not start: ${JSON.stringify(stub.messages)}`);
    let lastStep = 0;
    t.host.onMetrics((m) => { lastStep = Math.max(lastStep, ...m.records.map((r) => r.step)); });
    await until(() => lastStep >= 60, 60_000, 'training past the first checkpoints');

    const restarted = new Promise<void>((r) => { const d = t.host.onDidStart(() => { d.dispose(); r(); }); });
    const crashed = new Promise<string | undefined>((r) => { const d = t.host.onDidCrash((c) => { d.dispose(); r(c.run?.runId); }); });
    process.kill(t.host.pid!, 'SIGKILL');
    assert.equal(await crashed, run.runId);
    const crash = stub.messages.find((m) => /stopped unexpectedly/.test(m.message));
    assert.ok(crash);
    assert.equal(crash.level, 'error');
    assert.deepEqual(crash.items, ['Restart', 'Open logs']);
    assert.match(crash.message, /killed by SIGKILL/);
    assert.equal(stub.progress[0].done, true, 'the crash closes the progress notification');

    await restarted;
    assert.equal(t.host.state, 'running');
    const listed = await t.host.request(RunListRequest.type, { runsDir: t.config.runsDirectory });
    assert.equal(listed.runs[0].id, run.runId);
    assert.equal(listed.runs[0].status, 'interrupted');
    const [item] = (await view.getChildren()).map((r) => view.getTreeItem(r));
    assert.equal(item.contextValue, 'run-interrupted');

    const done = t.finished();
    const resumed = await resume(t.deps, listed.runs[0]);
    assert.ok(resumed, `resume failed: ${JSON.stringify(stub.messages)}`);
    assert.equal(resumed.runId, run.runId);
    assert.ok(resumed.startStep >= 20 && resumed.startStep % 20 === 0 && resumed.startStep < 20000, `resumed at ${resumed.startStep}`);
    const cancelled = await t.host.cancelActive();
    assert.equal(cancelled, true);
    assert.equal((await done).status, 'cancelled');
  } finally {
    await t.host.stop();
  }
});

test('no training in an untrusted workspace: the command explains and offers Manage Workspace Trust', async () => {
  const t = setup();
  workspace.isTrusted = false;
  try {
    stub.respond = (m) => m.items[0];
    const run = await train(t.deps, t.model('tiny', 30));
    assert.equal(run, undefined);
    assert.match(stub.messages[0].message, /Restricted Mode/);
    assert.deepEqual(stub.messages[0].items, ['Manage Workspace Trust']);
    assert.deepEqual(stub.executed.map((e) => e.command), ['workbench.trust.manage']);
    assert.equal(t.host.state, 'stopped');
  } finally {
    workspace.isTrusted = true;
  }
});

test('a remote trainer (`dynaxx serve`) over TCP: the token goes in initialize, a wrong one is refused, a run trains, a lost connection is a crash', async () => {
  const t = setup();
  const runsDir = join(t.ws, 'remote-runs');
  const server = spawn(process.execPath, [join(__dirname, '..', 'dist', 'cli.js'), 'serve', '--port', '0', '--token', 'right', '--runs-dir', runsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  server.stderr!.on('data', (d) => (err += d));
  try {
    await until(() => /listening on 127\.0\.0\.1:\d+/.test(err) || server.exitCode !== null, 30_000, 'dynaxx serve to listen');
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
    assert.ok(port, err);
    stub.settings.set('dynaxx.trainer.address', `127.0.0.1:${port}`);
    stub.settings.set('dynaxx.trainer.token', 'wrong');
    await assert.rejects(t.host.connection(), /the trainer at 127\.0\.0\.1:\d+ refused the connection: .*dynaxx\.trainer\.token/);
    assert.equal(t.host.state, 'stopped');
    assert.equal(stub.messages.length, 0, 'a refused start is no crash');

    stub.settings.set('dynaxx.trainer.token', 'right');
    const done = t.finished();
    const run = await train(t.deps, t.model('tiny', 30));
    assert.ok(run, `run did not start: ${JSON.stringify(stub.messages)}`);
    assert.equal(t.host.remoteAddress, `127.0.0.1:${port}`);
    assert.equal(run.runDir, join(runsDir, run.runId), 'a remote run goes to the server\'s --runs-dir');
    assert.equal((await done).status, 'completed');
    assert.equal(stub.progress[0].title, 'Training tiny');

    const crashed = new Promise<string>((r) => { const d = t.host.onDidCrash((c) => { d.dispose(); r(c.reason); }); });
    server.kill('SIGKILL');
    assert.match(await crashed, /connection to 127\.0\.0\.1:\d+ closed/);
    assert.deepEqual(stub.messages.find((m) => /stopped unexpectedly/.test(m.message))?.items, ['Restart', 'Open logs']);
  } finally {
    await t.host.stop();
    server.kill('SIGKILL');
  }
});
