import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHop, hopCode, indexPaths, Interner } from './path-index';

test('hop codes: one per set, numeric order = lexicographic order of the sorted list', () => {
  const sets = [[], [0], [0, 1], [0, 3], [1], [1, 2], [3]];
  const codes = sets.map((s) => hopCode([...s, -1, -1].slice(0, 2), 0, 2, 4));
  assert.deepEqual([...codes].sort((a, b) => a - b), codes);
  assert.deepEqual(codes.map((c) => decodeHop(c, 2, 4)), sets);
  assert.equal(hopCode([3, 0], 0, 2, 4), hopCode([0, 3], 0, 2, 4));
  assert.equal(hopCode([-1, 2], 0, 2, 4), hopCode([2, -1], 0, 2, 4));
  assert.equal(hopCode([2, 0, 1], 0, 3, 4), hopCode([0, 1, 2], 0, 3, 4));
  assert.deepEqual(decodeHop(hopCode([2, -1, 0], 0, 3, 4), 3, 4), [0, 2]);
});

test('interner: dense ids in order of first appearance, exact for keys past 2^32', () => {
  const ids = new Interner(1000);
  const keys = Array.from({ length: 1000 }, (_, i) => (i % 2 ? i * 2 ** 33 + 7 : i * 4096));
  assert.deepEqual(keys.map((k) => ids.intern(k)), keys.map((_, i) => i));
  assert.deepEqual(keys.map((k) => ids.intern(k)), keys.map((_, i) => i));
  assert.equal(ids.size, 1000);
  assert.throws(() => ids.intern(1), /more than 1000 distinct keys/);
  ids.clear();
  assert.equal(ids.intern(2 ** 52 + 1), 0);
});

test('paths share an id exactly when every hop agrees; the first-hop ids cut at hop 0', () => {
  // tokens × 3 hops × k = 1
  const choices = [0, 1, 2, 0, 1, 2, 0, 2, 1, 1, 1, 2, -1, 1, 2];
  const index = indexPaths(choices, 5, 3, 1, 3);
  assert.deepEqual([...index.tokenPath], [0, 0, 1, 2, 3]);
  assert.deepEqual([...index.tokenFirstHop], [0, 0, 0, 1, 2]);
  assert.equal(index.size, 4);
  assert.equal(index.firstHopSize, 3);
});
