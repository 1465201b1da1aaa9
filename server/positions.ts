/** Conversions between the spec's 1-based `SourceRange`s, character offsets and LSP's 0-based ranges. */
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceRange } from '../spec';

/** A spec range (1-based lines and columns, end exclusive) as an LSP range (0-based). */
export function toLspRange(r: SourceRange): Range {
  return {
    start: { line: r.line - 1, character: r.col - 1 },
    end: { line: r.endLine - 1, character: r.endCol - 1 },
  };
}

/** The first line of a range only: where a squiggle on a multi-line layer belongs. */
export function firstLine(range: Range, doc: TextDocument | undefined): Range {
  if (range.start.line === range.end.line) return range;
  const lineEnd = doc ? lineLength(doc, range.start.line) : range.start.character + 1;
  return { start: range.start, end: { line: range.start.line, character: Math.max(lineEnd, range.start.character) } };
}

export function lineLength(doc: TextDocument, line: number): number {
  const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  return text.replace(/\r?\n$/, '').length;
}

/** The range of text[start, end), without trailing whitespace (YAML node ranges include the line break). */
export function offsetRange(doc: TextDocument, start: number, end: number): Range {
  if (end > start) {
    const text = doc.getText({ start: doc.positionAt(start), end: doc.positionAt(end) });
    end = start + text.trimEnd().length;
  }
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}
