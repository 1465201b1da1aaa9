/**
 * A sweep file (`*.sweep.yaml`) as a parse worker checks it: the sweep's own diagnostics (spec/sweep
 * `parseSweepText`), then its base model read through the server's guarded reader (regular files, the model-size
 * cap, Restricted Mode roots; an open model file's text wins over the disk) and every point expanded and checked
 * (`expandSweep`). The base model's errors become one error on `model:`'s value naming the first one
 * (`file:line:col`); a point its values break becomes an error on the axis value that broke it. Runs in a parse
 * worker like any model file, so a hostile sweep is stopped by the same time and memory limits.
 */
import { dirname, relative } from 'node:path';
import { parseModelText, type ParseResult, type SpecDiagnostic, type SourceRange } from '../spec';
import { howToRaise, overBytes, specLimits } from '../spec/limits';
import { expandSweep, parseSweepText, type SweepPointError, type SweepSpec } from '../spec/sweep';
import { checkAllowed, safeReadFile, type ReadPolicy } from './safe-read';
import { fileDiagnostic, LIMIT_CODE } from './text-limits';

/** What the sweep's lenses show: its name and how many points it runs. */
export interface SweepInfo {
  name: string;
  /** Points the sweep runs (grid size, or the random budget). */
  points: number;
  /** Whether every point was expanded and checked (false above MAX_CHECKED_POINTS: only the base model was). */
  checked: boolean;
}

/** What a sweep file's check needs (parse-job.ts passes its job and its guarded `modelJson:` reader). */
export interface SweepJobInput {
  text: string;
  /** The sweep file's path. */
  file: string;
  policy: ReadPolicy;
  /** The texts of the open model files by path: the base model is read from them first. */
  openModels?: Record<string, string>;
  /** Reads the files the base model refers to (`modelJson:`). */
  readModelJson(path: string): string;
}

/** A sweep file's diagnostics, and what its lenses show when it has no errors. */
export type SweepResult = ParseResult & { sweep?: SweepInfo };

/** Above this many points the editor checks the base model only (the CLI and the trainer check every point). */
export const MAX_CHECKED_POINTS = 1000;

/** The diagnostic codes of a sweep's base model and of its points. */
export const SWEEP_BASE_CODE = 'sweep-base-model';
export const SWEEP_POINT_CODE = 'sweep-point';

const MODEL_FILE = /\.dynaxx\.ya?ml$/i;

/** One error at 1:1 when a sweep file's text is over the model-size limit (it is then not parsed at all), else undefined. */
export function sweepTooLarge(text: string, file: string, limits = specLimits()): SpecDiagnostic | undefined {
  if (!overBytes(text, limits.maxModelBytes)) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return fileDiagnostic(file, text, LIMIT_CODE, `this file is ${bytes.toLocaleString('en-US')} bytes, too large for a sweep file, and was not parsed `
    + `(${howToRaise('maxModelBytes', limits)}). A sweep file this large is generated or hostile: check where it came from.`);
}

export function runSweepJob(job: SweepJobInput): SweepResult {
  const limits = specLimits();
  const tooLarge = sweepTooLarge(job.text, job.file, limits);
  if (tooLarge) return { diagnostics: [tooLarge] };
  const parsed = parseSweepText(job.text, job.file, { limits });
  const sweep = parsed.sweep;
  if (!sweep) return { diagnostics: parsed.diagnostics };
  const diagnostics = [...parsed.diagnostics];
  const onModel = (message: string, code = SWEEP_BASE_CODE): SweepResult => ({ diagnostics: [...diagnostics, error(sweep.modelRange, code, message)] });
  // only model files: the base model's errors are quoted here, and a sweep must not make any file readable that way
  if (!MODEL_FILE.test(sweep.modelPath)) return onModel(`the base model must be a *.dynaxx.yaml model file, not '${shortName(sweep.model)}'`);
  let baseText: string;
  try {
    baseText = readBase(job, sweep.modelPath);
  } catch (e) {
    return onModel(`cannot read the base model ${shortName(sweep.model)}: ${(e as Error).message}`);
  }
  const readFile = job.readModelJson;
  const info: SweepInfo = { name: sweep.name, points: sweep.pointCount, checked: sweep.pointCount <= MAX_CHECKED_POINTS };
  if (!info.checked) {
    const base = parseModelText(baseText, sweep.modelPath, { readFile, limits });
    const baseErrors = base.diagnostics.filter((d) => d.severity === 'error');
    if (baseErrors.length > 0) return onModel(baseMessage(job.file, sweep, baseErrors));
    return { diagnostics, sweep: info };
  }
  const expanded = expandSweep(sweep, baseText, { readFile, limits });
  const baseErrors = expanded.baseDiagnostics.filter((d) => d.severity === 'error');
  if (baseErrors.length > 0) return onModel(baseMessage(job.file, sweep, baseErrors));
  diagnostics.push(...pointDiagnostics(expanded.errors));
  return { diagnostics, sweep: info };
}

/** The base model's text: the open document's (within the size limit and Restricted Mode), else the file on disk. */
function readBase(job: SweepJobInput, path: string): string {
  const limits = specLimits();
  const open = job.openModels?.[path];
  if (open === undefined) return safeReadFile(path, job.policy, 'maxModelBytes', limits);
  checkAllowed(path, job.policy);
  if (overBytes(open, limits.maxModelBytes)) throw new Error(`the open document is over the size limit for a model file (${howToRaise('maxModelBytes', limits)})`);
  return open;
}

/** "the base model m.dynaxx.yaml has 2 errors: m.dynaxx.yaml:4:7: unknown key 'lrr' (and 1 more)". */
function baseMessage(sweepFile: string, sweep: SweepSpec, errors: readonly SpecDiagnostic[]): string {
  const first = errors[0]!;
  const where = `${shortName(relative(dirname(sweepFile), first.range.file) || first.range.file)}:${first.range.line}:${first.range.col}`;
  const what = first.message + (first.suggestion !== undefined ? ` (did you mean '${first.suggestion}'?)` : '');
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more: open the model file)` : '';
  return `the base model ${shortName(sweep.model)} has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${where}: ${what}${more}`;
}

/** One error per axis value that breaks points: the first point's message, and how many more it breaks. */
export function pointDiagnostics(errors: readonly SweepPointError[]): SpecDiagnostic[] {
  const byRange = new Map<string, { first: SweepPointError; n: number }>();
  for (const e of errors) {
    const key = `${e.range.line}:${e.range.col}:${e.range.endLine}:${e.range.endCol}`;
    const seen = byRange.get(key);
    if (seen) seen.n++;
    else byRange.set(key, { first: e, n: 1 });
  }
  return [...byRange.values()].map(({ first, n }) =>
    error(first.range, SWEEP_POINT_CODE, `${first.message}${n > 1 ? ` (${n - 1} more point${n === 2 ? ' with this value fails' : 's with this value fail'} too)` : ''}`));
}

function error(range: SourceRange, code: string, message: string): SpecDiagnostic {
  return { range, severity: 'error', code, message };
}

/** A path as messages show it: cut, one line. */
function shortName(path: string): string {
  const one = path.replace(/[\r\n\t]/g, ' ');
  return one.length > 120 ? `…${one.slice(-119)}` : one;
}
