/**
 * Collects diagnostics while a model file is checked; identical reports are kept once. Every message is made safe
 * to print here, whoever wrote it: control and text-direction characters escaped, at most MAX_MESSAGE characters.
 */
import { quoteValue } from './limits';
import type { SourceRange, SpecDiagnostic } from './types';

const MAX_MESSAGE = 1000;

export class Reporter {
  readonly diagnostics: SpecDiagnostic[] = [];
  private readonly seen = new Set<string>();

  error(range: SourceRange, code: string, message: string, suggestion?: string): void {
    this.add({ range, severity: 'error', code, message, ...(suggestion !== undefined ? { suggestion } : {}) });
  }

  warning(range: SourceRange, code: string, message: string): void {
    this.add({ range, severity: 'warning', code, message });
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }

  private add(raw: SpecDiagnostic): void {
    const d = { ...raw, message: quoteValue(raw.message, MAX_MESSAGE), ...(raw.suggestion !== undefined ? { suggestion: quoteValue(raw.suggestion) } : {}) };
    const key = `${d.range.file}:${d.range.line}:${d.range.col}:${d.code}:${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(d);
  }
}
