/**
 * Fashion-MNIST and MNIST: find the IDX folder, then load it. Fashion-MNIST is looked for in
 * `data.path`, else `$DYNAXX_DATA_DIR` (and its `fashion-mnist/` subfolder), else the Debian
 * package's `/usr/share/datasets/fashion-mnist` (`sudo apt-get install dataset-fashion-mnist`).
 * MNIST has no packaged default: `data.path`, else `$DYNAXX_DATA_DIR` (and its `mnist/`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSpec } from '../../spec/types';
import { DataError, resolveDataPath } from './errors';
import { MNIST_FILE_NAMES, hasIdxTrainFiles, loadIdxDir } from './idx-source';
import type { LoadContext, RawData } from './loader';

/** Where Debian's `dataset-fashion-mnist` installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

interface MnistLike {
  id: 'fashion-mnist' | 'mnist';
  subdir: string;
  defaultDir?: string;
  classNames: string[];
  fix: string;
}

const FASHION: MnistLike = {
  id: 'fashion-mnist',
  subdir: 'fashion-mnist',
  defaultDir: DEBIAN_FASHION_MNIST_DIR,
  classNames: FASHION_MNIST_CLASSES,
  fix:
    'Install it with `sudo apt-get install dataset-fashion-mnist`, or set data.path (or the DYNAXX_DATA_DIR ' +
    'environment variable) to a folder holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], ' +
    't10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz].',
};

const MNIST: MnistLike = {
  id: 'mnist',
  subdir: 'mnist',
  classNames: MNIST_CLASSES,
  fix:
    'Set data.path (or the DYNAXX_DATA_DIR environment variable) to a folder holding train-images-idx3-ubyte[.gz], ' +
    'train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz].',
};

/**
 * The folders searched, in order. A configured `data.path` is the only candidate: when the user
 * names a folder, falling back elsewhere would hide their mistake.
 */
export function candidateDirs(
  set: 'fashion-mnist' | 'mnist',
  spec: Pick<DataSpec, 'path'>,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const info = set === 'fashion-mnist' ? FASHION : MNIST;
  if (spec.path !== undefined) return [resolveDataPath(spec.path, baseDir)];
  const dirs: string[] = [];
  const envDir = env.DYNAXX_DATA_DIR;
  if (envDir) {
    const root = resolveDataPath(envDir, baseDir);
    dirs.push(root, path.join(root, info.subdir));
  }
  if (info.defaultDir) dirs.push(info.defaultDir);
  return dirs;
}

/** The first candidate folder holding the training files; throws a how-to-fix error otherwise. */
export function locateMnistLike(
  set: 'fashion-mnist' | 'mnist',
  spec: Pick<DataSpec, 'path'>,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const info = set === 'fashion-mnist' ? FASHION : MNIST;
  const dirs = candidateDirs(set, spec, baseDir, env);
  for (const dir of dirs) if (hasIdxTrainFiles(dir)) return dir;
  const searched = dirs.length
    ? dirs.map((d) => `  ${d}${fs.existsSync(d) ? ' (exists, but lacks the training files)' : ' (not found)'}`).join('\n')
    : '  (nothing: neither data.path nor DYNAXX_DATA_DIR is set)';
  throw new DataError(`${set}: dataset not found. Searched:\n${searched}\n${info.fix}`);
}

function loader(info: MnistLike) {
  return (spec: DataSpec, ctx: LoadContext): RawData => {
    const dir = locateMnistLike(info.id, spec, ctx.baseDir);
    return loadIdxDir(dir, { name: info.id, names: MNIST_FILE_NAMES, classes: 10, classNames: info.classNames, requireTest: true });
  };
}

export const loadFashionMnist = loader(FASHION);
export const loadMnist = loader(MNIST);
