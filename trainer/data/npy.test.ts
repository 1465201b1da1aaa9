import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from './load';
import { encodeNpy, parseNpy } from './npy';
import { dataSpec, scratchDir } from './test-util';

const dir = scratchDir('npy');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('NPY <f4 features and |u1 labels round trip through loadDataset', () => {
  const x = Array.from({ length: 6 * 2 * 3 }, (_, i) => i / 4 - 2);
  const y = [0, 1, 2, 0, 1, 2];
  fs.writeFileSync(path.join(dir, 'x.npy'), encodeNpy([6, 2, 3], '<f4', x));
  fs.writeFileSync(path.join(dir, 'y.npy'), encodeNpy([6], '|u1', y));
  const ds = loadDataset(dataSpec({ source: 'npy', path: 'x.npy', labels: 'y.npy', validation: 0 }), { baseDir: dir });
  assert.deepEqual(ds.sampleShape, [2, 3]);
  assert.equal(ds.train.n, 6);
  assert.deepEqual(Array.from(ds.train.x), x);
  assert.deepEqual(Array.from(ds.train.y), y);
  assert.deepEqual(ds.tasks, [{ name: 'label', classes: 3 }]);
});

test('NPY u1 data and other dtypes decode; header is 64-byte aligned', () => {
  const u1 = encodeNpy([2, 2], '|u1', [0, 128, 255, 7]);
  assert.equal((10 + u1.readUInt16LE(8)) % 64, 0);
  const a = parseNpy(u1, 'u1.npy');
  assert.deepEqual(a.shape, [2, 2]);
  assert.deepEqual(Array.from(a.data), [0, 128, 255, 7]);
  for (const descr of ['<f8', '<i4', '<i8', '<i2', '>f4', '>i4']) {
    const vals = [-3, 0, 5, 1000];
    assert.deepEqual(Array.from(parseNpy(encodeNpy([4], descr, vals), descr).data), vals, descr);
  }
});

test('NPY version 2 header and Fortran order', () => {
  const v1 = encodeNpy([3], '<f4', [1, 2, 3]);
  const hlen = v1.readUInt16LE(8);
  const v2 = Buffer.concat([v1.subarray(0, 8), Buffer.alloc(4), v1.subarray(10)]);
  v2[6] = 2;
  v2.writeUInt32LE(hlen, 8);
  assert.deepEqual(Array.from(parseNpy(v2, 'v2.npy').data), [1, 2, 3]);
  const header = v1.subarray(10, 10 + hlen).toString('latin1').replace('False', 'True ');
  const fortran = Buffer.concat([v1.subarray(0, 10), Buffer.from(header, 'latin1'), v1.subarray(10 + hlen)]);
  assert.throws(() => parseNpy(fortran, 'f.npy'), /f\.npy: .*Fortran .*ascontiguousarray/);
  assert.throws(() => parseNpy(encodeNpy([4], '<f4', [1, 2, 3, 4]).subarray(0, 80), 't.npy'), /t\.npy: truncated \.npy file/);
});

test('NPY labels count mismatch and missing files are reported', () => {
  fs.writeFileSync(path.join(dir, 'x2.npy'), encodeNpy([3, 2], '<f4', [1, 2, 3, 4, 5, 6]));
  fs.writeFileSync(path.join(dir, 'y2.npy'), encodeNpy([2], '<i8', [0, 1]));
  assert.throws(() => loadDataset(dataSpec({ source: 'npy', path: 'x2.npy', labels: 'y2.npy' }), { baseDir: dir }), /y2\.npy: labels have shape \(2\)/);
  assert.throws(
    () => loadDataset(dataSpec({ source: 'npy', path: 'nope.npy', labels: 'y2.npy' }), { baseDir: dir }),
    (e: Error) => e.message.includes(path.join(dir, 'nope.npy')),
  );
});
