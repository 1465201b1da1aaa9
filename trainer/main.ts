/**
 * Trainer process entry point: `node dist/trainer.js --stdio` speaks the JSON-RPC protocol of
 * protocol/trainer.ts on stdin/stdout (so nothing else may write to stdout: logs go to stderr and
 * window/logMessage). SIGINT/SIGTERM cancel the active run (with a checkpoint) before exiting.
 */
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { bindTrainer } from './server';

export function serveStdio(): void {
  // keep stdout clean for the protocol
  console.log = (...args: unknown[]) => process.stderr.write(`${args.join(' ')}\n`);
  const conn = createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  const trainer = bindTrainer(conn);
  const shutdown = async () => {
    trainer.cancelAll();
    await trainer.idle();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  conn.onClose(shutdown);
  conn.listen();
}

if (require.main === module) serveStdio();
