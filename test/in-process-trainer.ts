/** A trainer bound in this process (bindTrainer over a pair of streams, framed like the stdio trainer), for tests that need no dist/ build. */
import { PassThrough } from 'node:stream';
import { type MessageConnection } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { CappedMessageReader } from '../trainer/message-reader';
import { bindTrainer, TrainerCore, type BindOptions } from '../trainer/server';

export interface InProcess {
  client: MessageConnection;
  /** The trainer's log lines (stacks of internal errors go here). */
  log: string[];
  close(): void;
}

export function inProcessTrainer(runsDir: string, opts: Omit<BindOptions, 'log' | 'core'> = {}): InProcess {
  const toTrainer = new PassThrough();
  const toClient = new PassThrough();
  const log: string[] = [];
  const reader = new CappedMessageReader(toTrainer, { maxBytes: () => 64 * 1024 * 1024, onViolation: (why) => log.push(`violation: ${why}`) });
  const server = createMessageConnection(reader, new StreamMessageWriter(toClient));
  const handle = bindTrainer(server, { ...opts, core: new TrainerCore(runsDir), log: (m) => log.push(m) });
  server.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toTrainer));
  client.listen();
  return {
    client,
    log,
    close() {
      client.dispose();
      handle.dispose();
      server.dispose();
    },
  };
}
