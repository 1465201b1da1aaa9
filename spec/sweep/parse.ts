/**
 * Reads a sweep file (`*.sweep.yaml`): the base model file, the axes (key path → values), the search (grid or a
 * seeded random draw from the grid), the metric, the seed axes and the tries per point. `parseSweepText` never
 * throws: every problem is a diagnostic positioned in the sweep file, as the model-file parser reports them.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { headRange, readFields, type FieldTable } from '../fields';
import { howToRaise, overBytes, quoteValue, specLimits, type SpecLimits } from '../limits';
import { nestingTooDeep } from '../nesting';
import { TOP_FIELDS } from '../parse';
import { mb } from '../read-file';
import { Reporter } from '../report';
import { describe, entry, fromYaml, Positions, toJs, type SEntry, type SMap, type SNode } from '../source';
import { didYouMean } from '../suggest';
import type { SourceRange, SpecDiagnostic } from '../types';
import { checkModelPath, parseKeyPath } from './key-path';
import type { SweepAxis, SweepCommand, SweepMetric, SweepSearch, SweepSpec } from './types';

/** Points a sweep may run, unless the caller passes another `maxPoints`. */
export const MAX_SWEEP_POINTS = 10_000;

export interface SweepParseOptions {
  limits?: SpecLimits;
  /** Default MAX_SWEEP_POINTS. */
  maxPoints?: number;
}

export interface SweepParseResult {
  /** Present when there are no errors (warnings allowed). */
  sweep?: SweepSpec;
  diagnostics: SpecDiagnostic[];
}

export const SWEEP_FIELDS: FieldTable = {
  name: { ...TOP_FIELDS.name!, doc: 'Name of the sweep: used for its folder and reports. Default: the file name without `.sweep.yaml`.' },
  model: { kind: 'string', required: true, doc: 'The base model file (`*.dynaxx.yaml`), relative to this file. Each point is this file with the axes\' values written in.' },
  command: { kind: 'enum', values: ['train', 'prune'], default: 'train', doc: 'What each point runs: `train` (a training run) or `prune` (training, then the pruning sweep of its `prune:` block).' },
  attempts: { kind: 'int', min: 1, max: 10, default: 3, doc: 'Tries per point before it is reported failed (a model file the point makes invalid fails at once).' },
};

export const AXES_DOC = 'Key path into the model file → list of values, e.g. `train.optimizer.lr: [0.001, 0.0003]` or '
  + '`model.layers[1].units: [64, 128]`. `off` removes the key (unless the key accepts `off`, like `stabilize`). The grid is every combination, the last axis varying fastest.';
export const SEARCH_DOC = '`grid` (default: every combination) or `{ random: N, seed: S }`: N distinct grid points drawn with seed S (N at most the grid size).';
export const METRIC_DOC = 'What the sweep compares: a number of each run\'s final summary and whether higher (`max`) or lower (`min`) is better. '
  + 'Default `{ name: valAccuracy, goal: max }`; a name alone (`metric: valLoss`) means min for names with `loss` or `error`, else max. '
  + 'A run\'s summary has valLoss, valAccuracy, testLoss, testAccuracy (when the data has those splits) and trainLoss (the last training loss read); '
  + 'a prune point also prunedValAccuracy and prunedTestAccuracy (the pruned models\' mean over its criteria and targets; per target: prunedValAccuracy50), and compares prunedValAccuracy by default.';
export const SEEDS_DOC = 'Axes that repeat a point (seeds): per-axis summaries average over them. Default: every axis whose path ends in `.seed`.';

/** Keys the sweep parser reads besides SWEEP_FIELDS. */
export const SWEEP_SECTIONS = ['axes', 'search', 'metric', 'seeds'] as const;
/** Every top-level key of a sweep file (the schema's keys; a test keeps them equal). */
export const SWEEP_KEYS: readonly string[] = [...Object.keys(SWEEP_FIELDS), ...SWEEP_SECTIONS];

const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** The numbers every run's summary has (the point runner adds trainLoss); a technique may add others. */
export const SUMMARY_METRICS = ['valAccuracy', 'valLoss', 'testAccuracy', 'testLoss', 'trainLoss'] as const;
/**
 * What a prune point adds (trainer/sweep/point-runner.ts): the pruned models' mean accuracy over the point's criteria and
 * targets on the selection split (validation) and the report split (test), and per target (`prunedValAccuracy50`).
 */
export const PRUNE_METRICS = ['prunedValAccuracy', 'prunedTestAccuracy'] as const;

