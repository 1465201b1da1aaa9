/**
 * Trainer process entry point: `node dist/trainer.js --stdio` speaks the JSON-RPC protocol of
 * protocol/trainer.ts on stdin/stdout (so nothing else may write to stdout: logs go to stderr and
 * window/logMessage). SIGINT/SIGTERM cancel the active run (with a checkpoint) before exiting. A message larger
 * than DYNAXX_MAX_MESSAGE_BYTES (64 MB by default), or a malformed one, ends the connection the same way.
 */
import { StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { CappedMessageReader } from './message-reader';
import { bindTrainer } from './server';
import { TRANSPORT_ENV, transportLimits } from './transport-limits';

export function serveStdio(): void {
  // keep stdout clean for the protocol
  console.log = (...args: unknown[]) => process.stderr.write(`${args.join(' ')}\n`);
  const log = (line: string) => process.stderr.write(`dynaxx trainer: ${line}\n`);
  const limits = transportLimits();
  const reader = new CappedMessageReader(process.stdin, {
    maxBytes: () => limits.messageBytes,
    onViolation(why) {
      log(`the client sent ${why}; closing (${TRANSPORT_ENV.messageBytes} raises the message limit)`);
      process.stdin.destroy();
    },
  });
  const conn = createMessageConnection(reader, new StreamMessageWriter(process.stdout));
  const trainer = bindTrainer(conn, { log });
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
