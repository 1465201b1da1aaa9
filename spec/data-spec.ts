/** The `data:` section: where samples come from, with defaults and per-source checks. */
import { readFields, type FieldTable } from './fields';
import { fmt, prod } from './layers/kind';
import type { Reporter } from './report';
import { describe, entry, type SMap, type SNode } from './source';
import { didYouMean } from './suggest';
import type { DataSpec, DatasetSource, Shape, SyntheticKind } from './types';

export const DATA_SOURCES: DatasetSource[] = ['fashion-mnist', 'mnist', 'idx', 'csv', 'npy', 'synthetic', 'text'];
const MNIST_LIKE: DatasetSource[] = ['fashion-mnist', 'mnist'];
/** text: `context` without a [T] model input, and the held-out tail; the one task's name. */
export const TEXT_DEFAULTS = { context: 64, testFraction: 0.1, task: 'next-char' };

export const DATA_FIELDS: FieldTable = {
  source: {
    kind: 'enum', values: DATA_SOURCES,
    doc: 'Where samples come from: `fashion-mnist`, `mnist` (IDX files, downloaded or in `path`), `idx` (any IDX files), `csv`, `npy`, `synthetic`, or `text` (a UTF-8 file in `path`, for next-character prediction). Default: `fashion-mnist` when the model input is [784] or [28, 28, 1], otherwise `synthetic`.',
  },
  path: { kind: 'string', doc: 'Directory (fashion-mnist, mnist, idx) or file (csv, npy, text), relative to the model file.' },
  trainImages: { kind: 'string', doc: 'idx: training-images file name inside `path` (default: the MNIST name, gzipped or not).' },
  trainLabels: { kind: 'string', doc: 'idx: training-labels file name inside `path`.' },
  testImages: { kind: 'string', doc: 'idx: test-images file name inside `path`.' },
  testLabels: { kind: 'string', doc: 'idx: test-labels file name inside `path`.' },
  labelColumn: { kind: 'stringOrInt', doc: 'csv: name or 0-based index of the label column (default: the last column).' },
  labels: { kind: 'string', doc: 'npy: the labels file, relative to the model file.' },
  kind: { kind: 'enum', values: ['blobs', 'two-task', 'multi-task', 'sequence'], doc: 'synthetic: `blobs` (Gaussian clusters), `two-task` (tasks `left`, `right`, each labelling one half of the input), `multi-task` (tasks `t1..tN`, one per equal part of the input), `sequence` (token sequences). Default `blobs`.' },
  samples: { kind: 'int', min: 1, doc: 'synthetic: number of samples to generate.' },
  classes: { kind: 'int', min: 2, doc: 'synthetic: number of classes (per task).' },
  features: { kind: 'int', min: 1, doc: 'synthetic: features per sample (blobs, two-task, multi-task: divisible by `parts`) or sequence length (sequence, tokens from a vocabulary of 32); default 32 (multi-task: 16 per part; sequence: 16).' },
  parts: { kind: 'int', min: 2, doc: 'synthetic multi-task: number of equal input parts, one task each (`t1..tN`). Default 3.' },
  taskSeeds: { kind: 'intList', doc: 'synthetic two-task/multi-task: one seed per task; task i\'s function comes from seed i instead of the data seed, so files sharing a seed share that task.' },
  context: { kind: 'int', min: 2, doc: 'text: characters of context per sample (T). A sample is T character ids (input [T]); the model predicts the next character at each of the T positions (output [T, V], V = distinct characters of the file). Default: the model input\'s length when it is [T], otherwise 64.' },
  testFraction: { kind: 'number', min: 0, max: 1, maxExclusive: true, doc: 'text: the last fraction of the file\'s characters held out as the test split (unseen text), in [0, 1); default 0.1. `validation` is then drawn at random from the windows of the rest.' },
  tasks: { kind: 'stringList', doc: 'Keep only these tasks (label columns), in this order, e.g. `[t1, t2]`; the model then needs logits for these only.' },
  validation: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.1, doc: 'Fraction of the training set held out for validation, in [0, 1).' },
  normalize: { kind: 'numberOrAuto', default: 'auto', doc: 'Divide inputs by this number; `auto` = 255 for IDX uint8 images, 1 otherwise.' },
  limit: { kind: 'int', min: 0, default: 0, doc: 'Use at most this many training samples (quick runs); 0 = all.' },
  shape: { kind: 'shape', doc: 'Reshape flat samples to this shape, e.g. [28, 28, 1] for a CNN. The model input defaults to it.' },
};

