/**
 * Checks on a model file's text before anything parses it: its size (`maxModelBytes`). A text over it is not
 * parsed at all, on the main thread or in a worker; the file gets one error at 1:1 that says the limit and how to
 * raise it. Nesting is checked by the spec itself (spec/nesting.ts, without recursion), with the position.
 */
import type { SpecDiagnostic } from '../spec';
import { howToRaise, overBytes, type SpecLimits } from '../spec/limits';

/** The code of the diagnostics for texts (or parses) over a limit. */
export const LIMIT_CODE = 'limit';

export { overBytes };

/** Why `text` must not be parsed, or undefined. */
export function textProblem(text: string, limits: SpecLimits): string | undefined {
  if (overBytes(text, limits.maxModelBytes)) {
    const bytes = Buffer.byteLength(text, 'utf8');
    return `this file is ${bytes.toLocaleString('en-US')} bytes, too large for a model file, and was not parsed (${howToRaise('maxModelBytes', limits)}). `
      + 'A model file this large is generated or hostile: check where it came from.';
  }
  return undefined;
}

/** One error at 1:1 (the first line) of `file`. */
export function fileDiagnostic(file: string, text: string, code: string, message: string): SpecDiagnostic {
  const firstLine = text.slice(0, Math.min(text.length, 200)).split(/\r?\n/, 1)[0] ?? '';
  return { range: { file, line: 1, col: 1, endLine: 1, endCol: Math.max(2, firstLine.length + 1) }, severity: 'error', code, message };
}
