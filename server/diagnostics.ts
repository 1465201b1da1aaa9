/** Spec diagnostics as LSP diagnostics (0-based, source `dynaxx`, the did-you-mean in `data`). */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { SpecDiagnostic } from '../spec';
import { toLspRange } from './positions';

export const SOURCE = 'dynaxx';

/** What a spec diagnostic carries in `Diagnostic.data`, for its quick fix. */
export interface SpecDiagnosticData {
  kind: 'spec';
  suggestion?: string;
}

export function toLspDiagnostic(d: SpecDiagnostic): Diagnostic {
  const data: SpecDiagnosticData = { kind: 'spec', ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}) };
  return {
    range: toLspRange(d.range),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: SOURCE,
    code: d.code,
    message: d.suggestion !== undefined ? `${d.message} (did you mean '${d.suggestion}'?)` : d.message,
    data,
  };
}

export function specDiagnostics(diagnostics: readonly SpecDiagnostic[]): Diagnostic[] {
  return diagnostics.map(toLspDiagnostic);
}
