/**
 * Entry point of a parse worker (`dist/server-parse-worker.js`, a `worker_threads` worker of the language
 * server): runs each job it is sent and posts the result. The pool kills it when a job runs past the time limit.
 */
import { parentPort } from 'node:worker_threads';
import { runParseJob, type ParseJob, type WorkerMessage } from './parse-job';

/** Tests only: a text containing this marker parses forever, like a hostile file that never finishes. */
const SLOW_MARKER = process.env.DYNAXX_TEST_SLOW_PARSE;

const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs as a worker thread of the language server');

port.on('message', (job: ParseJob) => {
  if (SLOW_MARKER && job.text.includes(SLOW_MARKER)) for (;;) { /* hostile */ }
  const message: WorkerMessage = { kind: 'done', id: job.id, result: runParseJob(job) };
  port.postMessage(message);
});
port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
