import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { writeIdx } from './idx';
import { EMBEDDED_DATA_SPEC, finishDataset, loadDataset, splitIndices } from './load';
import type { RawData } from './loader';
import { encodeNpy } from './npy';
import { dataSpec, scratchDir } from './test-util';

const dir = scratchDir('load');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function raw(x: number[], y: number[], sampleSize: number, classes = 3): RawData {
  return {
    name: 'test',
    sampleShape: [sampleSize],
    tasks: [{ name: 'label', classes }],
    train: { x: Float32Array.from(x), y: Int32Array.from(y), n: y.length, origin: 'gen' },
    autoScale: 1,
  };
}

test('embedded default spec loads with no files', () => {
  const ds = loadDataset(EMBEDDED_DATA_SPEC, { seed: 0 });
  assert.equal(ds.train.n + ds.validation.n, 4096);
  assert.equal(ds.validation.n, 410);
  assert.equal(ds.test, undefined);
});

test('NaN in the inputs is rejected with the file, sample and feature index', () => {
  const x = [1, 2, 3, 4, 5, 6, NaN, 8];
  fs.writeFileSync(path.join(dir, 'x.npy'), encodeNpy([4, 2], '<f4', x));
  fs.writeFileSync(path.join(dir, 'y.npy'), encodeNpy([4], '<i4', [0, 1, 0, 1]));
  assert.throws(() => loadDataset(dataSpec({ source: 'npy', path: 'x.npy', labels: 'y.npy' }), { baseDir: dir }), (e: Error) => {
    assert.ok(e.message.includes(path.join(dir, 'x.npy')), e.message);
    assert.match(e.message, /sample 3, feature 0 is NaN/);
    assert.match(e.message, /must be finite/);
    return true;
  });
  assert.throws(() => finishDataset(raw([0, Infinity, 0, 0], [0, 1], 2), dataSpec({}), 0), /gen: sample 0, feature 1 is Infinity/);
});

test('labels out of range or negative are rejected', () => {
  assert.throws(() => finishDataset(raw([0, 0, 0], [0, 1, 3], 1), dataSpec({}), 0), /gen: sample 2 has label 3.*outside 0\.\.2.*data\.classes/);
  assert.throws(() => finishDataset(raw([0, 0, 0], [0, -1, 1], 1), dataSpec({}), 0), /sample 1 has label -1.*non-negative/);
});

test('deterministic split for a seed; limit caps the pool; every sample used once', () => {
  const a = splitIndices(1000, 0.1, 0, 42);
  const b = splitIndices(1000, 0.1, 0, 42);
  const c = splitIndices(1000, 0.1, 0, 43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.validation, c.validation);
  assert.equal(a.validation.length, 100);
  assert.equal(a.train.length, 900);
  assert.equal(new Set([...a.train, ...a.validation]).size, 1000);
  const limited = splitIndices(1000, 0.1, 200, 42);
  assert.equal(limited.train.length + limited.validation.length, 200);
  assert.equal(limited.validation.length, 20);
  // Through loadDataset: same seed, same split contents.
  const spec = dataSpec({ source: 'synthetic', kind: 'blobs', samples: 300 });
  const d1 = loadDataset(spec, { seed: 9 });
  const d2 = loadDataset(spec, { seed: 9 });
  assert.deepEqual(d1.validation.x, d2.validation.x);
  assert.deepEqual(d1.train.y, d2.train.y);
});

test('normalize: auto divides uint8 IDX by 255, a number divides anything; shape reshapes or errors', () => {
  const idxDir = path.join(dir, 'idx');
  fs.mkdirSync(idxDir);
  writeIdx(path.join(idxDir, 'train-images-idx3-ubyte.gz'), [4, 2, 3], 'uint8', Array.from({ length: 24 }, (_, i) => i * 10), { gzip: true });
  writeIdx(path.join(idxDir, 'train-labels-idx1-ubyte.gz'), [4], 'uint8', [0, 1, 2, 1], { gzip: true });
  const ds = loadDataset(dataSpec({ source: 'idx', path: 'idx', validation: 0, shape: [2, 3, 1] }), { baseDir: dir });
  assert.deepEqual(ds.sampleShape, [2, 3, 1]);
  assert.equal(ds.train.x[23], Math.fround(230 / 255));
  assert.equal(ds.tasks[0].classes, 3);
  assert.equal(ds.test, undefined);
  const by10 = finishDataset(raw([10, 20], [0, 1], 1), dataSpec({ validation: 0, normalize: 10 }), 0);
  assert.deepEqual(Array.from(by10.train.x), [1, 2]);
  assert.throws(() => loadDataset(dataSpec({ source: 'idx', path: 'idx', shape: [28, 28] }), { baseDir: dir }), /data\.shape \[28, 28\] holds 784 values.*\[6\] \(6 values\)/);
});

test('missing data file or folder: the error mentions the path', () => {
  assert.throws(
    () => loadDataset(dataSpec({ source: 'idx', path: 'no-such-dir' }), { baseDir: dir }),
    (e: Error) => e.message.includes(path.join(dir, 'no-such-dir')),
  );
  fs.mkdirSync(path.join(dir, 'empty'));
  assert.throws(
    () => loadDataset(dataSpec({ source: 'idx', path: 'empty' }), { baseDir: dir }),
    (e: Error) => e.message.includes(path.join(dir, 'empty', 'train-images-idx3-ubyte')) && /not found/.test(e.message),
  );
  assert.throws(() => loadDataset(dataSpec({ source: 'bogus' as never })), /data\.source 'bogus' is unknown/);
  assert.throws(() => loadDataset(dataSpec({ validation: 1 })), /data\.validation must be a fraction/);
});
