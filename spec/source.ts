/**
 * A tiny positioned tree (maps, lists, scalars) that every checker walks. It is built from a YAML
 * document (real positions) or from plain JSON (one fixed position, for imported `model.json`
 * files), so the same validation code serves both.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node as YamlNode } from 'yaml';
import { quoteValue } from './limits';
import type { SourceRange } from './types';

export interface SScalar { kind: 'scalar'; value: unknown; range: SourceRange }
export interface SSeq { kind: 'seq'; items: SNode[]; range: SourceRange }
export interface SEntry { key: string; keyRange: SourceRange; value: SNode; range: SourceRange }
export interface SMap { kind: 'map'; entries: SEntry[]; range: SourceRange }
export type SNode = SScalar | SSeq | SMap;

/** Turns character offsets into 1-based ranges. */
export class Positions {
  constructor(private readonly file: string, private readonly lines: LineCounter, private readonly text: string) {}
  /** The range of text[start, end), without trailing whitespace. */
  range(start: number, end: number): SourceRange {
    while (end > start && /\s/.test(this.text[end - 1] ?? '')) end--;
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(Math.max(start, end));
    return { file: this.file, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }
}

/** Where conversion hit a limit: the first such place is reported by the caller, the rest of the tree is cut. */
export interface ConvertProblem { range: SourceRange; what: 'aliases' | 'nesting' }

/**
 * Converts a composed YAML document into an SNode tree (aliases resolved), bounded: at most `maxAliasNodes`
 * nodes are produced by alias expansion (a "billion laughs" file stops there) and mappings/lists nest at most
 * `maxNesting` deep. Past a limit the offending value becomes `null` and `problem` says where.
 */
export function fromYaml(
  doc: Document, pos: Positions, limits: { maxAliasNodes: number; maxNesting: number } = { maxAliasNodes: Infinity, maxNesting: 64 },
): { root: SNode | undefined; problem?: ConvertProblem } {
  let aliasNodes = 0;
  let problem: ConvertProblem | undefined;
  const stop = (range: SourceRange, what: ConvertProblem['what']): SNode => {
    problem ??= { range, what };
    return { kind: 'scalar', value: null, range };
  };
  /** `alias`: where the outermost alias this node came through is written (nodes keep their anchor's ranges). */
  const convert = (node: unknown, fallback: SourceRange, depth: number, alias: SourceRange | undefined): SNode => {
    if (problem) return { kind: 'scalar', value: null, range: fallback };
    if (isAlias(node)) {
      const at = alias ?? (node.range ? pos.range(node.range[0], node.range[1]) : fallback);
      return convert(node.resolve(doc), fallback, depth, at);
    }
    if (alias && ++aliasNodes > limits.maxAliasNodes) return stop(alias, 'aliases');
    const r = (node as YamlNode | null)?.range;
    const range = r ? pos.range(r[0], r[1]) : fallback;
    if ((isMap(node) || isSeq(node)) && depth >= limits.maxNesting) return stop(range, 'nesting');
    if (isMap(node)) {
      const entries: SEntry[] = [];
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const k = item.key as YamlNode | null;
        const kr = k?.range;
        const keyRange = kr ? pos.range(kr[0], kr[1]) : range;
        const key = isScalar(k) ? String(k.value) : String(k);
        const value = convert(item.value, { ...keyRange, line: keyRange.endLine, col: keyRange.endCol }, depth + 1, alias);
        entries.push({ key, keyRange, value, range: span(keyRange, value.range) });
      }
      return { kind: 'map', entries, range };
    }
    if (isSeq(node)) return { kind: 'seq', items: node.items.map((i) => convert(i, range, depth + 1, alias)), range };
    if (isScalar(node)) return { kind: 'scalar', value: node.value, range };
    return { kind: 'scalar', value: null, range };
  };
  if (doc.contents === null || doc.contents === undefined) return { root: undefined };
  const root = convert(doc.contents, pos.range(0, 0), 0, undefined);
  return { root, ...(problem ? { problem } : {}) };
}

/** Converts plain JSON data into an SNode tree whose every node sits at `range`. */
export function fromJson(value: unknown, range: SourceRange): SNode {
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromJson(v, range)), range };
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
      key, keyRange: range, value: fromJson(v, range), range,
    }));
    return { kind: 'map', entries, range };
  }
  return { kind: 'scalar', value: value ?? null, range };
}

/** Plain JS value of a node (for raw sections such as `stabilize`). */
export function toJs(node: SNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toJs);
  const out: Record<string, unknown> = {};
  // defineProperty: a key named `__proto__` is data, never the object's prototype
  for (const e of node.entries) Object.defineProperty(out, e.key, { value: toJs(e.value), enumerable: true, writable: true, configurable: true });
  return out;
}

export function entry(map: SMap, key: string): SEntry | undefined {
  return map.entries.find((e) => e.key === key);
}

export function span(a: SourceRange, b: SourceRange): SourceRange {
  return { file: a.file, line: a.line, col: a.col, endLine: b.endLine, endCol: b.endCol };
}

/** How a node looks, for messages: `'abc'`, `12`, `a list`, `a mapping`. */
export function describe(node: SNode): string {
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'map') return 'a mapping';
  if (node.value === null) return 'nothing';
  return typeof node.value === 'string' ? `'${quoteValue(node.value)}'` : quoteValue(String(node.value));
}
