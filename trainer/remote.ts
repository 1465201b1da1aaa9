/**
 * The remote trainer: `dynaxx serve --port P --token T` speaks the trainer protocol (protocol/trainer.ts,
 * vscode-jsonrpc framing) over TCP, so an editor on a laptop can train on a GPU box. Every connection is
 * bound with bindTrainer to one shared TrainerCore: one run at a time per process, and a run started by
 * one client can be listed and cancelled by the next. A connection must authenticate first (initialize
 * with the token, compared in constant time); a refused one gets an `Unauthorized` error and is closed.
 * Paths in requests (model files) are paths on this machine; runs go to `runsDir`.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Message } from 'vscode-jsonrpc';
import { SocketMessageReader, SocketMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { ErrorCodes, TrainerCore, bindTrainer } from './server';

export interface ServeOptions {
  port: number;
  /** Bind address; 127.0.0.1 by default (0.0.0.0 exposes the trainer to the network). */
  host?: string;
  /** Required from clients unless undefined (`--insecure`). */
  token?: string;
  runsDir: string;
  /** Where connection logs go (stderr by the CLI). */
  log?(line: string): void;
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
  const core = new TrainerCore(opts.runsDir);
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    log(`${peer}: connected`);
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = createMessageConnection(new SocketMessageReader(socket), new RefusingWriter(socket));
    const handle = bindTrainer(conn, { core, remote: true, token: opts.token, log: (m) => log(`${peer}: ${m}`) });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
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