export function parseSweepText(text: string, file: string, opts: SweepParseOptions = {}): SweepParseResult {
  const r = new Reporter();
  try {
    const sweep = parseInto(text, file, opts, r);
    const diagnostics = [...r.diagnostics].sort((a, b) => a.range.line - b.range.line || a.range.col - b.range.col);
    return { ...(sweep && r.errorCount === 0 ? { sweep } : {}), diagnostics };
  } catch (e) {
    r.error(start(file), 'internal', `internal error while reading the sweep file (please report it with the file): ${quoteValue((e as Error).message ?? String(e), 200)}`);
    return { diagnostics: r.diagnostics };
  }
}

const start = (file: string): SourceRange => ({ file, line: 1, col: 1, endLine: 1, endCol: 1 });

function parseInto(text: string, file: string, opts: SweepParseOptions, r: Reporter): SweepSpec | undefined {
  const limits = opts.limits ?? specLimits();
  const maxPoints = opts.maxPoints ?? MAX_SWEEP_POINTS;
  const read = readYaml(text, file, limits, r);
  if (!read) return undefined;
  const converted = fromYaml(read.doc, read.pos, limits);
  if (converted.problem) {
    r.error(converted.problem.range, 'limit', converted.problem.what === 'aliases'
      ? `YAML aliases here expand to too many values; write the values out (${howToRaise('maxAliasNodes', limits)})`
      : `mappings and lists nest too deep here (${howToRaise('maxNesting', limits)})`);
    return undefined;
  }
  const root = converted.root;
  if (root === undefined || (root.kind === 'scalar' && root.value === null)) {
    r.error(start(file), 'missing-key', "the sweep file is empty; it needs 'model:' (the base model file) and 'axes:' (key path → values)");
    return undefined;
  }
  if (root.kind !== 'map') {
    const what = root.kind === 'seq' ? 'a list' : typeof root.value === 'string' ? `a text of ${root.value.length} characters` : describe(root);
    r.error(root.range, 'type', `a sweep file must be a mapping with 'model' and 'axes', got ${what}`);
    return undefined;
  }
  const top = readFields(root, SWEEP_FIELDS, r, 'the sweep file', SWEEP_SECTIONS);
  const axes = readAxes(root, r);
  const gridSize = axes?.reduce((n, a) => n * a.values.length, 1);
  const search = readSearch(entry(root, 'search'), gridSize, maxPoints, r);
  const command = (top?.command ?? 'train') as SweepCommand;
  const metric = readMetric(entry(root, 'metric'), r, command);
  const seedAxes = axes ? readSeeds(entry(root, 'seeds'), axes, r) : undefined;
  if (axes && gridSize !== undefined && search?.kind === 'grid' && gridSize > maxPoints) {
    const sizes = axes.map((a) => a.values.length).join(' × ');
    r.error(entry(root, 'axes')!.keyRange, 'limit',
      `the grid has ${fmtCount(gridSize)} points (${sizes}), more than the ${fmtCount(maxPoints)} a sweep may run; remove values from the longest axes, or sample the grid with 'search: { random: <points> }'`);
  }
  if (!top || !axes || !search || !metric || !seedAxes || gridSize === undefined) return undefined;
  const modelEntry = entry(root, 'model')!;
  const model = top.model as string;
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  return {
    file,
    name: (top.name as string | undefined) ?? basename(path).replace(/(\.sweep)?\.ya?ml$/i, ''),
    model,
    modelPath: isAbsolute(model) ? model : resolve(dirname(resolve(path)), model),
    modelRange: modelEntry.value.range,
    command,
    axes,
    search,
    metric,
    seedAxes,
    attempts: top.attempts as number,
    gridSize,
    pointCount: search.kind === 'random' ? Math.min(search.budget, gridSize) : gridSize,
  };
}

function fmtCount(n: number): string {
  return Number.isSafeInteger(n) ? n.toLocaleString('en-US') : n.toExponential(2);
}

function readAxes(root: SMap, r: Reporter): SweepAxis[] | undefined {
  const e = entry(root, 'axes');
  if (!e) {
    r.error(headRange(root), 'missing-key', "the sweep file needs 'axes:' (key path → list of values, e.g. 'train.optimizer.lr: [0.001, 0.0003]')");
    return undefined;
  }
  const node = e.value;
  if (node.kind !== 'map' || node.entries.length === 0) {
    const got = node.kind === 'scalar' && node.value === null ? 'nothing' : node.kind === 'map' ? 'an empty mapping' : describe(node);
    r.error(node.kind === 'scalar' && node.value === null ? e.keyRange : node.range, 'type',
      `'axes' must be a mapping of at least one key path to a list of values (train.optimizer.lr: [0.001, 0.0003]), got ${got}`);
    return undefined;
  }
  const before = r.errorCount;
  const axes: SweepAxis[] = [];
  for (const a of node.entries) {
    const axis = readAxis(a, r);
    if (!axis) continue;
    const clash = axes.find((b) => isPrefix(b.segments, axis.segments) || isPrefix(axis.segments, b.segments));
    if (clash) {
      r.error(a.keyRange, 'axis-overlap', `axis '${quoteValue(axis.path)}' overlaps axis '${quoteValue(clash.path)}' (one sets a value inside the other); keep one of them`);
      continue;
    }
    axes.push(axis);
  }
  return r.errorCount === before ? axes : undefined;
}

