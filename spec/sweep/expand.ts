/**
 * Expands a sweep into its points: the grid (cartesian product, last axis fastest) or a seeded random draw of
 * distinct grid points, each a whole model file (the base file's text with the axis values written in through
 * the YAML document API, comments kept), checked like any model file. A point its values make invalid is not
 * fatal: it is listed in `errors`, positioned at the axis value in the sweep file.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { quoteValue, type SpecLimits } from '../limits';
import { parseModelText } from '../parse';
import type { SourceRange, SpecDiagnostic } from '../types';
import { checkModelPath, formatKeyPath } from './key-path';
import type { PointError, SweepSpec } from './types';
import { mulberry32 } from '../rng';

export interface ExpandOptions {
  /** Passed to parseModelText (files the model refers to, `modelJson:`). */
  readFile?: (path: string) => string;
  limits?: SpecLimits;
}

export interface ExpandedPoint {
  /** 0-based, in run order (grid: last axis fastest; random: draw order). */
  index: number;
  /** Axis path → value, as the sweep file writes it (`off` for a removed key). */
  values: Record<string, unknown>;
  /** The point's whole model file. */
  modelText: string;
}

/** A point the sweep refuses: its values, where in the sweep file (the offending axis value) and why. */
export type SweepPointError = PointError & { values: Record<string, unknown>; range: SourceRange; file: string };

export interface ExpandResult {
  /** The points to run, in index order; together with `errors` they hold every index 0..pointCount-1 once. */
  points: ExpandedPoint[];
  /** The points the sweep refuses (their model text is invalid, or an axis path does not fit the base file). */
  errors: SweepPointError[];
  /** The base model file's errors (positioned in it); when there are any, there are no points. */
  baseDiagnostics: SpecDiagnostic[];
}

/** The grid indices the sweep runs, in run order. */
export function sweepIndices(sweep: Pick<SweepSpec, 'search' | 'gridSize'>): number[] {
  const n = sweep.gridSize;
  if (sweep.search.kind === 'grid') return Array.from({ length: n }, (_, i) => i);
  const budget = Math.min(sweep.search.budget, n);
  const rand = mulberry32(sweep.search.seed);
  if (budget * 2 >= n) {
    // dense: a partial Fisher–Yates shuffle (n ≤ 2 × budget, so small)
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < budget; i++) {
      const j = i + Math.floor(rand() * (n - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, budget);
  }
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < budget) {
    const u = (Math.floor(rand() * 2 ** 21) * 2 ** 32 + Math.floor(rand() * 2 ** 32)) / 2 ** 53;
    const i = Math.floor(u * n);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return out;
}

/** Each axis's value position for grid index `g` (last axis fastest). */
export function gridDigits(g: number, lengths: readonly number[]): number[] {
  const digits = new Array<number>(lengths.length).fill(0);
  for (let i = lengths.length - 1; i >= 0; i--) {
    digits[i] = g % lengths[i]!;
    g = Math.floor(g / lengths[i]!);
  }
  return digits;
}

export function expandSweep(sweep: SweepSpec, baseText: string, opts: ExpandOptions = {}): ExpandResult {
  const modelOpts = { ...(opts.readFile ? { readFile: opts.readFile } : {}), ...(opts.limits ? { limits: opts.limits } : {}) };
  const base = parseModelText(baseText, sweep.modelPath, modelOpts);
  const baseErrors = base.diagnostics.filter((d) => d.severity === 'error');
  if (baseErrors.length > 0 || !base.model) return { points: [], errors: [], baseDiagnostics: baseErrors.length > 0 ? baseErrors : base.diagnostics };
  const doc = parseDocument(baseText);
  const lengths = sweep.axes.map((a) => a.values.length);
  const deletes = sweep.axes.map((a) => !checkModelPath(a.segments).acceptsOff);
  const points: ExpandedPoint[] = [];
  const errors: SweepPointError[] = [];
  const sweepFile = sweep.file;
  sweepIndices(sweep).forEach((g, index) => {
    const digits = gridDigits(g, lengths);
    const values: Record<string, unknown> = {};
    sweep.axes.forEach((a, i) => { values[a.path] = a.values[digits[i]!]; });
    const label = `point ${index} (${sweep.axes.map((a) => `${a.path}: ${formatValue(values[a.path])}`).join(', ')})`;
    const fail = (axis: number, message: string): void => {
      errors.push({ index, values, message: `${label}: ${message}`, range: sweep.axes[axis]!.valueRanges[digits[axis]!]!, file: sweepFile });
    };
    const d = doc.clone();
    let failed = false;
    sweep.axes.forEach((a, i) => {
      if (failed) return;
      const value = values[a.path];
      const problem = pathProblem(d, a.segments, value === 'off' && deletes[i]!);
      if (problem) { failed = true; fail(i, problem); return; }
      try {
        if (value === 'off' && deletes[i]) d.deleteIn(a.segments);
        else d.setIn(a.segments, d.createNode(value, { flow: true }));
      } catch (e) {
        failed = true;
        fail(i, `cannot set ${a.path}: ${quoteValue((e as Error).message, 200)}`);
      }
    });
    if (failed) return;
    const modelText = d.toString();
    const res = parseModelText(modelText, sweep.modelPath, modelOpts);
    const first = res.diagnostics.find((x) => x.severity === 'error');
    if (!first) { points.push({ index, values, modelText }); return; }
    fail(blame(modelText, first, sweep, digits, deletes), first.message + (first.suggestion !== undefined ? ` (did you mean '${first.suggestion}'?)` : ''));
  });
  return { points, errors, baseDiagnostics: [] };
}

/**
 * Why `segments` cannot be set (or removed) in `doc`: a list index past the end, a key or index through a value
 * of the wrong kind. Missing mapping keys are fine (they are created; a removal of a missing key does nothing).
 */
function pathProblem(doc: Document, segments: ReadonlyArray<string | number>, removing: boolean): string | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const here = formatKeyPath(segments.slice(0, i)) || 'the model file';
    if (node === undefined || node === null) {
      if (removing) return undefined;
      const idx = segments.slice(i).findIndex((s) => typeof s === 'number');
      return idx === -1 ? undefined : `${formatKeyPath(segments.slice(0, i + idx))} is not in the model file, so it has no item [${segments[i + idx]}]`;
    }
    if (isAlias(node)) return `${here} is a YAML alias (*${node.source}) in the model file; write its value out there to sweep inside it`;
    if (typeof seg === 'number') {
      if (!isSeq(node)) return `${here} is ${kind(node)} in the model file, not a list, so it has no item [${seg}]`;
      if (seg >= node.items.length) return `${here} has ${node.items.length} item${node.items.length === 1 ? '' : 's'} in the model file; there is no [${seg}] (items count from 0)`;
      node = node.items[seg];
    } else {
      if (!isMap(node)) return `${here} is ${kind(node)} in the model file, not a mapping, so it has no key '${seg}'`;
      node = node.get(seg, true);
    }
  }
  return undefined;
}

