/**
 * The resource check that `dynaxx check` prints and every run passes before it allocates anything: the estimate
 * (estimate.ts) for a backend, its errors thrown as one SpecError (file:line:col lines, exit 2 in the CLI,
 * InvalidModel over the protocol), its warnings handed back for the caller to show.
 */
import { totalmem } from 'node:os';
import { LineCounter, parseDocument } from 'yaml';
import type { BackendId } from '../../protocol/trainer';
import { SpecError, type ModelFile, type SourceRange, type SpecDiagnostic } from '../../spec/types';
import { BACKEND_LIMITS } from '../backend/backends';
import { estimateResources, type ResourceEstimate } from './estimate';

export { formatBytes, summarize, type ResourceEstimate } from './estimate';

export interface ResourceCheck {
  estimate: ResourceEstimate;
  warnings: SpecDiagnostic[];
}

/** The estimate on `backend`; `sourceText` (the model file's text) positions messages about `data:` keys. */
export function estimateFor(model: ModelFile, backend: BackendId, sourceText?: string, totalMemory = totalmem()): ResourceEstimate {
  return estimateResources(model, { backend, limits: BACKEND_LIMITS[backend](), totalMemory, dataRange: sourceText === undefined ? undefined : dataRanges(sourceText, model.file) });
}

/** Throws SpecError when the model cannot be trained on `backend` with this machine's memory; returns the estimate and warnings. */
export function checkResources(model: ModelFile, backend: BackendId, sourceText?: string, totalMemory?: number): ResourceCheck {
  const estimate = estimateFor(model, backend, sourceText, totalMemory);
  const errors = estimate.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new SpecError(errors);
  return { estimate, warnings: estimate.problems.filter((p) => p.severity === 'warning') };
}

/** `data.<key>`'s value in the file's text, as a range (undefined when the text does not say it). */
function dataRanges(text: string, file: string): (key: string) => SourceRange | undefined {
  let doc: ReturnType<typeof parseDocument> | undefined;
  const lines = new LineCounter();
  return (key) => {
    try {
      doc ??= parseDocument(text, { lineCounter: lines });
      const node = doc.getIn(['data', key], true) as { range?: [number, number, number] } | undefined;
      if (!node?.range) return undefined;
      const [s, e] = [lines.linePos(node.range[0]), lines.linePos(node.range[1])];
      return { file, line: s.line, col: s.col, endLine: e.line, endCol: e.col };
    } catch {
      return undefined;
    }
  };
}
