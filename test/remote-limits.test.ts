/**
 * `dynaxx serve` before authentication: a client can make it hold at most one small message (1 MB, refused from
 * its header, before the body is read), for at most the authentication timeout; malformed frames close the
 * connection; after `initialize` with the token the larger cap applies. Runs the server in this process (serveTcp)
 * so that its memory can be measured.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { InitializeRequest, RunListRequest } from '../protocol/trainer';
import { serveTcp, type RemoteTrainer } from '../trainer/remote';
import type { TransportLimits } from '../trainer/transport-limits';
import { tempDir, waitFor } from './helpers';

const TOKEN = 'limits-token';

async function serve(limits: Partial<TransportLimits> = {}): Promise<{ remote: RemoteTrainer; log: string[] }> {
  const log: string[] = [];
  const remote = await serveTcp({ port: 0, token: TOKEN, runsDir: tempDir(), log: (l) => log.push(l), limits });
  return { remote, log };
}

async function open(port: number): Promise<{ socket: Socket; closed: Promise<void>; isClosed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined); // the server resets it
  let done = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => { done = true; resolve(); }));
  return { socket, closed, isClosed: () => done };
}

/** Streams `total` bytes after a header claiming them, respecting backpressure, until the server closes the socket. */
async function stream(socket: Socket, isClosed: () => boolean, total: number): Promise<number> {
  socket.write(`Content-Length: ${total}\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  while (sent < total && !isClosed() && !socket.destroyed) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise<void>((r) => { socket.once('drain', r); socket.once('close', r); });
  }
  return sent;
}

const held = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

test('unauthenticated clients claiming 100 MB and 250 MB messages are closed at the header: the server holds no more than a few MB', async () => {
  const { remote, log } = await serve();
  try {
    const before = held();
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, held() - before); }, 5);
    const one = await open(remote.port);
    const sent = await stream(one.socket, one.isClosed, 100 * 1024 * 1024);
    await one.closed;
    assert.ok(sent < 100 * 1024 * 1024, `the server read all ${sent} bytes`);
    // six at once, each with an unfinished 250 MB message
    const six = await Promise.all(Array.from({ length: 6 }, () => open(remote.port)));
    await Promise.all(six.map((c) => stream(c.socket, c.isClosed, 250 * 1024 * 1024)));
    await Promise.all(six.map((c) => c.closed));
    clearInterval(sampler);
    peak = Math.max(peak, held() - before);
    assert.ok(peak < 24 * 1024 * 1024, `the process grew by ${(peak / 1048576).toFixed(1)} MB`);
    assert.ok(log.some((l) => /closing: sent a message of 104,857,600 bytes \(the limit is 1,048,576\) before authenticating/.test(l)), log.join('\n'));
  } finally {
    await remote.close();
  }
});

test('malformed frames close the connection: invalid JSON, a header without Content-Length, a JSON list', async () => {
  const { remote, log } = await serve();
  try {
    for (const [frame, why] of [
      ['Content-Length: 5\r\n\r\n{{{{{', /not valid JSON/],
      ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', /malformed message header/],
      ['Content-Type: application/json\r\n\r\n', /without Content-Length/],
      ['Content-Length: 2\r\n\r\n[]', /not a JSON object/],
      [`X-Long: ${'a'.repeat(20_000)}`, /header longer than/],
    ] as const) {
      const c = await open(remote.port);
      c.socket.write(frame);
      await c.closed;
      assert.ok(log.some((l) => why.test(l)), `${why}: ${log.join('\n')}`);
    }
  } finally {
    await remote.close();
  }
});

test('a connection that does not authenticate within the timeout is closed; so is one over the pending limit', async () => {
  const { remote, log } = await serve({ authTimeoutMs: 300, pendingConnections: 2 });
  try {
    const a = await open(remote.port);
    const b = await open(remote.port);
    const c = await open(remote.port);
    await c.closed;
    assert.ok(log.some((l) => /refused: 2 connections are already waiting to authenticate/.test(l)), log.join('\n'));
    const t0 = Date.now();
    await Promise.all([a.closed, b.closed]);
    assert.ok(Date.now() - t0 < 3000);
    assert.ok(log.some((l) => /closing: no successful initialize within 300 ms/.test(l)), log.join('\n'));
    // the slots are free again
    const d = await open(remote.port);
    await d.closed;
  } finally {
    await remote.close();
  }
});

test('after initialize with the token the larger cap applies, and a message over it closes the connection', async () => {
  const { remote, log } = await serve({ messageBytes: 4 * 1024 * 1024, authTimeoutMs: 60_000 });
  try {
    const c = await open(remote.port);
    const conn = createMessageConnection(new SocketMessageReader(c.socket), new SocketMessageWriter(c.socket));
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, { token: TOKEN });
    // 2 MB: over the pre-authentication cap, under the cap after it (unknown top-level fields are ignored)
    const list = await conn.sendRequest(RunListRequest.type, { padding: 'p'.repeat(2 * 1024 * 1024) } as never);
    assert.deepEqual(list.runs, []);
    await stream(c.socket, c.isClosed, 5 * 1024 * 1024);
    await c.closed;
    await waitFor(() => log.some((l) => /sent a message of 5,242,880 bytes \(the limit is 4,194,304\); DYNAXX_MAX_MESSAGE_BYTES raises the limit/.test(l)), 2000, log.join('\n'));
    conn.dispose();
  } finally {
    await remote.close();
  }
});

test('the right token authenticates even when other initialize params are wrong (-32602): the timeout no longer applies', async () => {
  const { remote } = await serve({ authTimeoutMs: 300 });
  try {
    const c = await open(remote.port);
    const conn = createMessageConnection(new SocketMessageReader(c.socket), new SocketMessageWriter(c.socket));
    conn.listen();
    await assert.rejects(conn.sendRequest(InitializeRequest.type, { token: TOKEN, clientName: 5 } as never), (e: Error & { code?: number }) => e.code === -32602 && /^initialize: 'clientName' must be a string/.test(e.message));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(c.isClosed(), false);
    assert.deepEqual((await conn.sendRequest(RunListRequest.type, {})).runs, []);
    conn.dispose();
    c.socket.destroy();
  } finally {
    await remote.close();
  }
});