function isPrefix(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): boolean {
  return a.length <= b.length && a.every((s, i) => s === b[i]);
}

function readAxis(a: SEntry, r: Reporter): SweepAxis | undefined {
  const parsed = parseKeyPath(a.key);
  if ('error' in parsed) {
    r.error(at(a, parsed.offset), 'key-path', parsed.error);
    return undefined;
  }
  const check = checkModelPath(parsed.segments);
  if (check.problem) {
    const offset = segmentOffset(a.key, parsed.segments, check.problem.segment);
    r.error(at(a, offset), 'unknown-key', `axis '${quoteValue(a.key)}': ${check.problem.message}`, check.problem.suggestion);
    return undefined;
  }
  const v = a.value;
  if (v.kind !== 'seq' || v.items.length === 0) {
    const got = v.kind === 'seq' ? 'an empty list' : describe(v);
    r.error(v.kind === 'scalar' && v.value === null ? a.keyRange : v.range, 'type',
      `axis '${quoteValue(a.key)}' needs a list of at least one value, e.g. [0.001, 0.0003]; got ${got}${v.kind === 'scalar' && v.value !== null ? ' (write [value] for a single value)' : ''}`);
    return undefined;
  }
  const values = v.items.map(toJs);
  const seen = new Map<string, number>();
  values.forEach((x, i) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) r.warning(v.items[i]!.range, 'duplicate-value', `axis '${quoteValue(a.key)}' lists ${describe(v.items[i]!)} twice: its points run twice`);
    else seen.set(k, i);
  });
  return { path: a.key, segments: parsed.segments, values, range: a.keyRange, valueRanges: v.items.map((i) => i.range) };
}

/** Offset in `path` of segment `n` (names and `[i]` both count as segments). */
function segmentOffset(path: string, segments: ReadonlyArray<string | number>, n: number): number {
  let off = 0;
  for (let i = 0; i < n; i++) {
    const s = segments[i]!;
    off += typeof s === 'number' ? `[${s}]`.length : s.length;
    if (typeof segments[i + 1] === 'string') off++; // the dot
  }
  return Math.min(off, path.length);
}

/** The range of the key from `offset` on, when the key is written on one line (plain or quoted); else the key. */
function at(a: SEntry, offset: number): SourceRange {
  const k = a.keyRange;
  if (k.line !== k.endLine) return k;
  const width = k.endCol - k.col;
  const skip = width === a.key.length ? 0 : width === a.key.length + 2 ? 1 : undefined;
  if (skip === undefined) return k;
  return { ...k, col: k.col + skip + offset, endCol: k.endCol - skip };
}

function readSearch(e: SEntry | undefined, gridSize: number | undefined, maxPoints: number, r: Reporter): SweepSearch | undefined {
  const v = e?.value;
  if (!e || !v || (v.kind === 'scalar' && (v.value === null || v.value === 'grid'))) return { kind: 'grid' };
  const bad = (node: SNode): undefined => {
    const s = v.kind === 'scalar' && typeof v.value === 'string' ? didYouMean(v.value, ['grid', 'random']) : undefined;
    r.error(node.range, 'type', `'search' must be 'grid' or { random: <points>, seed: <int> }, got ${describe(v)}`, s);
    return undefined;
  };
  if (v.kind !== 'map') return bad(v);
  const raw = readFields(v, {
    random: { kind: 'int', min: 1, required: true, doc: '' },
    seed: { kind: 'int', min: 0, default: 0, doc: '' },
  }, r, "'search'");
  if (!raw) return undefined;
  const budget = raw.random as number;
  const budgetRange = entry(v, 'random')!.value.range;
  if (budget > maxPoints) {
    r.error(budgetRange, 'limit', `'random: ${budget}' draws more than the ${fmtCount(maxPoints)} points a sweep may run; lower it`);
    return undefined;
  }
  if (gridSize !== undefined && budget > gridSize) {
    r.warning(budgetRange, 'random-budget', `'random: ${budget}' is more than the grid's ${fmtCount(gridSize)} points: each runs once (the same as 'search: grid')`);
  }
  return { kind: 'random', budget, seed: raw.seed as number };
}

