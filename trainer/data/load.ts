/**
 * `loadDataset`: the one entry point from a `data:` section to train/validation(/test) splits.
 * Dispatches by `data.source` through a registry of loaders, then validates (finite inputs, labels
 * in range), keeps the chosen tasks (`data.tasks`), reshapes (`data.shape`), caps (`data.limit`),
 * splits by seed and normalises. Label rows are `labelWidth(tasks)` columns wide (data/positions.ts).
 */
import type { DataSpec, DatasetSource } from '../../spec/types';
import { loadCsv } from './csv';
import { DataError } from './errors';
import { loadFashionMnist, loadMnist } from './fashion';
import { loadIdxSource } from './idx-source';
import type { LoadContext, Loader, RawData, RawSplit } from './loader';
import { loadNpy } from './npy';
import { labelWidth } from './positions';
import { deriveSeed, shuffledIndices } from './rng';
import { selectTasks } from './select-tasks';
import { generateSynthetic } from './synthetic';
import { loadText } from './text';
import type { Dataset, Split, TaskInfo } from './types';
import { checkFinite, checkLabels } from './validate';

const loadSynthetic: Loader = (spec, ctx) =>
  generateSynthetic({
    kind: spec.kind ?? 'blobs',
    samples: spec.samples,
    classes: spec.classes,
    features: spec.features,
    parts: spec.parts,
    taskSeeds: spec.taskSeeds,
    seed: ctx.seed,
  });

/** One loader per `data.source`. */
export const LOADERS: Record<DatasetSource, Loader> = {
  'fashion-mnist': loadFashionMnist,
  mnist: loadMnist,
  idx: loadIdxSource,
  csv: loadCsv,
  npy: loadNpy,
  synthetic: loadSynthetic,
  text: loadText,
};

/**
 * The data section used when a model has none and nothing is installed (`npm run demo`):
 * synthetic blobs, generated in memory.
 */
export const EMBEDDED_DATA_SPEC: DataSpec = { source: 'synthetic', kind: 'blobs', validation: 0.1, normalize: 'auto', limit: 0 };

export interface LoadOptions {
  /** Seeds the train/validation split and the synthetic generators (use train.seed). Default 0. */
  seed?: number;
  /** Relative data paths resolve against this: the model file's folder. Default: the working directory. */
  baseDir?: string;
}

export function loadDataset(spec: DataSpec, opts: LoadOptions = {}): Dataset {
  const loader = (LOADERS as Record<string, Loader | undefined>)[spec.source];
  if (loader === undefined) {
    throw new DataError(`data.source '${String(spec.source)}' is unknown; use one of: ${Object.keys(LOADERS).join(', ')}.`);
  }
  const ctx: LoadContext = { seed: opts.seed ?? 0, baseDir: opts.baseDir ?? process.cwd() };
  return finishDataset(loader(spec, ctx), spec, ctx.seed);
}

const prod = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function checkOptions(spec: DataSpec): void {
  if (typeof spec.validation !== 'number' || !(spec.validation >= 0 && spec.validation < 1)) {
    throw new DataError(`data.validation must be a fraction in [0, 1), got ${spec.validation}.`);
  }
  if (!Number.isInteger(spec.limit) || spec.limit < 0) {
    throw new DataError(`data.limit must be a non-negative integer (0 = all samples), got ${spec.limit}.`);
  }
  const nz = spec.normalize;
  if (nz !== 'auto' && !(typeof nz === 'number' && Number.isFinite(nz) && nz > 0)) {
    throw new DataError(`data.normalize must be a positive number or 'auto', got ${String(nz)}.`);
  }
}

function reshape(raw: RawData, shape: number[] | undefined): number[] {
  if (shape === undefined) return raw.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new DataError(`data.shape must be a list of positive integers, got ${JSON.stringify(shape)}.`);
  }
  if (prod(shape) !== prod(raw.sampleShape)) {
    throw new DataError(
      `data.shape [${shape.join(', ')}] holds ${prod(shape)} values per sample, but ${raw.name} has samples of shape ` +
        `[${raw.sampleShape.join(', ')}] (${prod(raw.sampleShape)} values). Pick a shape with the same number of values.`,
    );
  }
  return [...shape];
}