/** The source used when `data:` is absent or has no `source:`. */
export function defaultSource(input: Shape | undefined): DatasetSource {
  const s = input?.join(',');
  return s === '784' || s === '28,28,1' ? 'fashion-mnist' : 'synthetic';
}

/**
 * Reads `data:` (absent = all defaults). `input` is the model's `input:` when given; the returned
 * `inputShape` is the model input after `data.shape` is taken into account.
 */
export function readData(
  node: SNode | undefined, input: Shape | undefined, r: Reporter, resolvePath: (p: string) => string,
): { data?: DataSpec; inputShape?: Shape } {
  let raw: Record<string, unknown> | undefined = { validation: 0.1, normalize: 'auto', limit: 0 };
  if (node !== undefined) {
    if (node.kind !== 'map') {
      r.error(node.range, 'type', `'data' must be a mapping (e.g. source: fashion-mnist), got ${describe(node)}`);
      return {};
    }
    raw = readFields(node, DATA_FIELDS, r, "'data'");
  }
  if (raw === undefined) return {};
  const shape = raw.shape as Shape | undefined;
  let inputShape = input ?? shape;
  const source = (raw.source as DatasetSource | undefined) ?? defaultSource(inputShape);
  const data: DataSpec = { ...(raw as Partial<DataSpec>), source, validation: raw.validation as number,
    normalize: raw.normalize as number | 'auto', limit: raw.limit as number };
  const at = (key: string) => (node?.kind === 'map' ? entry(node, key)?.range ?? node.range : undefined);
  if (shape && input && fmt(shape) !== fmt(input)) {
    r.error(at('shape')!, 'shape-mismatch', `data.shape ${fmt(shape)} differs from the model input ${fmt(input)}`);
  }
  if ((source === 'csv' || source === 'npy' || source === 'idx' || source === 'text') && data.path === undefined) {
    r.error(at('source')!, 'missing-key', source === 'text' ? "data source 'text' needs 'path': the UTF-8 text file to model" : `data source '${source}' needs 'path'`);
  }
  if (node?.kind === 'map') {
    if (source === 'text') inputShape = checkText(node, data, input, r);
    else notApplicable(node, ['context', 'testFraction'], `source text only (this data is ${source})`, r);
  }
  if (source === 'synthetic') data.kind = (raw.kind as SyntheticKind | undefined) ?? 'blobs';
  if (node?.kind === 'map') checkTasks(node, data, r);
  if (MNIST_LIKE.includes(source) && inputShape) {
    if (prod(inputShape) !== 784) {
      // Only reachable with an explicit `source:` (the default source always fits).
      const where = at('source') ?? at('shape') ?? node?.range;
      const msg = `${source} samples have 784 values (28×28), but the model input ${fmt(inputShape)} has ${prod(inputShape)}`;
      if (where) r.error(where, 'shape-mismatch', msg);
    } else if (inputShape.length > 1 && data.shape === undefined) {
      data.shape = [...inputShape];
    }
  }
  if (data.path !== undefined) data.path = resolvePath(data.path);
  if (data.labels !== undefined) data.labels = resolvePath(data.labels);
  return { data, ...(inputShape ? { inputShape } : {}) };
}


/** Task names the data will have, when the spec alone says (csv and npy know only at load time). */
export function knownTasks(data: DataSpec): string[] | undefined {
  if (MNIST_LIKE.includes(data.source) || data.source === 'idx') return ['label'];
  if (data.source === 'text') return [TEXT_DEFAULTS.task];
  if (data.source !== 'synthetic') return undefined;
  if (data.kind === 'two-task') return ['left', 'right'];
  if (data.kind === 'multi-task') return Array.from({ length: data.parts ?? 3 }, (_, i) => `t${i + 1}`);
  return ['label'];
}

