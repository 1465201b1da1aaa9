/** The remote trainer: `dynaxx serve` speaks the trainer protocol over TCP, behind a token. */
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  RunCancelRequest,
  RunFinishedNotification,
  RunListRequest,
  RunMetricsNotification,
  RunStartRequest,
  TrainerErrorCodes,
  type RunFinishedParams,
} from '../protocol/trainer';
import { blobsModel, exited, runCli, spawnCli, tempDir, waitFor, writeModel } from './helpers';

const TOKEN = 's3cret-token';
// the servers below must not pick up a token from the environment
delete process.env.DYNAXX_TRAINER_TOKEN;

interface Server { child: ChildProcess; port: number; runsDir: string; stderr: () => string }

async function startServer(args: string[] = ['--token', TOKEN]): Promise<Server> {
  const runsDir = join(tempDir(), 'runs');
  const child = spawnCli(['serve', '--port', '0', '--runs-dir', runsDir, ...args]);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await waitFor(() => /listening on 127\.0\.0\.1:\d+/.test(err) || child.exitCode !== null, 30_000, 'the server to listen');
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
  assert.ok(m, err);
  return { child, port: Number(m[1]), runsDir, stderr: () => err };
}

interface Client { conn: MessageConnection; socket: Socket; closed: Promise<void>; finished: Promise<RunFinishedParams>; metricSteps: number[] }

async function connectTo(port: number): Promise<Client> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  let finish: (p: RunFinishedParams) => void;
  const finished = new Promise<RunFinishedParams>((r) => (finish = r));
  conn.onNotification(RunFinishedNotification.type, (p) => finish(p));
  const metricSteps: number[] = [];
  conn.onNotification(RunMetricsNotification.type, (p) => { metricSteps.push(...p.records.map((r) => r.step)); });
  conn.listen();
  return { conn, socket, closed, finished, metricSteps };
}

async function stop(s: Server): Promise<number | null> {
  s.child.kill('SIGINT');
  return exited(s.child);
}

function refused(pattern: RegExp) {
  return (e: ResponseError<void>) => {
    assert.equal(e.code, TrainerErrorCodes.Unauthorized);
    assert.equal(e.code, -32005);
    assert.match(e.message, pattern);
    assert.match(e.message, /dynaxx\.trainer\.token/);
    assert.match(e.message, /--token/);
    return true;
  };
}

test('initialize with the token, then run/start trains a model on the server and run/finished arrives', async () => {
  const s = await startServer();
  const c = await connectTo(s.port);
  try {
    const init = await c.conn.sendRequest(InitializeRequest.type, { clientName: 'test', token: TOKEN, runsDir: '/somewhere/on/the/client' });
    assert.equal(init.remote, true);
    assert.equal(init.runsDir, s.runsDir);
    assert.ok(init.backends.find((b) => b.name === 'cpu')?.available);
    const file = writeModel(tempDir(), 'm.dynaxx.yaml', blobsModel({ steps: 60 }));
    const started = await c.conn.sendRequest(RunStartRequest.type, { modelFile: file, runsDir: '/somewhere/on/the/client' });
    assert.ok(started.runDir.startsWith(s.runsDir), started.runDir);
    const done = await c.finished;
    assert.equal(done.runId, started.runId);
    assert.equal(done.status, 'completed');
    const list = await c.conn.sendRequest(RunListRequest.type, {});
    assert.equal(list.runs[0].id, started.runId);
    assert.match(s.stderr(), /connected/);
    assert.match(s.stderr(), /initialized \(client test\)/);
  } finally {
    c.conn.dispose();
    c.socket.destroy();
    assert.equal(await stop(s), 0);
  }
});

test('a wrong token, no token, or a request before initialize is refused with -32005 and the socket is closed', async () => {
  const s = await startServer();
  try {
    const wrong = await connectTo(s.port);
    await assert.rejects(wrong.conn.sendRequest(InitializeRequest.type, { token: 'guess' }), refused(/token is wrong/));
    await wrong.closed;

    const missing = await connectTo(s.port);
    await assert.rejects(missing.conn.sendRequest(InitializeRequest.type, { clientName: 'x' }), refused(/token is missing/));
    await missing.closed;

    const early = await connectTo(s.port);
    await assert.rejects(early.conn.sendRequest(RunListRequest.type, {}), refused(/'run\/list' before initialize/));
    await early.closed;

    const early2 = await connectTo(s.port);
    await assert.rejects(early2.conn.sendRequest('some/unknown', {}), refused(/before initialize/));
    await early2.closed;

    assert.match(s.stderr(), /refused: the token is wrong/);
    // the server keeps serving after refusals
    const ok = await connectTo(s.port);
    const init = await ok.conn.sendRequest(InitializeRequest.type, { token: TOKEN });
    assert.equal(init.remote, true);
    ok.conn.dispose();
    ok.socket.destroy();
  } finally {
    assert.equal(await stop(s), 0);
  }
});

