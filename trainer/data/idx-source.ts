/**
 * A folder of IDX files (train/test images and labels) as a raw dataset. Shared by the
 * `fashion-mnist`, `mnist` and `idx` sources.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSpec } from '../../spec/types';
import { DataError, resolveDataPath } from './errors';
import { readIdx, type IdxArray } from './idx';
import type { LoadContext, RawData, RawSplit } from './loader';
import { countClasses, toClassIndices } from './validate';

export interface IdxFileNames {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** The MNIST (and Fashion-MNIST, and Debian `dataset-fashion-mnist`) file names, without `.gz`. */
export const MNIST_FILE_NAMES: IdxFileNames = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The spellings tried for one file name: as given, ± `.gz`, and `train-images.idx3-ubyte`. */
export function idxNameVariants(name: string): string[] {
  const base = name.endsWith('.gz') ? name.slice(0, -3) : name;
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  const names = [name, base, `${base}.gz`, dotted, `${dotted}.gz`];
  return [...new Set(names)];
}

/** The first existing spelling of `name` in `dir`, or undefined. */
export function findIdxFile(dir: string, name: string): string | undefined {
  for (const n of idxNameVariants(name)) {
    const file = path.join(dir, n);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return undefined;
}

/** True when `dir` holds the training images and labels (any spelling). */
export function hasIdxTrainFiles(dir: string, names: IdxFileNames = MNIST_FILE_NAMES): boolean {
  return findIdxFile(dir, names.trainImages) !== undefined && findIdxFile(dir, names.trainLabels) !== undefined;
}

export interface IdxDirOptions {
  /** Dataset name shown to the user (the folder is appended). */
  name: string;
  names: IdxFileNames;
  /** Fixed class count (10 for MNIST-like sets); otherwise data.classes or max label + 1. */
  classes?: number;
  classNames?: string[];
  /** When true, missing test files are an error; otherwise the dataset has no test split. */
  requireTest?: boolean;
}

function required(dir: string, name: string, what: string): string {
  const file = findIdxFile(dir, name);
  if (file === undefined) {
    throw new DataError(
      `${path.join(dir, name)}: ${what} file not found (also tried ${idxNameVariants(name).slice(1).join(', ')}). ` +
        'Check data.path and the IDX file names (data.trainImages, data.trainLabels, data.testImages, data.testLabels).',
    );
  }
  return file;
}

function readSplit(imagesFile: string, labelsFile: string): { split: RawSplit; images: IdxArray } {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  const n = images.dims[0];
  if (labels.dims[0] !== n || labels.dims.length > 2 || (labels.dims.length === 2 && labels.dims[1] !== 1)) {
    throw new DataError(
      `${labelsFile}: labels have shape [${labels.dims.join(', ')}] but ${imagesFile} holds ${n} images; ` +
        `expected labels of shape [${n}]. Check that the images and labels files belong together.`,
    );
  }
  const x = new Float32Array(images.data);
  const y = toClassIndices(labels.data, labelsFile);
  return { split: { x, y, n, origin: imagesFile, labelOrigin: labelsFile }, images };
}

/** Loads `dir`'s IDX files. Sample shape: the flat image, `[prod(dims[1..])]` (use data.shape for [H, W, C]). */
export function loadIdxDir(dir: string, opts: IdxDirOptions, spec?: DataSpec): RawData {
  const trainImages = required(dir, opts.names.trainImages, 'training images');
  const trainLabels = required(dir, opts.names.trainLabels, 'training labels');
  const { split: train, images } = readSplit(trainImages, trainLabels);
  let test: RawSplit | undefined;
  const testImages = findIdxFile(dir, opts.names.testImages);
  const testLabels = findIdxFile(dir, opts.names.testLabels);
  if (testImages !== undefined && testLabels !== undefined) {
    test = readSplit(testImages, testLabels).split;
  } else if (opts.requireTest) {
    required(dir, opts.names.testImages, 'test images');
    required(dir, opts.names.testLabels, 'test labels');
  }
  const sampleSize = images.dims.slice(1).reduce((a, b) => a * b, 1);
  if (test !== undefined && test.x.length !== test.n * sampleSize) {
    throw new DataError(
      `${test.origin}: test samples have ${test.x.length / Math.max(test.n, 1)} values each, training samples ${sampleSize}; ` +
        'the train and test files must have the same image size.',
    );
  }
  const classes = opts.classes ?? spec?.classes ?? countClasses(train.y, test?.y);
  return {
    name: `${opts.name} (${dir})`,
    sampleShape: [sampleSize],
    tasks: [{ name: 'label', classes, ...(opts.classNames ? { labels: opts.classNames } : {}) }],
    train,
    test,
    autoScale: images.dtype === 'uint8' ? 255 : 1,
  };
}

/** The `idx` source: `data.path` is a folder; file names default to the MNIST ones. */
export function loadIdxSource(spec: DataSpec, ctx: LoadContext): RawData {
  if (spec.path === undefined) {
    throw new DataError("data.source 'idx' needs data.path: the folder holding the IDX files.");
  }
  const dir = resolveDataPath(spec.path, ctx.baseDir);
  if (!fs.existsSync(dir)) {
    throw new DataError(`${dir}: data folder not found (data.path: '${spec.path}'). Fix data.path.`);
  }
  const names: IdxFileNames = {
    trainImages: spec.trainImages ?? MNIST_FILE_NAMES.trainImages,
    trainLabels: spec.trainLabels ?? MNIST_FILE_NAMES.trainLabels,
    testImages: spec.testImages ?? MNIST_FILE_NAMES.testImages,
    testLabels: spec.testLabels ?? MNIST_FILE_NAMES.testLabels,
  };
  const requireTest = spec.testImages !== undefined || spec.testLabels !== undefined;
  return loadIdxDir(dir, { name: 'idx', names, requireTest }, spec);
}