/** A `not-applicable` error at each of `keys` present in `node`: they apply to `where`. */
function notApplicable(node: SMap, keys: string[], where: string, r: Reporter): void {
  for (const key of keys) {
    const e = entry(node, key);
    if (e) r.error(e.keyRange, 'not-applicable', `'${key}' applies to ${where}`);
  }
}

/**
 * `source: text`: samples are [context] character ids, so `context` and the model input agree
 * (context defaults to a [T] input's T, else 64; the input to [context]); `shape` does not apply and
 * `normalize` stays 1. Returns the model input shape.
 */
function checkText(node: SMap, data: DataSpec, input: Shape | undefined, r: Reporter): Shape | undefined {
  const e = (key: string) => entry(node, key);
  if (data.shape !== undefined) {
    r.error(e('shape')!.keyRange, 'not-applicable', "'shape' does not apply to source text: samples are [context] character ids; set 'context' (or model.input) instead");
    delete data.shape;
  }
  const nz = e('normalize');
  if (nz && data.normalize !== 'auto' && data.normalize !== 1) {
    r.error(nz.keyRange, 'not-applicable', "'normalize' does not apply to source text: inputs are character ids for an embedding and stay whole; leave it out");
  }
  if (input !== undefined && input.length !== 1) {
    r.error(e('source')!.value.range, 'shape-mismatch', `text samples are [context] character ids, but the model input is ${fmt(input)}; set model.input to [${data.context ?? input[0]}]`);
    return input;
  }
  if (data.context === undefined) data.context = input?.[0] ?? TEXT_DEFAULTS.context;
  else if (input !== undefined && input[0] !== data.context) {
    r.error(e('context')!.value.range, 'shape-mismatch', `data.context (${data.context}) differs from the model input ${fmt(input)}: a sample is one window of context characters; make them equal (or leave context out)`);
  }
  return input ?? [data.context];
}

/** `parts`, `taskSeeds` and `tasks` against the source and kind; errors at the offending key or list item. */
function checkTasks(node: SMap, data: DataSpec, r: Reporter): void {
  const kind = data.source === 'synthetic' ? data.kind : undefined;
  const what = kind ? `synthetic ${kind}` : data.source;
  const e = (key: string) => entry(node, key);
  if (data.parts !== undefined && kind !== 'multi-task') {
    r.error(e('parts')!.keyRange, 'not-applicable', `'parts' applies to synthetic kind multi-task only (this data is ${what})`);
  }
  if (kind === 'multi-task') {
    data.parts ??= 3;
    if (data.features !== undefined && data.features % data.parts !== 0) {
      r.error(e('features')!.value.range, 'type', `data.features (${data.features}) must be divisible by data.parts (${data.parts}): the input splits into ${data.parts} equal parts`);
    }
  }
  const names = knownTasks(data);
  if (data.taskSeeds !== undefined) {
    if (kind !== 'two-task' && kind !== 'multi-task') {
      r.error(e('taskSeeds')!.keyRange, 'not-applicable', `'taskSeeds' applies to synthetic kinds two-task and multi-task only (this data is ${what})`);
    } else if (names && data.taskSeeds.length !== names.length) {
      r.error(e('taskSeeds')!.value.range, 'type', `data.taskSeeds has ${data.taskSeeds.length} seed${data.taskSeeds.length === 1 ? '' : 's'}, but ${what} has ${names.length} tasks (${names.join(', ')}): give one seed per task`);
    }
  }
  const list = e('tasks')?.value;
  if (data.tasks === undefined || names === undefined || list?.kind !== 'seq') return;
  data.tasks.forEach((name, i) => {
    if (names.includes(name)) return;
    r.error(list.items[i]!.range, 'unknown-value', `data.tasks: unknown task '${name}'; ${what} has tasks ${names.join(', ')}`, didYouMean(name, names));
  });
}

/** Logits the data needs from the model (sum over the tasks kept), when the spec says; undefined otherwise. */
export function expectedLogits(data: DataSpec): number | undefined {
  const perTask = MNIST_LIKE.includes(data.source) ? 10 : data.source === 'synthetic' ? data.classes : undefined;
  if (perTask === undefined) return undefined;
  return perTask * (data.tasks?.length ?? knownTasks(data)!.length);
}