test('a run started by one client is listed and cancelled by the next; Ctrl-C stops the server with a checkpoint', async () => {
  const s = await startServer();
  try {
    const a = await connectTo(s.port);
    await a.conn.sendRequest(InitializeRequest.type, { token: TOKEN });
    const file = writeModel(tempDir(), 'long.dynaxx.yaml', blobsModel({ steps: 100000 }));
    const started = await a.conn.sendRequest(RunStartRequest.type, { modelFile: file });
    a.conn.dispose();
    a.socket.destroy();

    const b = await connectTo(s.port);
    await b.conn.sendRequest(InitializeRequest.type, { token: TOKEN });
    const list = await b.conn.sendRequest(RunListRequest.type, {});
    assert.equal(list.runs[0].id, started.runId);
    assert.equal(list.runs[0].status, 'running');
    await assert.rejects(b.conn.sendRequest(RunStartRequest.type, { modelFile: file }), /still training/);
    assert.deepEqual(await b.conn.sendRequest(RunCancelRequest.type, { runId: started.runId }), { cancelled: true });
    const done = await b.finished;
    assert.equal(done.status, 'cancelled');

    // Ctrl-C with a run active: cancelled with a checkpoint, exit code 0
    b.metricSteps.length = 0;
    const again = await b.conn.sendRequest(RunStartRequest.type, { modelFile: file });
    await waitFor(() => b.metricSteps.length > 0, 30_000, 'metrics of the second run (broadcast to every client)');
    assert.equal(await stop(s), 0);
    const meta = JSON.parse(readFileSync(join(again.runDir, 'run.json'), 'utf8'));
    assert.equal(meta.status, 'cancelled');
    assert.ok(meta.checkpoint, JSON.stringify(meta));
    assert.match(s.stderr(), /stopped/);
    b.socket.destroy();
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
});

test('serve refuses to start without a token unless --insecure', async () => {
  const r = runCli(['serve', '--port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /serve needs a token.*--insecure/s);
  const s = await startServer(['--insecure']);
  try {
    assert.match(s.stderr(), /NO TOKEN/);
    const c = await connectTo(s.port);
    const init = await c.conn.sendRequest(InitializeRequest.type, {});
    assert.equal(init.remote, true);
    c.conn.dispose();
    c.socket.destroy();
  } finally {
    assert.equal(await stop(s), 0);
  }
});

test('a client on another machine sends the model text: the server trains it, and errors name the client path', async () => {
  const s = await startServer();
  const c = await connectTo(s.port);
  try {
    await c.conn.sendRequest(InitializeRequest.type, { clientName: 'test', token: TOKEN });
    const clientPath = '/home/someone/laptop/only/m.dynaxx.yaml'; // does not exist on the server
    await assert.rejects(
      c.conn.sendRequest(RunStartRequest.type, { modelFile: clientPath, modelText: blobsModel().replace('units: 32', 'unts: 32') }),
      (e: Error) => /\/home\/someone\/laptop\/only\/m\.dynaxx\.yaml:6:\d+: error: .*unts/.test(e.message),
    );
    const started = await c.conn.sendRequest(RunStartRequest.type, { modelFile: clientPath, modelText: blobsModel({ steps: 30 }) });
    const done = await c.finished;
    assert.equal(done.runId, started.runId);
    assert.equal(done.status, 'completed');
    assert.equal(readFileSync(join(started.runDir, 'model.dynaxx.yaml'), 'utf8'), blobsModel({ steps: 30 }), 'the run keeps the text it was sent');
  } finally {
    c.conn.dispose();
    c.socket.destroy();
    assert.equal(await stop(s), 0);
  }
});

test('right after kill -9 of dynaxx serve (not yet reaped), dynaxx runs shows its run as interrupted', async () => {
  const s = await startServer();
  const c = await connectTo(s.port);
  try {
    await c.conn.sendRequest(InitializeRequest.type, { token: TOKEN });
    const file = writeModel(tempDir(), 'long.dynaxx.yaml', blobsModel({ steps: 100000 }));
    const started = await c.conn.sendRequest(RunStartRequest.type, { modelFile: file });
    s.child.kill('SIGKILL');
    // runCli blocks this process: the killed server stays a zombie until we return to the event loop
    const r = runCli(['runs', '--runs-dir', s.runsDir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as Array<{ id: string; status: string }>;
    assert.deepEqual(runs.map((x) => [x.id, x.status]), [[started.runId, 'interrupted']]);
  } finally {
    c.socket.destroy();
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
});

test('remote params of the wrong type are -32602 naming the field; a remote trainer does not read /etc/passwd as a model', async () => {
  const s = await startServer();
  const c = await connectTo(s.port);
  try {
    await c.conn.sendRequest(InitializeRequest.type, { token: TOKEN });
    await assert.rejects(c.conn.sendRequest('run/start', { modelFile: 'm.dynaxx.yaml', modelText: 123 }), (e: ResponseError<void>) => e.code === -32602 && /'modelText' must be a string, got 123/.test(e.message));
    await assert.rejects(c.conn.sendRequest('run/delete', { runId: 123 }), (e: ResponseError<void>) => e.code === -32602 && /^run\/delete: 'runId' must be/.test(e.message));
    await assert.rejects(c.conn.sendRequest(RunStartRequest.type, { modelFile: '/etc/passwd' }), (e: ResponseError<void>) => e.code === -32004 && /not a model file/.test(e.message) && !/root:/.test(e.message));
  } finally {
    c.conn.dispose();
    c.socket.destroy();
    assert.equal(await stop(s), 0);
  }
});
