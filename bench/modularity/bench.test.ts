import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBenchmark } from './main';
import { parseOptions } from './options';
import { randomPartitions, sizes } from './partitions';
import { epochsToTarget } from './train';

const finite = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x), `${what} = ${String(x)}`);

test('options: --quick is one seed, two epochs, two draws; unknown options fail by name', () => {
  const o = parseOptions(['--seeds', '4,5', '--quick']);
  assert.deepEqual([o.seeds, o.epochs, o.draws, o.quick], [[4], 2, 2, true]);
  assert.throws(() => parseOptions(['--seed', '1']), /unknown option --seed/);
  assert.throws(() => parseOptions(['--target', '90']), /--target/);
});

test('random partitions keep every subnetwork\'s size per layer and leave switched-off units alone', () => {
  const base = { k: 3, labels: [Int32Array.from([0, 0, 1, 2, 2, 2]), Int32Array.from([1, 1, 0, 2])] };
  const alive = [Float32Array.from([1, 1, 1, 1, 0, 1]), Float32Array.from([1, 1, 1, 1])];
  for (const p of randomPartitions(base, alive, 5, 1)) {
    p.labels.forEach((ls, l) => assert.deepEqual([...ls].sort(), [...base.labels[l]!].sort()));
    assert.equal(p.labels[0]![4], 2);
    assert.deepEqual(sizes(p), sizes(base));
  }
  assert.equal(epochsToTarget([0.5, 0.91, 0.89, 0.95], 0.9), 2);
  assert.equal(epochsToTarget([0.5], 0.9), undefined);
});

test('--quick: every method and arm is reported with finite numbers', async () => {
  const doc = await runBenchmark(parseOptions(['--quick']), () => {});
  assert.deepEqual(doc.tasks, ['left', 'right']);
  assert.ok(doc.machine.cpu && doc.machine.node && doc.machine.backend);
  assert.deepEqual(doc.summary.methods.map((m) => m.method), ['dynaxx', 'spectral', 'random']);
  for (const m of doc.summary.methods) {
    for (const key of ['specialization', 'nmi', 'purity', 'q', 'accepted'] as const) {
      assert.equal(m[key].length, 1);
      finite(m[key][0], `${m.method}.${key}`);
    }
    assert.equal(m.bestDrops[0]!.length, 2);
    m.bestDrops[0]!.forEach((d, t) => finite(d, `${m.method}.bestDrops[${t}]`));
  }
  for (const a of doc.summary.arms) {
    finite(a.finalAccuracy[0], `${a.arm}.finalAccuracy`);
    finite(a.stepMs[0], `${a.arm}.stepMs`);
  }
  finite(doc.summary.overheadPct[0], 'overheadPct');
  finite(doc.summary.clusteringPct[0], 'clusteringPct');
  const s = doc.seeds[0]!;
  assert.equal(s.training.dynaxx.valAccuracy.length, 2, 'one validation accuracy per epoch');
  assert.equal(s.random.length, 2);
  assert.equal(s.dynaxx.fingerprint.length, 32 + 8, 'one label per input feature and per logit');
  assert.equal(s.sizes.dynaxx.reduce((a, b) => a + b, 0), 256, 'hidden1 and hidden2, 128 units each');
  assert.match(doc.table, /\(a\) Dynaxx discovery/);
  const g = doc.growth!;
  if (!('skipped' in g)) {
    [...g.report.before, ...g.report.after, ...g.report.newAccuracy].forEach((x, i) => finite(x, `growth accuracy ${i}`));
    assert.deepEqual(g.report.newTasks, ['t3']);
  }
});
