/** The `data:` section: where samples come from, with defaults and per-source checks. */
import { readFields, type FieldTable } from './fields';
import { fmt, prod } from './layers/kind';
import type { Reporter } from './report';
import { describe, entry, type SNode } from './source';
import type { DataSpec, DatasetSource, Shape, SyntheticKind } from './types';

export const DATA_SOURCES: DatasetSource[] = ['fashion-mnist', 'mnist', 'idx', 'csv', 'npy', 'synthetic'];
const MNIST_LIKE: DatasetSource[] = ['fashion-mnist', 'mnist'];

export const DATA_FIELDS: FieldTable = {
  source: {
    kind: 'enum', values: DATA_SOURCES,
    doc: 'Where samples come from: `fashion-mnist`, `mnist` (IDX files, downloaded or in `path`), `idx` (any IDX files), `csv`, `npy`, or `synthetic`. Default: `fashion-mnist` when the model input is [784] or [28, 28, 1], otherwise `synthetic`.',
  },
  path: { kind: 'string', doc: 'Directory (fashion-mnist, mnist, idx) or file (csv, npy), relative to the model file.' },
  trainImages: { kind: 'string', doc: 'idx: training-images file name inside `path` (default: the MNIST name, gzipped or not).' },
  trainLabels: { kind: 'string', doc: 'idx: training-labels file name inside `path`.' },
  testImages: { kind: 'string', doc: 'idx: test-images file name inside `path`.' },
  testLabels: { kind: 'string', doc: 'idx: test-labels file name inside `path`.' },
  labelColumn: { kind: 'stringOrInt', doc: 'csv: name or 0-based index of the label column (default: the last column).' },
  labels: { kind: 'string', doc: 'npy: the labels file, relative to the model file.' },
  kind: { kind: 'enum', values: ['blobs', 'two-task', 'sequence'], doc: 'synthetic: `blobs` (Gaussian clusters), `two-task` (two label sets from one input), `sequence` (token sequences). Default `blobs`.' },
  samples: { kind: 'int', min: 1, doc: 'synthetic: number of samples to generate.' },
  classes: { kind: 'int', min: 2, doc: 'synthetic: number of classes (per task).' },
  features: { kind: 'int', min: 1, doc: 'synthetic: features per sample (blobs, two-task) or sequence length (sequence, tokens from a vocabulary of 32); default from the model input.' },
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
  if ((source === 'csv' || source === 'npy' || source === 'idx') && data.path === undefined) {
    r.error(at('source')!, 'missing-key', `data source '${source}' needs 'path'`);
  }
  if (source === 'synthetic') data.kind = (raw.kind as SyntheticKind | undefined) ?? 'blobs';
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


/** Logits the data needs from the model (sum over tasks), when the spec says; undefined otherwise. */
export function expectedLogits(data: DataSpec): number | undefined {
  if (MNIST_LIKE.includes(data.source)) return 10;
  if (data.source !== 'synthetic' || data.classes === undefined) return undefined;
  return data.kind === 'two-task' ? 2 * data.classes : data.classes;
}