function readMetric(e: SEntry | undefined, r: Reporter, command: SweepCommand): SweepMetric | undefined {
  const v = e?.value;
  const goalFor = (name: string): SweepMetric['goal'] => (/loss|error/i.test(name) ? 'min' : 'max');
  const byDefault = command === 'prune' ? 'prunedValAccuracy' : 'valAccuracy';
  const names: readonly string[] = command === 'prune' ? [...SUMMARY_METRICS, ...PRUNE_METRICS] : SUMMARY_METRICS;
  if (!e || !v || (v.kind === 'scalar' && v.value === null)) return { name: byDefault, goal: 'max' };
  const nameOk = (node: SNode, name: unknown): name is string => {
    if (typeof name === 'string' && METRIC_NAME.test(name)) return true;
    r.error(node.range, 'type', `the metric's name must be a summary number's name such as valAccuracy or valLoss, got ${describe(node)}`);
    return false;
  };
  const known = (node: SNode, name: string) => {
    if (!names.includes(name) && !(command === 'prune' && /^pruned(Val|Test)Accuracy\d+$/.test(name))) {
      const s = didYouMean(name, names);
      r.warning(node.range, 'unknown-metric', `'${name}' is not one of the numbers every ${command === 'prune' ? 'prune point' : 'run'}'s summary has (${names.join(', ')}${command === 'prune' ? ', prunedValAccuracy<target>' : ''})${s ? `; did you mean '${s}'?` : ''}: points without it are not compared`);
    }
  };
  if (v.kind === 'scalar') {
    if (!nameOk(v, v.value)) return undefined;
    known(v, v.value as string);
    return { name: v.value as string, goal: goalFor(v.value as string) };
  }
  if (v.kind !== 'map') {
    r.error(v.range, 'type', `'metric' must be { name: <summary number>, goal: max | min } or a name, got ${describe(v)}`);
    return undefined;
  }
  const raw = readFields(v, {
    name: { kind: 'string', doc: '' },
    goal: { kind: 'enum', values: ['max', 'min'], doc: '' },
  }, r, "'metric'");
  if (!raw) return undefined;
  const nameEntry = entry(v, 'name');
  if (nameEntry && !nameOk(nameEntry.value, raw.name)) return undefined;
  const name = (raw.name as string | undefined) ?? byDefault;
  if (nameEntry) known(nameEntry.value, name);
  return { name, goal: (raw.goal as SweepMetric['goal'] | undefined) ?? goalFor(name) };
}

function readSeeds(e: SEntry | undefined, axes: SweepAxis[], r: Reporter): string[] | undefined {
  const v = e?.value;
  const paths = axes.map((a) => a.path);
  if (!e || !v || (v.kind === 'scalar' && v.value === null)) return paths.filter((p) => p === 'seed' || p.endsWith('.seed'));
  const items = v.kind === 'seq' ? v.items : v.kind === 'scalar' && typeof v.value === 'string' ? [v] : undefined;
  if (!items) {
    r.error(v.range, 'type', `'seeds' must be a list of axis key paths (e.g. [train.seed]), got ${describe(v)}`);
    return undefined;
  }
  const before = r.errorCount;
  const chosen = new Set<string>();
  for (const item of items) {
    const p = item.kind === 'scalar' ? item.value : undefined;
    if (typeof p === 'string' && paths.includes(p)) { chosen.add(p); continue; }
    r.error(item.range, 'unknown-axis', `'seeds' lists ${describe(item)}, which is not one of the axes (${paths.map((x) => quoteValue(x)).join(', ')})`,
      typeof p === 'string' ? didYouMean(p, paths) : undefined);
  }
  return r.errorCount === before ? paths.filter((p) => chosen.has(p)) : undefined;
}

/** Size first, then flow nesting, then one YAML document; syntax errors positioned. */
function readYaml(text: string, file: string, limits: SpecLimits, r: Reporter): { doc: Document; pos: Positions } | undefined {
  if (overBytes(text, limits.maxModelBytes)) {
    r.error(start(file), 'limit', `the sweep file is ${mb(Buffer.byteLength(text, 'utf8'))}, too large for a sweep file (${howToRaise('maxModelBytes', limits)})`);
    return undefined;
  }
  const lines = new LineCounter();
  const deep = nestingTooDeep(text, limits.maxNesting);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    const col = deep - before.lastIndexOf('\n');
    r.error({ file, line, col, endLine: line, endCol: col + 1 }, 'limit', `mappings and lists nest too deep here (${howToRaise('maxNesting', limits)})`);
    return undefined;
  }
  const pos = new Positions(file, lines, text);
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) {
    const msg = e.code === 'MULTIPLE_DOCS' ? "a sweep file holds one YAML document; remove the '---' line here" : quoteValue(e.message.split('\n')[0]!, 200);
    r.error(pos.range(e.pos[0], e.pos[1]), 'yaml', msg);
  }
  for (const w of doc.warnings) r.warning(pos.range(w.pos[0], w.pos[1]), 'yaml', quoteValue(w.message.split('\n')[0]!, 200));
  return doc.errors.length > 0 ? undefined : { doc, pos };
}
