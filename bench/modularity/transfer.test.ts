/** The transfer benchmark (transfer.ts): which units each arm freezes, its tables, and a one-seed smoke run. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../trainer/backend/backends';
import { repoRoot } from './main';
import { parseOptions } from './options';
import { frozenUnits, runTransfer, TRANSFER_ARMS } from './transfer';
import { transferTables } from './transfer-report';

test('frozen units: advice keeps `keep`, inverse the rest, random-units as many at random, oracle its own set', () => {
  const labels = new Map([['h1', Int32Array.from([0, 0, 1, 1, 2, 3, -1, 3])]]);
  const keep = new Set([0, 2]);
  const oracle = new Set([1]);
  const of = (arm: (typeof TRANSFER_ARMS)[number]['id']) => [...frozenUnits(arm, labels, keep, oracle, 7).get('h1')!];
  assert.deepEqual(of('advice'), [1, 1, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(of('advice-reinit'), of('advice'));
  assert.deepEqual(of('inverse'), [0, 0, 1, 1, 0, 1, 0, 1], 'unlabelled units (−1) are never frozen');
  assert.deepEqual(of('oracle'), [0, 0, 1, 1, 0, 0, 0, 0]);
  assert.equal(of('random-units').reduce((a, b) => a + b, 0), 3, 'as many as advice');
  assert.deepEqual(of('random-units'), of('random-units'), 'seeded');
  assert.deepEqual(of('finetune-all'), new Array(8).fill(0));
  assert.deepEqual(of('scratch'), new Array(8).fill(0));
});

test('options: --transfer targets 85% unless told; --fashion trains the issue\'s four ablations; not both', () => {
  const t = parseOptions(['--transfer', '--seeds', '1,2']);
  assert.deepEqual([t.transfer, t.target, t.transferEpochs], [true, 0.85, 2]);
  assert.equal(parseOptions(['--transfer', '--target', '0.8']).target, 0.8);
  assert.equal(parseOptions([]).target, 0.9);
  const f = parseOptions(['--fashion', '--limit', '5000']);
  assert.deepEqual([f.fashion, f.limit, f.draws, f.ablations], [true, 5000, 5, ['no-modularity-loss', 'no-diversity-loss', 'masks-off', 'random-fixed-l1']]);
  assert.throws(() => parseOptions(['--transfer', '--fashion']), /one benchmark at a time/);
});

test('one seed, short: the parent run, the advice, every arm with exactly frozen weights, and the tables', async () => {
  await initBackend('wasm');
  const runsDir = mkdtempSync(join(tmpdir(), 'transfer-test-'));
  try {
    const doc = await runTransfer(repoRoot(), { seeds: [3], epochs: 1, target: 0.5, backend: 'wasm', runsDir, parentEpochs: 1 }, { cpu: 'test' }, () => {});
    const s = doc.seeds[0]!;
    assert.ok(s.advice.length >= 1 && s.advice.every((r) => r.advice === 'keep' || r.advice === 'retrain'));
    assert.deepEqual(s.arms.map((a) => a.arm), ['parent', ...TRANSFER_ARMS.map((a) => a.id)]);
    for (const a of s.arms) {
      assert.equal(a.maxFrozenChange, 0, `${a.arm}: frozen entries unchanged`);
      for (const [task, acc] of Object.entries(a.test)) assert.ok(acc >= 0 && acc <= 1, `${a.arm} ${task} ${acc}`);
      if (a.arm !== 'parent') assert.ok(a.curve.length >= 10, `${a.arm}: a validation point every 10 steps`);
    }
    const t = transferTables(doc);
    assert.match(t, /\| advice \|/);
    assert.match(t, /\| 3 \| .* \| .* \| .* \|/);
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
});