/** Copies the chosen samples (and their `width` label columns), dividing the inputs by `scale`. */
function gather(raw: RawSplit, indices: Uint32Array, sampleSize: number, width: number, scale: number): Split {
  const n = indices.length;
  const x = new Float32Array(n * sampleSize);
  const y = new Int32Array(n * width);
  for (let r = 0; r < n; r++) {
    const src = indices[r];
    const from = src * sampleSize;
    const to = r * sampleSize;
    if (scale === 1) {
      x.set(raw.x.subarray(from, from + sampleSize), to);
    } else {
      for (let k = 0; k < sampleSize; k++) x[to + k] = raw.x[from + k] / scale;
    }
    y.set(raw.y.subarray(src * width, (src + 1) * width), r * width);
  }
  return { x, y, n };
}

function scaleInPlace(raw: RawSplit, scale: number): Split {
  if (scale !== 1) for (let i = 0; i < raw.x.length; i++) raw.x[i] = raw.x[i] / scale;
  return { x: raw.x, y: raw.y, n: raw.n };
}

/**
 * Deterministic split of `n` samples: shuffle 0..n-1 with `deriveSeed(seed, 'split')`, keep the
 * first `limit` (0 = all), the first round(pool·validation) of those (at least 1 when validation > 0)
 * go to validation, the rest to train. Both lists come back sorted.
 */
export function splitIndices(n: number, validation: number, limit: number, seed: number): { train: Uint32Array<ArrayBuffer>; validation: Uint32Array<ArrayBuffer> } {
  const order = shuffledIndices(n, deriveSeed(seed, 'split'));
  const pool = limit > 0 ? Math.min(limit, n) : n;
  const nVal = validation > 0 ? Math.max(1, Math.round(pool * validation)) : 0;
  if (pool - nVal < 1) {
    throw new DataError(`only ${pool} samples: nothing left for training after holding out ${nVal} for validation. Lower data.validation or add data.`);
  }
  return {
    validation: order.slice(0, nVal).sort(),
    train: order.slice(nVal, pool).sort(),
  };
}

/** Validation, task selection, reshape, limit, split and normalisation of a loader's raw data. */
export function finishDataset(loaded: RawData, spec: DataSpec, seed: number): Dataset {
  checkOptions(spec);
  const sampleSize = prod(loaded.sampleShape);
  for (const split of loaded.test ? [loaded.train, loaded.test] : [loaded.train]) {
    if (split.x.length !== split.n * sampleSize) {
      throw new DataError(`${split.origin}: ${split.x.length} values for ${split.n} samples of shape [${loaded.sampleShape.join(', ')}].`);
    }
    checkFinite(split, sampleSize);
    checkLabels(split, loaded.tasks);
  }
  const raw = selectTasks(loaded, spec.tasks);
  const tasks: TaskInfo[] = raw.tasks;
  const sampleShape = reshape(raw, spec.shape);
  const scale = spec.normalize === 'auto' ? raw.autoScale : spec.normalize;
  const idx = splitIndices(raw.train.n, spec.validation, spec.limit, seed);
  const identity = idx.train.length === raw.train.n;
  const width = labelWidth(tasks);
  const validation = gather(raw.train, idx.validation, sampleSize, width, scale);
  const train = identity ? scaleInPlace(raw.train, scale) : gather(raw.train, idx.train, sampleSize, width, scale);
  const dataset: Dataset = { name: raw.name, sampleShape, tasks, train, validation };
  if (raw.test) dataset.test = scaleInPlace(raw.test, scale);
  if (raw.vocabulary) dataset.vocabulary = raw.vocabulary;
  return dataset;
}
