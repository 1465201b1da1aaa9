/**
 * What a worker's parse outcome means for the file: the spec's result, or one error at 1:1 when the parse was
 * stopped (time limit, memory) or the worker failed. The messages say what probably happened and what to do.
 */
import type { DocumentResult as ParseResult } from './parse-job';
import type { ParseOutcome } from './parse-pool';
import { fileDiagnostic, LIMIT_CODE } from './text-limits';

/** The code of the diagnostic for a parse stopped at the time limit. */
export const TIMEOUT_CODE = 'parse-timeout';

const WHAT_TO_DO = 'Check where the file came from before you train it. If it is a genuine model, check it with '
  + '`dynaxx check <file>` in a terminal, or raise the language server\'s time limit (DYNAXX_PARSE_TIMEOUT_MS).';

export function outcomeResult(outcome: Exclude<ParseOutcome, { kind: 'superseded' }>, file: string, text: string, heapMb: number): ParseResult {
  const one = (code: string, message: string): ParseResult => ({ diagnostics: [fileDiagnostic(file, text, code, message)] });
  switch (outcome.kind) {
    case 'done':
      return outcome.result;
    case 'timeout':
      return one(TIMEOUT_CODE, `Parsing this file took longer than ${seconds(outcome.ms)} and was stopped: the file is probably hostile `
        + `(a YAML alias bomb, a modelJson that never ends) or far too large. ${WHAT_TO_DO}`);
    case 'crashed':
      if (outcome.outOfMemory) {
        return one(LIMIT_CODE, `Parsing this file needed more than ${heapMb} MB of memory and was stopped: the file is probably hostile `
          + `(a YAML alias bomb) or far too large. ${WHAT_TO_DO}`);
      }
      return one('internal', `internal error in the parse worker: ${outcome.message}`);
  }
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}
