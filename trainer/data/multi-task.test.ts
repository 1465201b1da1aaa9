/** Synthetic multi-task data and per-task prototype seeds; two-task stays byte-for-byte the same. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from './load';
import { generateSynthetic, multiTaskTruth, twoTaskTruth } from './synthetic';
import { dataSpec } from './test-util';

/** FNV-1a over the bytes of a typed array, as hex. */
function fnv(a: Float32Array | Int32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

test('two-task generates exactly the samples it did before multi-task and taskSeeds existed', () => {
  // Checksums recorded from the generator before the change.
  const cases = [
    { opts: { seed: 0 }, x: '01e68bbc', y: '195d72a6' },
    { opts: { seed: 5, samples: 300, classes: 3, features: 12 }, x: 'd1b7687b', y: '5e75c8b6' },
    { opts: { seed: 42, samples: 1000, classes: 4, features: 32 }, x: 'fc908c33', y: 'e632d947' },
  ];
  for (const c of cases) {
    const d = generateSynthetic({ kind: 'two-task', ...c.opts });
    assert.equal(fnv(d.train.x), c.x, JSON.stringify(c.opts));
    assert.equal(fnv(d.train.y), c.y, JSON.stringify(c.opts));
    assert.deepEqual(d.tasks.map((t) => t.name), ['left', 'right']);
    assert.doesNotMatch(d.name, /parts|task seeds/);
  }
});

test('multi-task: tasks t1..tN, each label = nearest prototype of its own part mod classes', () => {
  const classes = 3;
  const features = 18;
  const seed = 11;
  const n = 600;
  const d = generateSynthetic({ kind: 'multi-task', seed, samples: n, classes, features });
  assert.deepEqual(d.tasks, [{ name: 't1', classes }, { name: 't2', classes }, { name: 't3', classes }]);
  assert.deepEqual(d.sampleShape, [features]);
  assert.equal(d.train.y.length, 3 * n);
  const truth = multiTaskTruth(classes, features, 3, seed);
  assert.equal(truth.width, 6);
  const counts = [0, 0, 0].map(() => new Array<number>(classes).fill(0));
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 3; p++) {
      // the rule by hand: nearest of the 2·classes prototypes of part p, modulo classes
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < 2 * classes; k++) {
        let dist = 0;
        for (let j = 0; j < 6; j++) dist += (d.train.x[i * features + p * 6 + j] - truth.prototypes[p][k * 6 + j]) ** 2;
        if (dist < bestD) { bestD = dist; best = k; }
      }
      assert.equal(d.train.y[i * 3 + p], best % classes);
      assert.equal(d.train.y[i * 3 + p], truth.label(p, d.train.x, i * features));
      counts[p][best % classes]++;
    }
  }
  for (const c of counts) for (const k of c) assert.ok(k > n / classes / 2, `class counts ${JSON.stringify(counts)}`);
  // defaults: 3 parts of 16 features
  const dflt = loadDataset(dataSpec({ source: 'synthetic', kind: 'multi-task', samples: 64, validation: 0 }));
  assert.deepEqual(dflt.sampleShape, [48]);
  assert.deepEqual(dflt.tasks.map((t) => t.name), ['t1', 't2', 't3']);
  const five = generateSynthetic({ kind: 'multi-task', parts: 5, features: 20, samples: 8 });
  assert.deepEqual(five.tasks.map((t) => t.name), ['t1', 't2', 't3', 't4', 't5']);
});

test('multi-task: parts are independent (splicing part p from another sample changes only task p)', () => {
  const classes = 4;
  const features = 24;
  const seed = 3;
  const d = generateSynthetic({ kind: 'multi-task', seed, samples: 200, classes, features, parts: 3 });
  const truth = multiTaskTruth(classes, features, 3, seed);
  const w = truth.width;
  const row = (i: number) => d.train.x.subarray(i * features, (i + 1) * features);
  const mixed = new Float32Array(features);
  let changed = 0;
  for (let i = 0; i < 50; i++) {
    for (let j = 100; j < 120; j++) {
      for (let p = 0; p < 3; p++) {
        mixed.set(row(i));
        mixed.set(row(j).subarray(p * w, (p + 1) * w), p * w);
        for (let q = 0; q < 3; q++) {
          const expected = q === p ? d.train.y[j * 3 + q] : d.train.y[i * 3 + q];
          assert.equal(truth.label(q, mixed), expected);
        }
        if (d.train.y[i * 3 + p] !== d.train.y[j * 3 + p]) changed++;
      }
    }
  }
  assert.ok(changed > 1000, `splices that changed the label: ${changed}`);
});

