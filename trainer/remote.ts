/**
 * The remote trainer: `dynaxx serve --port P --token T` speaks the trainer protocol (protocol/trainer.ts,
 * vscode-jsonrpc framing) over TCP, so an editor on a laptop can train on a GPU box. Every connection is
 * bound with bindTrainer to one shared TrainerCore: one run at a time per process, and a run started by
 * one client can be listed and cancelled by the next. A connection must authenticate first (initialize
 * with the token, compared in constant time); a refused one gets an `Unauthorized` error and is closed.
 * Paths in requests (model files) are paths on this machine; runs go to `runsDir`.
 *
 * Before authentication a connection can make the server hold little: one message of at most
 * `preAuthMessageBytes` (refused from its header, before its body is read), for at most `authTimeoutMs`, and at
 * most `pendingConnections` such connections at once (transport-limits.ts). A malformed frame closes the connection.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Message } from 'vscode-jsonrpc';
import { SocketMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { CappedMessageReader } from './message-reader';
import { ErrorCodes, TrainerCore, bindTrainer } from './server';
import { TRANSPORT_ENV, transportLimits, type TransportLimits } from './transport-limits';

export interface ServeOptions {
  port: number;
  /** Bind address; 127.0.0.1 by default (0.0.0.0 exposes the trainer to the network). */
  host?: string;
  /** Required from clients unless undefined (`--insecure`). */
  token?: string;
  runsDir: string;
  /** Where connection logs go (stderr by the CLI). */
  log?(line: string): void;
  /** Message sizes, the authentication timeout, pending connections (default: transport-limits.ts, the environment). */
  limits?: Partial<TransportLimits>;
}

export interface RemoteTrainer {
  host: string;
  port: number;
  core: TrainerCore;
  /** Stops accepting, cancels the active run (it stops with a checkpoint), waits for it, closes every connection. */
  close(): Promise<void>;
}

/** Writes the refusal first, then closes the socket. */
class RefusingWriter extends SocketMessageWriter {
  constructor(private readonly conn: Socket) {
    super(conn);
  }

  override async write(msg: Message): Promise<void> {
    await super.write(msg);
    if (Message.isResponse(msg) && msg.error?.code === ErrorCodes.Unauthorized) {
      this.conn.end();
      setTimeout(() => this.conn.destroy(), 1000).unref();
    }
  }
}

export function serveTcp(opts: ServeOptions): Promise<RemoteTrainer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limits = transportLimits(opts.limits);
  const core = new TrainerCore(opts.runsDir);
  const sockets = new Set<Socket>();
  let pending = 0;

  const server = createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (pending >= limits.pendingConnections) {
      log(`${peer}: refused: ${pending} connections are already waiting to authenticate (${TRANSPORT_ENV.pendingConnections} raises the limit)`);
      socket.destroy();
      return;
    }
    log(`${peer}: connected`);
    sockets.add(socket);
    pending++;
    socket.setNoDelay(true);
    let authed = false;
    const drop = (why: string) => {
      log(`${peer}: closing: ${why}`);
      socket.destroy();
    };
    const authTimer = setTimeout(() => drop(`no successful initialize within ${limits.authTimeoutMs} ms`), limits.authTimeoutMs);
    authTimer.unref();
    const reader = new CappedMessageReader(socket, {
      maxBytes: () => (authed ? limits.messageBytes : limits.preAuthMessageBytes),
      onViolation: (why) => drop(authed ? `sent ${why}; ${TRANSPORT_ENV.messageBytes} raises the limit` : `sent ${why} before authenticating`),
    });
    const conn = createMessageConnection(reader, new RefusingWriter(socket));
    const handle = bindTrainer(conn, {
      core, remote: true, token: opts.token, log: (m) => log(`${peer}: ${m}`),
      onAuthenticated() {
        if (authed) return;
        authed = true;
        pending--;
        clearTimeout(authTimer);
      },
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      if (!authed) pending--;
      clearTimeout(authTimer);
      sockets.delete(socket);
      handle.dispose();
      conn.dispose();
      socket.destroy();
      log(`${peer}: closed`);
    };
    socket.on('error', (e) => log(`${peer}: ${e.message}`));
    socket.on('close', close);
    conn.onClose(close);
    conn.listen();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      server.on('error', (e) => log(`server: ${e.message}`));
      const addr = server.address() as AddressInfo;
      resolve({
        host,
        port: addr.port,
        core,
        async close() {
          server.close();
          core.cancelAll();
          await core.idle();
          for (const s of sockets) s.end();
          await new Promise((r) => setTimeout(r, 50));
          for (const s of sockets) s.destroy();
        },
      });
    });
  });
}