function kind(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return `the value ${quoteValue(String(node.value))}`;
  return 'a value';
}

/**
 * The axis to blame for a model diagnostic: the axis whose key or value in the point's model text contains the
 * diagnostic's start (the innermost one), else the first axis.
 */
function blame(text: string, d: SpecDiagnostic, sweep: SweepSpec, digits: number[], deletes: boolean[]): number {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const at = (offset: number): [number, number] => { const p = lines.linePos(offset); return [p.line, p.col]; };
  const before = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
  const start: [number, number] = [d.range.line, d.range.col];
  let best = 0;
  let bestSize = Infinity;
  sweep.axes.forEach((a, i) => {
    if (deletes[i] && a.values[digits[i]!] === 'off') return;
    const span = nodeSpan(doc, a.segments);
    if (!span) return;
    if (before(at(span[0]), start) && before(start, at(span[1]))) {
      const size = span[1] - span[0];
      if (size < bestSize) { best = i; bestSize = size; }
    }
  });
  return best;
}

/** Offsets of the key (for a mapping entry) through the end of the value at `segments`. */
function nodeSpan(doc: Document, segments: ReadonlyArray<string | number>): [number, number] | undefined {
  let node: unknown = doc.contents;
  let span: [number, number] | undefined;
  for (const seg of segments) {
    if (typeof seg === 'number') {
      if (!isSeq(node)) return undefined;
      node = node.items[seg];
      const r = (node as { range?: [number, number, number] } | undefined)?.range;
      span = r ? [r[0], r[1]] : undefined;
    } else {
      if (!isMap(node)) return undefined;
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) return undefined;
      node = pair.value;
      const k = (pair.key as { range?: [number, number, number] }).range;
      const v = (pair.value as { range?: [number, number, number] } | null)?.range;
      span = k ? [k[0], v ? v[1] : k[1]] : undefined;
    }
  }
  return span;
}

/** A value as a point's label shows it: `0.001`, `off`, `[l1, agf]`. */
export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')} }`;
  return quoteValue(String(v), 40);
}

/** A short name for a point, for tables: `lr=0.001 seed=1` (each axis by its last key; the whole path when two share it). */
export function sweepPointName(values: Record<string, unknown>): string {
  const paths = Object.keys(values);
  const short = (p: string): string => p.slice(p.lastIndexOf('.') + 1);
  return paths.map((p) => {
    const s = short(p);
    const name = paths.filter((q) => short(q) === s).length > 1 ? p : s;
    return `${name}=${formatValue(values[p])}`;
  }).join(' ');
}
