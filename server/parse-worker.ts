/**
 * Entry point of a parse worker (`dist/server-parse-worker.js`, a `worker_threads` worker of the language
 * server): runs each job it is sent and posts the result. The pool kills it when a job runs past the time limit.
 */
import { parentPort } from 'node:worker_threads';
import { runParseJob, type DocumentResult, type ParseJob, type WorkerMessage } from './parse-job';
import { fileDiagnostic } from './text-limits';

/** Tests only: a text containing this marker parses forever, like a hostile file that never finishes. */
const SLOW_MARKER = process.env.DYNAXX_TEST_SLOW_PARSE;

const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs as a worker thread of the language server');

port.on('message', (job: ParseJob) => {
  if (SLOW_MARKER && job.text.includes(SLOW_MARKER)) for (;;) { /* hostile */ }
  let result: DocumentResult;
  try {
    result = runParseJob(job);
  } catch (e) {
    const message = `internal error in the parse worker (please report it with the file): ${(e as Error).message}`;
    result = { diagnostics: [fileDiagnostic(job.file, job.text, 'internal', message)] };
  }
  port.postMessage({ kind: 'done', id: job.id, result } satisfies WorkerMessage);
});
port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