test('multi-task with parts: 2 is two-task with tasks named t1, t2', () => {
  const a = generateSynthetic({ kind: 'two-task', seed: 9, samples: 100, classes: 3, features: 10 });
  const b = generateSynthetic({ kind: 'multi-task', parts: 2, seed: 9, samples: 100, classes: 3, features: 10 });
  assert.deepEqual(b.train.x, a.train.x);
  assert.deepEqual(b.train.y, a.train.y);
  assert.deepEqual(b.tasks.map((t) => t.name), ['t1', 't2']);
});

test('taskSeeds: files sharing s1 share task 1 sample for sample; a different s2 gives a different task 2', () => {
  for (const kind of ['two-task', 'multi-task'] as const) {
    const parts = kind === 'two-task' ? 2 : 3;
    const base = { kind, seed: 4, samples: 500, classes: 4, features: 12 * parts };
    const seedsA = parts === 2 ? [101, 202] : [101, 202, 303];
    const seedsB = parts === 2 ? [101, 999] : [101, 999, 303];
    const a = generateSynthetic({ ...base, taskSeeds: seedsA });
    const b = generateSynthetic({ ...base, taskSeeds: seedsB });
    // The second task's function differs: B's rule applied to A's inputs agrees with A's labels
    // about as often as chance (its own inputs would agree often: labels follow the drawn prototype).
    const truthB = multiTaskTruth(4, 12 * parts, parts, 4, seedsB);
    let sameT2 = 0;
    for (let i = 0; i < 500; i++) {
      assert.equal(a.train.y[i * parts], b.train.y[i * parts], `${kind} sample ${i}, task 1`);
      for (let k = 0; k < 12; k++) assert.equal(a.train.x[i * 12 * parts + k], b.train.x[i * 12 * parts + k]);
      assert.equal(truthB.label(0, a.train.x, i * 12 * parts), a.train.y[i * parts]);
      if (parts === 3) assert.equal(a.train.y[i * 3 + 2], b.train.y[i * 3 + 2], `${kind} sample ${i}, task 3`);
      if (truthB.label(1, a.train.x, i * 12 * parts) === a.train.y[i * parts + 1]) sameT2++;
    }
    assert.ok(sameT2 < 200, `${kind}: task 2 rules agree on ${sameT2}/500 samples`);
    // a task's function depends on its seed only, not on the data seed or its place
    const ta = multiTaskTruth(4, 12 * parts, parts, 4, seedsA);
    const tOther = multiTaskTruth(4, 12 * parts, parts, 77, [202, ...seedsA.slice(1)]);
    assert.deepEqual(tOther.prototypes[0], ta.prototypes[1]);
    assert.match(a.name, /task seeds 101, 202/);
  }
  // without taskSeeds the prototypes come from the data seed, as before
  assert.notDeepEqual(twoTaskTruth(4, 24, 4, [1, 2]).left, twoTaskTruth(4, 24, 4).left);
});

test('multi-task and taskSeeds errors name the bad setting', () => {
  assert.throws(() => generateSynthetic({ kind: 'multi-task', features: 32 }), /data\.features must be divisible by data\.parts \(3 equal parts\), got 32; use e\.g\. 30 or 33/);
  assert.throws(() => generateSynthetic({ kind: 'multi-task', parts: 1 }), /data\.parts must be an integer ≥ 2/);
  assert.throws(() => generateSynthetic({ kind: 'two-task', taskSeeds: [1, 2, 3] }), /taskSeeds has 3 seeds but there are 2 tasks \(left, right\)/);
  assert.throws(() => generateSynthetic({ kind: 'multi-task', parts: 4, features: 8, taskSeeds: [1] }), /1 seed but there are 4 tasks \(t1, t2, t3, t4\)/);
  assert.throws(() => generateSynthetic({ kind: 'two-task', parts: 3 }), /data\.parts applies to kind multi-task only/);
  assert.throws(() => generateSynthetic({ kind: 'blobs', taskSeeds: [1] }), /data\.taskSeeds applies to kinds two-task and multi-task only/);
});
