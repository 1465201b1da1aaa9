import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from './load';
import { generateSynthetic, sequenceLabel, twoTaskTruth } from './synthetic';
import { dataSpec } from './test-util';

/** 1-nearest-neighbour accuracy of predicting `labels` from columns [from, to) of x. */
function oneNnAccuracy(x: Float32Array, width: number, from: number, to: number, labels: (i: number) => number, nTrain: number, nTest: number): number {
  let correct = 0;
  for (let q = nTrain; q < nTrain + nTest; q++) {
    let best = -1;
    let bestD = Infinity;
    for (let r = 0; r < nTrain; r++) {
      let d = 0;
      for (let k = from; k < to; k++) {
        const diff = x[q * width + k] - x[r * width + k];
        d += diff * diff;
      }
      if (d < bestD) { bestD = d; best = r; }
    }
    if (labels(best) === labels(q)) correct++;
  }
  return correct / nTest;
}

test('synthetic data is deterministic for a seed and differs across seeds', () => {
  for (const kind of ['blobs', 'two-task', 'sequence'] as const) {
    const a = generateSynthetic({ kind, seed: 7, samples: 64 });
    const b = generateSynthetic({ kind, seed: 7, samples: 64 });
    const c = generateSynthetic({ kind, seed: 8, samples: 64 });
    assert.deepEqual(a.train.x, b.train.x, kind);
    assert.deepEqual(a.train.y, b.train.y, kind);
    assert.notDeepEqual(a.train.x, c.train.x, kind);
  }
});

test('defaults: 4096 samples, 4 classes, 32 features (sequence: 16 tokens)', () => {
  const blobs = loadDataset(dataSpec({ source: 'synthetic', kind: 'blobs', validation: 0 }));
  assert.equal(blobs.train.n, 4096);
  assert.deepEqual(blobs.sampleShape, [32]);
  assert.deepEqual(blobs.tasks, [{ name: 'label', classes: 4 }]);
  const seq = loadDataset(dataSpec({ source: 'synthetic', kind: 'sequence' }));
  assert.deepEqual(seq.sampleShape, [16]);
});

test('blobs are learnable but not trivial', () => {
  const d = generateSynthetic({ kind: 'blobs', seed: 1, samples: 2000 });
  const acc = oneNnAccuracy(d.train.x, 32, 0, 32, (i) => d.train.y[i], 1500, 500);
  assert.ok(acc > 0.5 && acc < 0.99, `1-NN accuracy ${acc}`);
});

test('two-task: the left label depends only on half a, the right only on half b', () => {
  const classes = 4;
  const features = 32;
  const seed = 5;
  const d = generateSynthetic({ kind: 'two-task', seed, samples: 2000, classes, features });
  assert.deepEqual(d.tasks, [{ name: 'left', classes }, { name: 'right', classes }]);
  assert.equal(d.train.y.length, 2 * 2000);
  const truth = twoTaskTruth(classes, features, seed);
  const x = d.train.x;
  const row = (i: number) => x.subarray(i * features, (i + 1) * features);
  for (let i = 0; i < 2000; i++) {
    assert.equal(truth.labelLeft(row(i)), d.train.y[2 * i]);
    assert.equal(truth.labelRight(row(i)), d.train.y[2 * i + 1]);
  }
  // Splice half b of other samples onto sample i: the left label never changes, the right follows b.
  const mixed = new Float32Array(features);
  for (let i = 0; i < 100; i++) {
    for (let j = 100; j < 140; j++) {
      mixed.set(row(i).subarray(0, 16), 0);
      mixed.set(row(j).subarray(16), 16);
      assert.equal(truth.labelLeft(mixed), d.train.y[2 * i]);
      assert.equal(truth.labelRight(mixed), d.train.y[2 * j + 1]);
    }
  }
  // Statistically: half a predicts the left label well, half b is at chance for it (and vice versa).
  const left = (i: number) => d.train.y[2 * i];
  const right = (i: number) => d.train.y[2 * i + 1];
  const aLeft = oneNnAccuracy(x, features, 0, 16, left, 1500, 500);
  const bLeft = oneNnAccuracy(x, features, 16, 32, left, 1500, 500);
  const bRight = oneNnAccuracy(x, features, 16, 32, right, 1500, 500);
  const aRight = oneNnAccuracy(x, features, 0, 16, right, 1500, 500);
  assert.ok(aLeft > 0.6 && bRight > 0.6, `own half: ${aLeft}, ${bRight}`);
  assert.ok(bLeft < 0.35 && aRight < 0.35, `other half: ${bLeft}, ${aRight}`);
});

test('sequence: token ids in [0, 32), label = majority bucket, classes roughly balanced', () => {
  const d = generateSynthetic({ kind: 'sequence', seed: 2, samples: 4000 });
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) {
    for (let t = 0; t < 16; t++) {
      const v = d.train.x[i * 16 + t];
      assert.ok(Number.isInteger(v) && v >= 0 && v < 32);
    }
    assert.equal(d.train.y[i], sequenceLabel(d.train.x, i * 16, 16, 4));
    counts[d.train.y[i]]++;
  }
  for (const c of counts) assert.ok(c > 700 && c < 1400, `class counts ${counts}`);
});

test('synthetic errors name the bad setting', () => {
  assert.throws(() => generateSynthetic({ kind: 'two-task', features: 7 }), /data\.features must be even/);
  assert.throws(() => generateSynthetic({ kind: 'blobs', classes: 1 }), /data\.classes must be an integer ≥ 2/);
});
