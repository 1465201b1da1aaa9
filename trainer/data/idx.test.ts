import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as zlib from 'node:zlib';
import { DataError } from './errors';
import { encodeIdx, parseIdx, readIdx, writeIdx, type IdxDtype } from './idx';
import { scratchDir } from './test-util';

const dir = scratchDir('idx');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('IDX uint8 images round trip, plain and gzipped', () => {
  const values = Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) % 256);
  for (const gzip of [false, true]) {
    const file = path.join(dir, `images${gzip ? '.gz' : ''}`);
    writeIdx(file, [3, 4, 5], 'uint8', values, { gzip });
    const raw = fs.readFileSync(file);
    assert.equal(raw[0] === 0x1f && raw[1] === 0x8b, gzip);
    const arr = readIdx(file);
    assert.equal(arr.dtype, 'uint8');
    assert.deepEqual(arr.dims, [3, 4, 5]);
    assert.deepEqual(Array.from(arr.data), values);
  }
});

test('IDX magic 0x0801 (uint8 labels) is read as uint8', () => {
  const buf = encodeIdx([4], 'uint8', [0, 9, 3, 1]);
  assert.deepEqual(Array.from(buf.subarray(0, 4)), [0, 0, 0x08, 0x01]);
  assert.deepEqual(Array.from(parseIdx(buf, 'labels').data), [0, 9, 3, 1]);
});

test('IDX multi-byte dtypes are big-endian and round trip', () => {
  const cases: [IdxDtype, number[]][] = [
    ['int8', [-128, -1, 0, 127]],
    ['int16', [-32768, -2, 300, 32767]],
    ['int32', [-2147483648, -5, 70000, 2147483647]],
    ['float32', [-1.5, 0, 0.25, 1e6]],
    ['float64', [-1e-300, Math.PI, 0, 2 ** 60]],
  ];
  for (const [dtype, values] of cases) {
    const buf = encodeIdx([2, 2], dtype, values);
    const arr = parseIdx(buf, dtype);
    assert.equal(arr.dtype, dtype);
    assert.deepEqual(arr.dims, [2, 2]);
    assert.deepEqual(Array.from(arr.data), values);
  }
  // Explicit big-endian check: int16 300 = 0x012c.
  const buf = encodeIdx([1], 'int16', [300]);
  assert.deepEqual(Array.from(buf.subarray(8)), [0x01, 0x2c]);
});

test('truncated IDX file: error names the file, expected and actual byte counts', () => {
  const full = encodeIdx([10, 28, 28], 'uint8', new Uint8Array(10 * 28 * 28));
  const file = path.join(dir, 'short-idx3-ubyte');
  fs.writeFileSync(file, full.subarray(0, 1000));
  assert.throws(() => readIdx(file), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(e.message, new RegExp(`${full.length} bytes are expected`));
    assert.match(e.message, /file has 1000 bytes/);
    return true;
  });
});

test('truncated gzip stream and bad magic are reported with the file', () => {
  const gz = zlib.gzipSync(encodeIdx([100], 'uint8', new Uint8Array(100)));
  const file = path.join(dir, 'cut.gz');
  fs.writeFileSync(file, gz.subarray(0, gz.length - 12));
  assert.throws(() => readIdx(file), /cut\.gz.*(truncated|corrupt)/);
  assert.throws(() => parseIdx(Buffer.from([1, 2, 3, 4, 5]), 'junk.bin'), /junk\.bin: not an IDX file/);
});
