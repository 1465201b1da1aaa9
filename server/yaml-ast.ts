/**
 * The YAML syntax tree of a model file with offsets, for the features that work on text rather than on the
 * resolved model: completion and key hovers (the path at the cursor), links, the outline and edits.
 * It is built on the server's main thread, so only for texts that cannot stall or crash it: at most
 * `MAX_TREE_BYTES`, nested within the spec's limit, aliases never expanded past 100 nodes. Other texts get an
 * empty tree (no completion, outline or key hovers; their diagnostics come from the parse worker).
 */
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { specLimits } from '../spec/limits';
import { overBytes } from './text-limits';
import { nestingTooDeep } from '../spec/nesting';

/** Texts larger than this get no syntax tree (about 150 ms of parsing on the main thread). */
export const MAX_TREE_BYTES = 256 * 1024;

export type PathSegment = string | number;

export interface YamlTree {
  text: string;
  doc: Document;
  /** The document as plain data (`undefined` where it cannot be converted). */
  value: unknown;
  /** Set when the text was not parsed (too large or too deep): the tree is empty, edits must not be made. */
  skipped?: boolean;
}

export function parseYaml(text: string): YamlTree {
  const limits = specLimits();
  if (overBytes(text, Math.min(MAX_TREE_BYTES, limits.maxModelBytes))) return emptyTree(text);
  if (nestingTooDeep(text, limits.maxNesting) !== undefined) return emptyTree(text);
  const doc = parseDocument(text, { lineCounter: new LineCounter(), keepSourceTokens: false, prettyErrors: false, uniqueKeys: false });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    value = undefined;
  }
  return { text, doc, value };
}

/** A tree with nothing in it, for a text that is not parsed on the main thread. */
export function emptyTree(text: string): YamlTree {
  return { text, doc: new Document(), value: undefined, skipped: true };
}

/** The plain value at `path` inside `value`. */
export function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

export function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

/** The pair with key `key` in a map node. */
export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => keyOf(p) === key);
}

/** The node at a path of map keys and list indexes. */
export function nodeAtPath(tree: YamlTree, path: readonly PathSegment[]): Node | null | undefined {
  let node: unknown = tree.doc.contents;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!isSeq(node)) return undefined;
      node = node.items[seg];
    } else {
      if (!isMap(node)) return undefined;
      const pair = pairOf(node, seg);
      if (!pair) return undefined;
      node = pair.value;
    }
  }
  return node as Node | null;
}

/** What is at an offset: a key (its path ends with the key) or a value. */
export interface Located {
  path: PathSegment[];
  onKey: boolean;
  /** The key's or value's [start, end) offsets. */
  span: [number, number];
}

export function locate(tree: YamlTree, offset: number): Located | undefined {
  const within = (n: Node | null | undefined): n is Node => !!n?.range && offset >= n.range[0] && offset <= n.range[1];
  const visit = (node: Node, path: PathSegment[]): Located | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = keyOf(pair);
        if (key === undefined) continue;
        const k = pair.key as Node;
        if (within(k)) return { path: [...path, key], onKey: true, span: [k.range![0], k.range![1]] };
        const v = pair.value as Node | null;
        if (within(v)) return visit(v, [...path, key]);
      }
      return undefined;
    }
    if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) if (within(item as Node)) return visit(item as Node, [...path, i]);
      return undefined;
    }
    return { path, onKey: false, span: [node.range![0], node.range![1]] };
  };
  const root = tree.doc.contents as Node | null;
  return within(root) ? visit(root, []) : undefined;
}
