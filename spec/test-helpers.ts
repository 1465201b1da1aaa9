/** Shared helpers for the spec tests. */
import { parseModelText, type ParseOptions, type ParseResult } from './parse';

/** Parses YAML text written with a common leading indent (trimmed). */
export function parse(text: string, options?: ParseOptions): ParseResult {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return parseModelText(lines.map((l) => l.slice(indent)).join('\n'), '/models/test.dynaxx.yaml', options);
}

export function errors(res: ParseResult) {
  return res.diagnostics.filter((d) => d.severity === 'error');
}
