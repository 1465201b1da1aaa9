/**
 * One parse, as a parse worker runs it: the text checked against the size and nesting limits, then the spec's
 * `parseModelText` with the guarded reader for `modelJson:` (regular files, size cap, Restricted Mode roots,
 * never quoting a file that is not JSON). Open `.json` documents override the disk, as the editor shows them.
 * Pure apart from reading files, so tests run it without a worker.
 */
import { parseModelText, type ParseResult } from '../spec';
import { specLimits } from '../spec/limits';
import { checkAllowed, jsonOnly, safeReadFile, type ReadPolicy } from './safe-read';
import { fileDiagnostic, LIMIT_CODE, overBytes, textProblem } from './text-limits';

/** Main thread -> worker. */
export interface ParseJob {
  id: number;
  text: string;
  /** The model file's path (or the URI when it is not a `file:`). */
  file: string;
  /** Texts of the open `.json` documents by path: they win over the files on disk. */
  openJson: Record<string, string>;
  policy: ReadPolicy;
}

/** Worker -> main thread: `ready` once it has loaded, then one `done` per job. */
export type WorkerMessage = { kind: 'ready' } | { kind: 'done'; id: number; result: ParseResult };

export function runParseJob(job: ParseJob): ParseResult {
  const limits = specLimits();
  const problem = textProblem(job.text, limits);
  if (problem) return { diagnostics: [fileDiagnostic(job.file, job.text, LIMIT_CODE, problem)] };
  const read = (path: string): string => {
    const open = job.openJson[path];
    if (open === undefined) return safeReadFile(path, job.policy, 'maxModelJsonBytes', limits);
    checkAllowed(path, job.policy);
    if (overBytes(open, limits.maxModelJsonBytes)) throw new Error('the open document is over the size limit for a modelJson file');
    return open;
  };
  return parseModelText(job.text, job.file, { readFile: jsonOnly(read) });
}
