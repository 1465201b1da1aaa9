/**
 * Text edits that set a value at a path of keys (`train.optimizer.lr`), keeping the file's style: the value
 * is replaced where it is written; missing keys are added to their mapping, as a new line in a block
 * mapping or as `, key: value` in a flow mapping; a shorthand scalar (`optimizer: adam`) becomes a
 * mapping (`{ type: adam, lr: … }`).
 */
import type { TextEdit } from 'vscode-languageserver';
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import type { ParsedDocument } from './documents';
import { offsetRange } from './positions';
import { pairOf } from './yaml-ast';

/** For keys that accept a scalar shorthand, the key the scalar stands for (`optimizer: adam` = `type: adam`). */
export const SHORTHAND_KEYS: Readonly<Record<string, string>> = { optimizer: 'type', schedule: 'type' };

export function setValueEdit(doc: ParsedDocument, path: readonly string[], value: string): TextEdit | undefined {
  const { text, doc: ydoc, skipped } = doc.yaml();
  if (skipped) return undefined;
  const edit = (start: number, end: number, newText: string): TextEdit => ({ range: offsetRange(doc.textDocument, start, end), newText });
  let node = ydoc.contents as Node | null;
  if (node === null || (isScalar(node) && node.value === null)) {
    const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
    return edit(text.length, text.length, `${sep}${renderBlock(path, value, 0)}\n`);
  }
  for (const [i, seg] of path.entries()) {
    if (!isMap(node)) return undefined;
    const pair = pairOf(node, seg);
    if (!pair) return insertInto(node, path.slice(i), value, text, edit);
    const key = pair.key as Node;
    const v = pair.value as Node | null;
    const rest = path.slice(i + 1);
    const empty = v === null || !v.range || (isScalar(v) && v.value === null && v.range[0] === v.range[1]);
    if (rest.length === 0) {
      if (!empty) return edit(v!.range![0], v!.range![1], value);
      const colon = text.indexOf(':', key.range![1]);
      return edit(colon + 1, colon + 1, ` ${value}`);
    }
    if (isMap(v)) {
      node = v;
      continue;
    }
    if (empty) {
      const colon = text.indexOf(':', key.range![1]);
      const indent = column(text, key.range![0]);
      return edit(colon + 1, colon + 1, node.flow ? ` { ${renderFlow(rest, value)} }` : `\n${' '.repeat(indent + 2)}${renderBlock(rest, value, indent + 2)}`);
    }
    const short = SHORTHAND_KEYS[seg];
    if (isScalar(v) && short !== undefined && v.range) {
      const written = text.slice(v.range[0], v.range[1]);
      return edit(v.range[0], v.range[1], `{ ${short}: ${written}, ${renderFlow(rest, value)} }`);
    }
    return undefined;
  }
  return undefined;
}

function insertInto(map: YAMLMap, segs: readonly string[], value: string, text: string, edit: (s: number, e: number, t: string) => TextEdit): TextEdit | undefined {
  const last = map.items[map.items.length - 1];
  const lastEnd = last ? ((last.value as Node | null)?.range?.[1] ?? (last.key as Node | null)?.range?.[1]) : undefined;
  if (map.flow) {
    if (lastEnd === undefined) return map.range ? edit(map.range[0] + 1, map.range[0] + 1, ` ${renderFlow(segs, value)} `) : undefined;
    return edit(lastEnd, lastEnd, `, ${renderFlow(segs, value)}`);
  }
  const firstKey = (map.items[0]?.key as Node | null)?.range?.[0];
  if (lastEnd === undefined || firstKey === undefined) return undefined;
  const indent = column(text, firstKey);
  let at = lastEnd;
  if (text[at - 1] === '\n') at--;
  const lineEnd = text.indexOf('\n', at);
  const pos = lineEnd === -1 ? text.length : lineEnd;
  return edit(pos, pos, `\n${' '.repeat(indent)}${renderBlock(segs, value, indent)}`);
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function renderBlock(segs: readonly string[], value: string, indent: number): string {
  const [head, ...rest] = segs;
  if (rest.length === 0) return `${head}: ${value}`;
  return `${head}:\n${' '.repeat(indent + 2)}${renderBlock(rest, value, indent + 2)}`;
}

function renderFlow(segs: readonly string[], value: string): string {
  const [head, ...rest] = segs;
  return rest.length === 0 ? `${head}: ${value}` : `${head}: { ${renderFlow(rest, value)} }`;
}
