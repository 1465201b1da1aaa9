import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listCheckpoints, readCheckpoint, readLatestPointer, stepDirName, writeCheckpoint, type CheckpointData, type NamedArray } from './checkpoint';
import { weightsForStep } from './fixtures/fake-data';
import { UserError } from '../errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-ckpt-'));

function bits(a: NamedArray): string {
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).toString('hex');
}

function assertSameArrays(got: NamedArray[], want: NamedArray[]): void {
  assert.deepEqual(got.map((a) => [a.name, a.shape, a.dtype, a.data.constructor.name]), want.map((a) => [a.name, a.shape, a.dtype, a.data.constructor.name]));
  for (let i = 0; i < want.length; i++) assert.equal(bits(got[i]), bits(want[i]), `${want[i].name} is not bit-identical`);
}

test('checkpoint round trip is bit-identical (NaN, -0, denormals, int32 extremes)', () => {
  const run = tmp();
  const special = new Float32Array([NaN, -0, 0, Infinity, -Infinity, 1e-45, 3.4028235e38, -1.5]);
  const data: CheckpointData = {
    weights: [
      { name: 'a/kernel', shape: [2, 4], dtype: 'float32', data: special },
      { name: 'a/ids', shape: [3], dtype: 'int32', data: new Int32Array([-2147483648, 2147483647, 0]) },
      { name: 'scalar', shape: [], dtype: 'float32', data: new Float32Array([7]) },
      // a view into a larger buffer must be written from its own offset
      { name: 'view', shape: [2], dtype: 'float32', data: new Float32Array(new Float32Array([9, 8, 7, 6]).buffer, 4, 2) },
    ],
    optimizer: [{ name: 'a/kernel/m', shape: [8], dtype: 'float32', data: new Float32Array(8).fill(0.1) }],
    state: { step: 10, rng: [1, 2, 3], schedule: { kind: 'cosine', warmup: 100 } },
  };
  const info = writeCheckpoint(run, 10, data);
  assert.equal(path.basename(info.dir), 'step-00000010');
  const ck = readCheckpoint(run)!;
  assert.equal(ck.step, 10);
  assert.deepEqual(ck.warnings, []);
  assertSameArrays(ck.weights, data.weights);
  assertSameArrays(ck.optimizer, data.optimizer);
  assert.deepEqual(ck.state, data.state);
  assert.deepEqual(readLatestPointer(run), { step: 10, dir: info.dir });

  // model.json is a standard tfjs weights manifest
  const manifest = JSON.parse(fs.readFileSync(path.join(info.dir, 'model.json'), 'utf8'));
  assert.equal(manifest.format, 'dynaxx-checkpoint');
  assert.deepEqual(manifest.weightsManifest, [
    { paths: ['weights.bin'], weights: data.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) },
  ]);
  assert.equal(fs.statSync(path.join(info.dir, 'weights.bin')).size, (8 + 3 + 1 + 2) * 4);
  // little-endian on disk
  assert.equal(fs.readFileSync(path.join(info.dir, 'weights.bin')).readInt32LE(8 * 4), -2147483648);
});

test('invalid arrays are refused before anything is written', () => {
  const run = tmp();
  const bad = (a: NamedArray) => writeCheckpoint(run, 1, { weights: [a], optimizer: [], state: {} });
  assert.throws(() => bad({ name: 'w', shape: [2, 2], dtype: 'float32', data: new Float32Array(3) }), /'w' has 3 values but shape \[2,2\] needs 4/);
  assert.throws(() => bad({ name: 'w', shape: [2], dtype: 'int32', data: new Float32Array(2) }), /declared int32/);
  assert.deepEqual(listCheckpoints(run), []);
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')), []);
  assert.equal(readCheckpoint(run), undefined);
});

test('keeps the last K checkpoints and drops those from an abandoned timeline', () => {
  const run = tmp();
  for (const step of [5, 10, 15, 20, 25]) writeCheckpoint(run, step, weightsForStep(step));
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [15, 20, 25]);
  writeCheckpoint(run, 30, weightsForStep(30), { keep: 1 });
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [30]);
  // Resumed from an earlier step: newer checkpoints are stale and go away.
  writeCheckpoint(run, 12, weightsForStep(12));
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [12]);
  // Rewriting an existing step replaces it.
  writeCheckpoint(run, 12, weightsForStep(13));
  assertSameArrays(readCheckpoint(run, 12)!.weights, weightsForStep(13).weights);
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')).sort(), ['latest.json', 'step-00000012']);
});

test('a damaged latest checkpoint falls back to the previous one, with a warning', () => {
  const run = tmp();
  for (const step of [1, 2, 3]) writeCheckpoint(run, step, weightsForStep(step));
  const dir3 = path.join(run, 'checkpoints', stepDirName(3));
  const dir2 = path.join(run, 'checkpoints', stepDirName(2));

  // truncated weights
  fs.truncateSync(path.join(dir3, 'weights.bin'), 1000);
  let ck = readCheckpoint(run)!;
  assert.equal(ck.step, 2);
  assert.match(ck.warnings[0], /step-00000003 is damaged.*weights\.bin has 1000 bytes/);
  assertSameArrays(ck.weights, weightsForStep(2).weights);
  assert.throws(() => readCheckpoint(run, 3), /weights\.bin has 1000 bytes/);

  // same size, flipped bits: caught by the checksum
  const buf = fs.readFileSync(path.join(dir2, 'optimizer.bin'));
  buf[100] ^= 0x40;
  fs.writeFileSync(path.join(dir2, 'optimizer.bin'), buf);
  ck = readCheckpoint(run)!;
  assert.equal(ck.step, 1);
  assert.equal(ck.warnings.length, 2);
  assert.match(ck.warnings[1], /optimizer\.bin fails its CRC-32C check/);

  // unreadable model.json everywhere: no readable checkpoint is an error, not a silent restart
  fs.writeFileSync(path.join(run, 'checkpoints', stepDirName(1), 'model.json'), '{"format": "dyn');
  assert.throws(() => readCheckpoint(run), (e: Error) => e instanceof UserError && /no readable checkpoint/.test(e.message) && /start a new run/.test(e.message));
});

test('leftover temp directories are ignored and cleaned up', () => {
  const run = tmp();
  writeCheckpoint(run, 1, weightsForStep(1));
  const root = path.join(run, 'checkpoints');
  // A killed writer (pid 999999999 cannot exist) left a half-written directory behind.
  const stale = path.join(root, '.step-00000002.tmp-999999999-abcd');
  fs.mkdirSync(stale);
  fs.writeFileSync(path.join(stale, 'weights.bin'), 'partial');
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [1]);
  assert.equal(readCheckpoint(run)!.step, 1);
  writeCheckpoint(run, 3, weightsForStep(3));
  assert.equal(fs.existsSync(stale), false);
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [1, 3]);
});
