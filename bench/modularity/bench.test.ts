import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../trainer/data/load';
import { ablationOrder, ablationTable, meanSd, type AblationResult } from './ablations';
import { repoRoot, runBenchmark } from './main';
import { armModel } from './models';
import { parseOptions } from './options';
import { randomPartitions, sizes } from './partitions';
import { epochsToTarget, trainArm } from './train';

const finite = (x: unknown, what: string) => assert.ok(typeof x === 'number' && Number.isFinite(x), `${what} = ${String(x)}`);

test('options: --quick is one seed, two epochs, two draws; unknown options fail by name', () => {
  const o = parseOptions(['--seeds', '4,5', '--quick']);
  assert.deepEqual([o.seeds, o.epochs, o.draws, o.quick], [[4], 2, 2, true]);
  assert.throws(() => parseOptions(['--seed', '1']), /unknown option --seed/);
  assert.throws(() => parseOptions(['--target', '90']), /--target/);
  assert.deepEqual(o.ablations, [], '--quick trains no ablation arm unless asked');
  assert.equal(parseOptions([]).ablations.length, 7);
  assert.deepEqual(parseOptions(['--quick', '--ablations', 'masks-off,random-fixed-l1']).ablations, ['masks-off', 'random-fixed-l1']);
  assert.deepEqual(parseOptions(['--ablations', 'none']).ablations, []);
  assert.throws(() => parseOptions(['--ablations', 'no-l1']), /unknown arm 'no-l1'/);
});

test('ablation table: one row per arm in order, mean ± sd over seeds, masks open per seed', () => {
  const row = (arm: string, seed: number, x: number): AblationResult => ({ arm, seed, accuracy: x, specialization: x, nmi: x, purity: x, q: x, open: 4, k: 4, seconds: 1 });
  const t = ablationTable([row('full', 1, 0.8), row('full', 2, 0.9), row('masks-off', 1, 0.5)], ablationOrder(['masks-off', 'no-diversity-loss']));
  const lines = t.split('\n');
  assert.equal(lines.length, 4, 'header, rule, two arms that ran (no-diversity-loss has no rows)');
  assert.match(lines[2]!, /^\| full \|.*\| 2 \| 85\.0 ± 7\.1 \| 0\.85 ± 0\.07 \|.*\| 4\/4, 4\/4 \|$/);
  assert.match(lines[3]!, /^\| masks-off \|.*\| 1 \| 50\.0 \| 0\.50 \|/);
  assert.equal(meanSd([1, 2, 3]), '2.00 ± 1.00');
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
  const doc = await runBenchmark(parseOptions(['--quick', '--ablations', 'masks-off,random-fixed-l1']), () => {});
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
  assert.deepEqual(s.ablations!.map((r) => r.arm), ['full', 'masks-off', 'random-fixed-l1']);
  for (const r of s.ablations!) {
    for (const key of ['accuracy', 'specialization', 'nmi', 'purity', 'q'] as const) finite(r[key], `${r.arm}.${key}`);
    assert.ok(r.open >= 1 && r.open <= r.k, `${r.arm}: ${r.open} of ${r.k} open`);
  }
  assert.match(doc.ablationTable!, /\| random-fixed-l1 \|/);
  const g = doc.growth!;
  if (!('skipped' in g)) {
    [...g.report.before, ...g.report.after, ...g.report.newAccuracy].forEach((x, i) => finite(x, `growth accuracy ${i}`));
    assert.deepEqual(g.report.newTasks, ['t3']);
  }
});

test('random-fixed-l1: the labels are a shuffle of each layer\'s round-robin deal and are never re-clustered', async () => {
  const file = join(repoRoot(), 'examples', 'two-task-modular.dynaxx.yaml');
  const { model } = armModel(file, 'dynaxx', 5, 1);
  model.train.steps = 60;
  const dataset = loadDataset(model.data, { seed: 1, baseDir: join(repoRoot(), 'examples') });
  const run = await trainArm({ arm: 'dynaxx', model }, dataset, { fixedRandomLabels: true });
  try {
    const r = run.modularity!;
    assert.equal(run.clusteringMs.length, 0, 'no clustering');
    let shuffled = false;
    for (const l of r.layout.layers) {
      const ls = [...r.labels.slice(l.offset, l.offset + l.items)];
      const dealt = Array.from({ length: l.items }, (_, i) => i % r.k);
      assert.deepEqual([...ls].sort((a, b) => a - b), [...dealt].sort((a, b) => a - b), `${l.id}: the sizes of the deal`);
      shuffled ||= ls.some((x, i) => x !== dealt[i]);
    }
    assert.ok(shuffled, 'not the round-robin deal itself');
  } finally {
    run.loop.dispose();
  }
});
