/**
 * One parse, as a parse worker runs it: the text checked against the size and nesting limits, then the spec's
 * `parseModelText` with the guarded reader for `modelJson:` (regular files, size cap, Restricted Mode roots,
 * never quoting a file that is not JSON). Open `.json` documents override the disk, as the editor shows them.
 * A sweep file (`kind: 'sweep'`) is read by sweep-job.ts instead. Pure apart from reading files, so tests run it
 * without a worker.
 */
import { parseModelText } from '../spec';
import { specLimits, type SpecLimits } from '../spec/limits';
import { checkAllowed, jsonOnly, safeReadFile, type ReadPolicy } from './safe-read';
import { runSweepJob, type SweepResult } from './sweep-job';
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
  /** `sweep`: a sweep file (`*.sweep.yaml`), checked with the base model it names. Default `model`. */
  kind?: 'model' | 'sweep';
  /** Sweep files: the texts of the open model files by path (a sweep's base model is read from them first). */
  openModels?: Record<string, string>;
}

/** A parse's result: a model file's, or a sweep file's with what its lenses show. */
export type DocumentResult = SweepResult;

/** Worker -> main thread: `ready` once it has loaded, then one `done` per job. */
export type WorkerMessage = { kind: 'ready' } | { kind: 'done'; id: number; result: DocumentResult };

export function runParseJob(job: ParseJob): DocumentResult {
  const limits = specLimits();
  if (job.kind === 'sweep') return runSweepJob({ ...job, readModelJson: modelJsonReader(job, limits) });
  const problem = textProblem(job.text, limits);
  if (problem) return { diagnostics: [fileDiagnostic(job.file, job.text, LIMIT_CODE, problem)] };
  return parseModelText(job.text, job.file, { readFile: modelJsonReader(job, limits) });
}

/** The reader for `modelJson:`: open `.json` documents first, else the guarded disk read; never quotes what is not JSON. */
export function modelJsonReader(job: Pick<ParseJob, 'openJson' | 'policy'>, limits: SpecLimits): (path: string) => string {
  const read = (path: string): string => {
    const open = job.openJson[path];
    if (open === undefined) return safeReadFile(path, job.policy, 'maxModelJsonBytes', limits);
    checkAllowed(path, job.policy);
    if (overBytes(open, limits.maxModelJsonBytes)) throw new Error('the open document is over the size limit for a modelJson file');
    return open;
  };
  return jsonOnly(read);
}
