/** Clean splits: where choices are made and where they are reported, disjoint, and the report split guarded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanSplits, currentSelection, reportOnly, selecting, TRAIN_SAMPLE } from './eval-split';
import type { Dataset, Split } from './types';

/** n samples of 2 features, sample i = [base + i, -(base + i)], label i % 3. */
function split(n: number, base: number): Split {
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = base + i;
    x[2 * i + 1] = -(base + i);
    y[i] = i % 3;
  }
  return { x, y, n };
}

const dataset = (train: number, validation: number, test?: number): Dataset => ({
  name: 'd', sampleShape: [2], tasks: [{ name: 'y', classes: 3 }],
  train: split(train, 0), validation: split(validation, 10_000), ...(test !== undefined ? { test: split(test, 20_000) } : {}),
});

/** The first feature of every sample (which sample it was). */
const ids = (s: Split) => Array.from({ length: s.n }, (_, i) => s.x[2 * i]!);

test('validation and test: chosen on validation, reported on test; no note', () => {
  const d = dataset(100, 20, 30);
  const c = cleanSplits(d, 1);
  assert.equal(c.select.name, 'validation');
  assert.equal(c.select.split, d.validation);
  assert.equal(c.report.name, 'test');
  assert.deepEqual(ids(c.report.split), ids(d.test!));
  assert.equal(c.note, undefined);
});

test('no test split: validation cut in two disjoint halves, rows kept whole, the note says so', () => {
  const d = dataset(100, 21);
  const c = cleanSplits(d, 1);
  assert.equal(c.select.name, 'validation (selection half)');
  assert.equal(c.report.name, 'validation (report half)');
  const [a, b] = [ids(c.select.split), ids(c.report.split)];
  assert.equal(a.length, 10);
  assert.equal(b.length, 11);
  assert.deepEqual([...a, ...b].sort((p, q) => p - q), ids(d.validation), 'together they are the validation split');
  for (const s of [c.select.split, c.report.split]) for (let i = 0; i < s.n; i++) {
    assert.equal(s.x[2 * i + 1], -s.x[2 * i]!);
    assert.equal(s.y[i], (s.x[2 * i]! - 10_000) % 3);
  }
  assert.match(c.note!, /no test split/);
  assert.deepEqual(ids(cleanSplits(d, 1).select.split), a, 'the seed fixes the halves');
  assert.notDeepEqual(ids(cleanSplits(d, 2).select.split), a);
});

test('no validation split: chosen on a training sample, reported on test; with neither, two disjoint training samples', () => {
  const c = cleanSplits(dataset(50, 0, 30), 1);
  assert.equal(c.select.name, 'training sample');
  assert.equal(c.select.split.n, 50);
  assert.equal(c.report.name, 'test');
  assert.match(c.note!, /no validation split.*trained on/);
  const big = cleanSplits(dataset(TRAIN_SAMPLE + 10, 0, 5), 1);
  assert.equal(big.select.split.n, TRAIN_SAMPLE, 'at most TRAIN_SAMPLE training samples');
  const none = cleanSplits(dataset(41, 0), 1);
  assert.equal(none.select.split.n, 20);
  assert.equal(none.report.split.n, 20);
  const [a, b] = [new Set(ids(none.select.split)), ids(none.report.split)];
  assert.ok(b.every((x) => !a.has(x)), 'disjoint');
  assert.match(none.note!, /nothing is held out/);
});

test('the report split cannot be read inside a selection, awaits included; outside it reads as the split', async () => {
  const s = split(4, 0);
  const guarded = reportOnly(s, 'test');
  assert.equal(guarded.n, 4);
  assert.equal(guarded.x, s.x);
  assert.equal(guarded.y, s.y);
  assert.throws(() => selecting('the routing threshold', () => guarded.x), /the routing threshold read the test split while choosing/);
  assert.throws(() => selecting('a choice', () => guarded.y), /a choice read the test split/);
  await assert.rejects(selecting('an async choice', async () => {
    await new Promise((r) => setTimeout(r, 1));
    assert.equal(currentSelection(), 'an async choice');
    return guarded.x;
  }), /an async choice read the test split/);
  // a selection running beside other work does not leak into it
  let inside: string | undefined = 'unset';
  const choosing = selecting('slow choice', () => new Promise((r) => setTimeout(r, 5)));
  await new Promise((r) => setTimeout(r, 1));
  inside = currentSelection();
  assert.equal(guarded.x, s.x);
  await choosing;
  assert.equal(inside, undefined);
  assert.equal(currentSelection(), undefined);
  // the split every other reader sees is untouched
  assert.equal(selecting('reading validation', () => s.x), s.x);
});
