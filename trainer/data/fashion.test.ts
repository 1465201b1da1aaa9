import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { DEBIAN_FASHION_MNIST_DIR, candidateDirs, locateMnistLike } from './fashion';
import { writeIdx } from './idx';
import { loadDataset } from './load';
import { dataSpec, scratchDir } from './test-util';

const dir = scratchDir('fashion');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const hasDebian = fs.existsSync(path.join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

test(
  'real Fashion-MNIST loads 60000/10000, 10 classes, values in [0, 1]',
  { skip: hasDebian ? false : `${DEBIAN_FASHION_MNIST_DIR} is absent (sudo apt-get install dataset-fashion-mnist)` },
  () => {
    const ds = loadDataset(dataSpec({ source: 'fashion-mnist', path: DEBIAN_FASHION_MNIST_DIR, validation: 0.1 }), { seed: 1 });
    assert.equal(ds.train.n + ds.validation.n, 60000);
    assert.equal(ds.validation.n, 6000);
    assert.equal(ds.test?.n, 10000);
    assert.deepEqual(ds.sampleShape, [784]);
    assert.equal(ds.tasks.length, 1);
    assert.equal(ds.tasks[0].classes, 10);
    assert.equal(ds.tasks[0].labels?.[9], 'Ankle boot');
    let min = Infinity;
    let max = -Infinity;
    for (const s of [ds.train, ds.validation, ds.test!]) {
      assert.equal(s.x.length, s.n * 784);
      for (let i = 0; i < s.x.length; i++) {
        const v = s.x[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const seen = new Set(s.y);
      assert.equal(seen.size, 10);
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    assert.match(ds.name, /fashion-mnist \(\/usr\/share\/datasets\/fashion-mnist\)/);
  },
);

test('fashion-mnist search order: data.path, else DYNAXX_DATA_DIR (+ subfolder), else the Debian folder', () => {
  assert.deepEqual(candidateDirs('fashion-mnist', { path: 'data' }, '/models', {}), ['/models/data']);
  assert.deepEqual(candidateDirs('fashion-mnist', {}, '/models', { DYNAXX_DATA_DIR: '/d' }), ['/d', '/d/fashion-mnist', DEBIAN_FASHION_MNIST_DIR]);
  assert.deepEqual(candidateDirs('mnist', {}, '/models', {}), []);
});

test('missing dataset: error lists the searched folders and how to fix it', () => {
  const missing = path.join(dir, 'nowhere');
  assert.throws(() => locateMnistLike('fashion-mnist', { path: missing }, '/', {}), (e: Error) => {
    assert.match(e.message, new RegExp(missing));
    assert.match(e.message, /not found/);
    assert.match(e.message, /sudo apt-get install dataset-fashion-mnist/);
    assert.match(e.message, /data\.path/);
    assert.match(e.message, /DYNAXX_DATA_DIR/);
    return true;
  });
  assert.throws(() => locateMnistLike('mnist', {}, '/', {}), /mnist: dataset not found[\s\S]*Set data\.path/);
});

test('MNIST from a folder of plain (non-gzipped) IDX files, via DYNAXX_DATA_DIR/mnist', () => {
  const root = path.join(dir, 'root');
  const mnist = path.join(root, 'mnist');
  fs.mkdirSync(mnist, { recursive: true });
  const img = (n: number) => Array.from({ length: n * 4 }, (_, i) => (i * 37) % 256);
  const lab = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
  writeIdx(path.join(mnist, 'train-images-idx3-ubyte'), [20, 2, 2], 'uint8', img(20));
  writeIdx(path.join(mnist, 'train-labels-idx1-ubyte'), [20], 'uint8', lab(20));
  writeIdx(path.join(mnist, 't10k-images.idx3-ubyte'), [5, 2, 2], 'uint8', img(5));
  writeIdx(path.join(mnist, 't10k-labels-idx1-ubyte.gz'), [5], 'uint8', lab(5), { gzip: true });
  const saved = process.env.DYNAXX_DATA_DIR;
  process.env.DYNAXX_DATA_DIR = root;
  try {
    const ds = loadDataset(dataSpec({ source: 'mnist', validation: 0.2 }), { seed: 3 });
    assert.equal(ds.train.n, 16);
    assert.equal(ds.validation.n, 4);
    assert.equal(ds.test?.n, 5);
    assert.equal(ds.test!.x[1], Math.fround(37 / 255));
    assert.equal(ds.tasks[0].classes, 10);
  } finally {
    if (saved === undefined) delete process.env.DYNAXX_DATA_DIR;
    else process.env.DYNAXX_DATA_DIR = saved;
  }
});
