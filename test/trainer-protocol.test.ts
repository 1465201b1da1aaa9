/** The trainer process over JSON-RPC (stdio, LSP framing), as the extension will drive it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  LogMessageNotification,
  RunCancelRequest,
  RunDeleteRequest,
  RunFinishedNotification,
  RunListRequest,
  RunMetricsNotification,
  RunStartRequest,
  WorkDoneProgress,
  type RunFinishedParams,
  type MetricRecord,
  type WorkDoneProgressValue,
} from '../protocol/trainer';
import { blobsModel, requireBuild, tempDir, TRAINER, writeModel } from './helpers';

function startTrainer() {
  requireBuild();
  const child = spawn(process.execPath, [TRAINER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const progress: WorkDoneProgressValue[] = [];
  const metrics: MetricRecord[] = [];
  const logs: string[] = [];
  let finish: (p: RunFinishedParams) => void;
  const finished = new Promise<RunFinishedParams>((r) => (finish = r));
  conn.onProgress(WorkDoneProgress, 'tok', (v) => { progress.push(v); });
  conn.onNotification(RunMetricsNotification.type, (p) => { metrics.push(...p.records); });
  conn.onNotification(LogMessageNotification.type, (p) => { logs.push(p.message); });
  conn.onNotification(RunFinishedNotification.type, (p) => finish(p));
  conn.listen();
  return { child, conn, progress, metrics, logs, finished, close: () => { conn.dispose(); child.kill(); } };
}

test('initialize lists backends; run/start streams progress and metrics; run/list shows the result', async () => {
  const t = startTrainer();
  try {
    const dir = tempDir();
    const init = await t.conn.sendRequest(InitializeRequest.type, { clientName: 'test', runsDir: join(dir, 'runs') });
    assert.ok(init.backends.find((b) => b.name === 'cpu')?.available);
    assert.equal(init.backends.find((b) => b.name === 'tensorflow')?.available, false);
    assert.match(init.backends.find((b) => b.name === 'tensorflow')!.detail!, /npm install @tensorflow\/tfjs-node/);

    const file = writeModel(dir, 'm.dynaxx.yaml', blobsModel({ steps: 200 }));
    const started = await t.conn.sendRequest(RunStartRequest.type, { modelFile: file, workDoneToken: 'tok', metricsIntervalMs: 20 });
    assert.equal(started.backend, 'cpu');
    assert.equal(started.totalSteps, 200);
    const done = await t.finished;
    assert.equal(done.runId, started.runId);
    assert.equal(done.status, 'completed');
    assert.ok(done.final!.valAccuracy > 0.5);

    assert.equal(t.progress[0].kind, 'begin');
    assert.equal(t.progress[t.progress.length - 1].kind, 'end');
    const reports = t.progress.filter((p) => p.kind === 'report');
    assert.ok(reports.length > 0 && reports.every((p) => p.kind === 'report' && typeof p.percentage === 'number'));
    assert.ok(t.metrics.some((m) => m.split === 'train') && t.metrics.some((m) => m.split === 'validation'));
    assert.ok(t.logs.some((l) => l.includes(started.runId)));

    const list = await t.conn.sendRequest(RunListRequest.type, {});
    assert.equal(list.runs[0].id, started.runId);
    assert.equal(list.runs[0].status, 'completed');

    // run/delete removes the run directory; an unknown id is refused with a message naming it
    assert.deepEqual(await t.conn.sendRequest(RunDeleteRequest.type, { runId: started.runId }), { deleted: true });
    assert.equal(existsSync(started.runDir), false);
    assert.deepEqual((await t.conn.sendRequest(RunListRequest.type, {})).runs, []);
    await assert.rejects(t.conn.sendRequest(RunDeleteRequest.type, { runId: started.runId }), (e: ResponseError<void>) => e.code === -32004 && e.message.includes(started.runId));
  } finally {
    t.close();
  }
});

test('an invalid model file is a JSON-RPC error with file:line:col; run/cancel stops a run', async () => {
  const t = startTrainer();
  try {
    const dir = tempDir();
    const bad = writeModel(dir, 'bad.dynaxx.yaml', blobsModel().replace('units: 32', 'unts: 32'));
    await assert.rejects(t.conn.sendRequest(RunStartRequest.type, { modelFile: bad, runsDir: join(dir, 'runs') }), (e: ResponseError<void>) => {
      assert.equal(e.code, -32001);
      assert.match(e.message, /bad\.dynaxx\.yaml:6:\d+: error/);
      return true;
    });
    const file = writeModel(dir, 'long.dynaxx.yaml', blobsModel({ steps: 100000 }));
    const started = await t.conn.sendRequest(RunStartRequest.type, { modelFile: file, runsDir: join(dir, 'runs') });
    await assert.rejects(t.conn.sendRequest(RunStartRequest.type, { modelFile: file, runsDir: join(dir, 'runs') }), /still training/);
    await assert.rejects(t.conn.sendRequest(RunDeleteRequest.type, { runId: started.runId, runsDir: join(dir, 'runs') }), (e: ResponseError<void>) => e.code === -32003);
    const c = await t.conn.sendRequest(RunCancelRequest.type, { runId: started.runId });
    assert.equal(c.cancelled, true);
    const done = await t.finished;
    assert.equal(done.status, 'cancelled');
  } finally {
    t.close();
  }
});

test('the stdio trainer ends the connection on a message over DYNAXX_MAX_MESSAGE_BYTES or a malformed one, without reading it', async () => {
  requireBuild();
  for (const [env, frame, why] of [
    [{ DYNAXX_MAX_MESSAGE_BYTES: '1000' }, `Content-Length: 5000\r\n\r\n${'x'.repeat(100)}`, /the client sent a message of 5,000 bytes \(the limit is 1,000\); closing \(DYNAXX_MAX_MESSAGE_BYTES raises/],
    [{}, 'Content-Length: 3\r\n\r\n{{{', /the client sent a message that is not valid JSON; closing/],
  ] as const) {
    const child = spawn(process.execPath, [TRAINER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdin!.on('error', () => undefined);
    child.stdin!.write(frame);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.match(err, why);
  }
});
