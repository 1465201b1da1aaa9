/**
 * The YAML syntax tree of a model file with offsets, for the features that work on text rather than on the
 * resolved model: completion and key hovers (the path at the cursor), links, the outline and edits.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

export type PathSegment = string | number;

export interface YamlTree {
  text: string;
  doc: Document;
  /** The document as plain data (`undefined` where it cannot be converted). */
  value: unknown;
}

export function parseYaml(text: string): YamlTree {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), keepSourceTokens: false, prettyErrors: false, uniqueKeys: false });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    value = undefined;
  }
  return { text, doc, value };
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
