/**
 * Completion of keys and values from the schema. The cursor's path is found by parsing the text with a
 * marker in place of the word being typed (`un|` becomes `<marker>: 0`, `activation: |` becomes
 * `activation: <marker>`), so half-written files still give their structure. Keys already present are
 * left out; a layer's keys follow its `type:`.
 */
import { CompletionItemKind, MarkupKind, type CompletionItem, type Position, type Range } from 'vscode-languageserver';
import type { ParsedDocument } from './documents';
import { keysAt, requiredAt, valuesAt } from './schema-nav';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { keyOf, parseYaml, valueAt, type PathSegment } from './yaml-ast';

const MARK = '__dynaxx_cursor__';
const KEY_START = String.raw`(^\s*(?:-\s+)*|[{,]\s*)`;
const VALUE_AT = new RegExp(`${KEY_START}([A-Za-z_][\\w-]*)\\s*:(\\s*)([^\\s,{}[\\]:'"]*)$`);
const KEY_AT = new RegExp(`${KEY_START}([A-Za-z_][\\w-]*)?$`);

interface Context {
  onKey: boolean;
  /** The mapping (key completion) or the key (value completion). */
  path: PathSegment[];
  /** Plain data of the patched document. */
  value: unknown;
  /** What the completion replaces. */
  range: Range;
  /** Value completion right after `key:` without a space. */
  needsSpace: boolean;
  /** Key completion on a word already followed by `:`. */
  hasColon: boolean;
}

export function completion(doc: ParsedDocument, position: Position): CompletionItem[] {
  const ctx = context(doc, position);
  if (!ctx) return [];
  return ctx.onKey ? keyItems(ctx) : valueItems(ctx);
}

function context(doc: ParsedDocument, position: Position): Context | undefined {
  const text = doc.textDocument.getText();
  const offset = doc.textDocument.offsetAt(position);
  const prefix = text.slice(offset - position.character, offset);
  const after = text.slice(offset);
  const rest = /^[\w-]*/.exec(after)![0];
  const valueMatch = VALUE_AT.exec(prefix);
  const keyMatch = valueMatch ? null : KEY_AT.exec(prefix);
  if (!valueMatch && !keyMatch) return undefined;
  const partial = valueMatch ? valueMatch[4]! : keyMatch![2] ?? '';
  const start = offset - partial.length;
  const end = offset + rest.length;
  const hasColon = !valueMatch && /^\s*:/.test(after.slice(rest.length));
  const needsSpace = !!valueMatch && valueMatch[3] === '';
  const mark = valueMatch ? `${needsSpace ? ' ' : ''}${MARK}` : hasColon ? MARK : `${MARK}: 0`;
  const patched = text.slice(0, start) + mark + text.slice(end);
  const tree = parseYaml(patched);
  const found = findMark(tree.doc.contents as Node | null, []);
  if (!found) return undefined;
  const range = { start: doc.textDocument.positionAt(start), end: doc.textDocument.positionAt(end) };
  return { ...found, value: tree.value, range, needsSpace, hasColon };
}

function findMark(node: Node | null, path: PathSegment[]): { onKey: boolean; path: PathSegment[] } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = keyOf(pair);
      if (key === MARK) return { onKey: true, path };
      if (key === undefined) continue;
      if (isScalar(pair.value) && pair.value.value === MARK) return { onKey: false, path: [...path, key] };
      const inner = findMark(pair.value as Node | null, [...path, key]);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const inner = findMark(item as Node | null, [...path, i]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function keyItems(ctx: Context): CompletionItem[] {
  const present = valueAt(ctx.value, ctx.path);
  const existing = new Set(present && typeof present === 'object' ? Object.keys(present) : []);
  const required = new Set(requiredAt(ctx.value, ctx.path));
  return keysAt(ctx.value, ctx.path)
    .filter(([key]) => !existing.has(key))
    .map(([key, schema]) => ({
      label: key,
      kind: CompletionItemKind.Property,
      ...(schema.description ? { documentation: { kind: MarkupKind.Markdown, value: schema.description } } : {}),
      sortText: `${required.has(key) ? 0 : 1}${key}`,
      textEdit: { range: ctx.range, newText: ctx.hasColon ? key : `${key}: ` },
    }));
}

function valueItems(ctx: Context): CompletionItem[] {
  return valuesAt(ctx.value, ctx.path).map((choice, i) => ({
    label: choice.value,
    kind: CompletionItemKind.EnumMember,
    ...(choice.description ? { documentation: { kind: MarkupKind.Markdown, value: choice.description } } : {}),
    sortText: String(i).padStart(3, '0'),
    filterText: choice.value,
    textEdit: { range: ctx.range, newText: `${ctx.needsSpace ? ' ' : ''}${choice.value}` },
  }));
}
