/**
 * Clean splits end to end (issue 16): the pruning sweep and its routing on a small synthetic model whose test split
 * is guarded (any read while choosing throws) and whose validation and test reads are recorded with the selection
 * running at the time. The routed expert and the threshold are chosen on validation only; the reported test
 * numbers are those of the chosen expert and threshold. Without a test split, validation is cut in two and the
 * reports say so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadModelText } from '../../spec';
import type { ParetoPoint } from '../../protocol/reports';
import { initBackend } from '../backend/backends';
import { currentSelection, reportOnly } from '../data/eval-split';
import { loadDataset } from '../data/load';
import type { Dataset, Split } from '../data/types';
import { SequentialModel } from '../engine/model';
import { readWeights } from '../engine/weights';
import { sweepAndRoute } from './command';
import { trainSteps, weightsOf } from './finetune';
import { chooseExpert } from './route-expert';

const MODEL = `name: clean
data: { source: synthetic, kind: blobs, samples: 600, classes: 3, features: 8, validation: 0.4 }
model:
  input: [8]
  layers:
    - { type: dense, name: h1, units: 16, activation: relu }
    - { type: dense, name: h2, units: 12, activation: relu }
    - { type: dense, name: logits, units: 3 }
train: { steps: 1, batchSize: 32, seed: 4, backend: cpu, optimizer: { type: adam, lr: 0.01 } }
prune: { criteria: [random, l1, wanda], targets: [50], finetuneSteps: 6, scoreSteps: 4, calibration: 64, latencyBatch: 16, lr: 0.003 }
route: { target: 50, thresholds: 6 }
`;

interface Read { split: string; during: string | undefined }

/** `split` whose reads are logged with the selection running at the time. */
function recorded(split: Split, name: string, log: Read[]): Split {
  const read = <T>(v: T): T => {
    log.push({ split: name, during: currentSelection() });
    return v;
  };
  return Object.defineProperties({ n: split.n } as Split, { x: { get: () => read(split.x), enumerable: true }, y: { get: () => read(split.y), enumerable: true } });
}

function rows(s: Split, from: number, to: number): Split {
  const xw = s.x.length / s.n;
  const yw = s.y.length / s.n;
  return { x: s.x.slice(from * xw, to * xw), y: s.y.slice(from * yw, to * yw), n: to - from };
}

async function setup(withTest: boolean, log: Read[]) {
  await initBackend('cpu');
  const model = loadModelText(MODEL, 'clean.dynaxx.yaml');
  const loaded = loadDataset(model.data, { seed: model.train.seed, baseDir: '.' });
  const v = loaded.validation;
  const half = Math.floor(v.n / 2);
  const dataset: Dataset = withTest
    ? { ...loaded, validation: recorded(rows(v, 0, half), 'validation', log), test: reportOnly(recorded(rows(v, half, v.n), 'test', log), 'test') }
    : { ...loaded, validation: recorded(v, 'validation', log) };
  // a briefly trained dense model (on the training split only)
  const init = new SequentialModel(model.layers, model.train.seed);
  const start = await readWeights(init);
  init.dispose();
  const trained = await trainSteps(model, { ...loaded, test: undefined }, start, 80, 0.01);
  const weights = await weightsOf(trained.loop);
  trained.loop.dispose();
  log.length = 0;
  return { model, dataset, weights };
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

test('the routed expert and its threshold are chosen on validation only; the test numbers are those of the choice', async () => {
  const log: Read[] = [];
  const { model, dataset, weights } = await setup(true, log);
  const { sweep, routing } = await sweepAndRoute({ model, sourceText: MODEL, weights, dataset }, model.prune!, model.route!);
  const r = routing!;

  // what was read while choosing: validation only, never test (a test read there would have thrown)
  const during = log.filter((x) => x.during !== undefined);
  assert.ok(during.some((x) => x.during === 'the routing threshold' && x.split === 'validation'), 'the threshold is chosen on validation');
  assert.deepEqual([...new Set(during.map((x) => x.split))], ['validation']);
  assert.ok(log.some((x) => x.split === 'test' && x.during === undefined), 'test is read, to report');

  // the sweep: every point on test, and on validation for the choices
  assert.equal(sweep.split, 'test');
  assert.equal(sweep.selectionSplit, 'validation');
  assert.equal(sweep.splitNote, undefined);
  assert.equal(sweep.points.length, 3);
  for (const p of sweep.points) assert.ok(p.selection && Number.isFinite(p.selection.accuracyMean) && Number.isFinite(p.accuracyMean));
  assert.equal(sweep.criterionLabels?.wanda, 'wanda (channel sum)');

  // the expert: the most accurate on validation (the first of equals), whatever test says
  const best = sweep.points.reduce((a, b) => (b.selection!.accuracyMean > a.selection!.accuracyMean ? b : a));
  assert.equal(r.criterion, best.criterion);
  assert.deepEqual(r.expert, { by: 'accuracy', split: 'validation', accuracyMean: best.selection!.accuracyMean, candidates: ['random', 'l1', 'wanda'] });

  // the report: on test, of that expert and the dense reference; the selection's sweep on validation beside it
  assert.equal(r.split, 'test');
  assert.equal(r.selection?.split, 'validation');
  assert.equal(r.samples, dataset.test!.n);
  assert.equal(r.selection!.samples, dataset.validation.n);
  assert.ok(close(r.accuracyPruned, best.accuracyMean), `pruned expert on test ${r.accuracyPruned} vs its sweep point ${best.accuracyMean}`);
  assert.ok(close(r.selection!.accuracyPruned, best.selection!.accuracyMean));
  assert.ok(close(r.accuracyFull, sweep.dense.accuracyMean), 'the full expert is the dense reference');
  assert.ok(close(r.selection!.accuracyFull, sweep.dense.selection!.accuracyMean));
  // the operating point: chosen on validation, its numbers on test at the same threshold
  assert.ok(r.noLoss && r.selection!.noLoss);
  assert.equal(r.noLoss.threshold, r.selection!.noLoss.threshold);
  assert.ok(r.selection!.noLoss.accuracy >= r.selection!.accuracyFull - 1e-9);
  assert.deepEqual(r.noLoss, r.points.find((p) => p.threshold === r.noLoss!.threshold));
});

test('without a test split: validation cut in two, chosen on one half, reported on the other, and the reports say so', async () => {
  const log: Read[] = [];
  const { model, dataset, weights } = await setup(false, log);
  const prune = { ...model.prune!, criteria: ['random', 'l1'] };
  const { sweep, routing } = await sweepAndRoute({ model, sourceText: MODEL, weights, dataset }, prune, model.route!);
  assert.equal(sweep.split, 'validation (report half)');
  assert.equal(sweep.selectionSplit, 'validation (selection half)');
  assert.match(sweep.splitNote!, /no test split/);
  assert.equal(routing!.split, 'validation (report half)');
  assert.equal(routing!.selection?.split, 'validation (selection half)');
  assert.equal(routing!.expert?.split, 'validation (selection half)');
  assert.equal(routing!.splitNote, sweep.splitNote);
  assert.equal(routing!.samples + routing!.selection!.samples, dataset.validation.n);
});

test('choosing the expert reads the selection accuracies only', () => {
  const point = (criterion: string, selection: number, target = 50, seed = 4): ParetoPoint => {
    const p = { criterion, target, seed, selection: { accuracy: [selection], accuracyMean: selection } } as unknown as ParetoPoint;
    for (const k of ['accuracy', 'accuracyMean'] as const) {
      Object.defineProperty(p, k, { get: () => { throw new Error(`the choice read the test accuracy of ${criterion}`); } });
    }
    return p;
  };
  const points = [point('random', 0.7), point('l1', 0.9), point('wanda', 0.8), point('agf', 0.99, 25), point('taylor', 0.99, 50, 5)];
  const route = { signal: 'maxProb' as const, target: 50, thresholds: 5, tolerance: 0 };
  const chosen = chooseExpert(points, route, 4, [25, 50], 'validation');
  assert.equal(chosen.point.criterion, 'l1');
  assert.deepEqual(chosen.choice, { by: 'accuracy', split: 'validation', accuracyMean: 0.9, candidates: ['random', 'l1', 'wanda'] });
  assert.equal(chooseExpert(points, { ...route, criterion: 'wanda' }, 4, [25, 50], 'validation').choice.by, 'route.criterion');
  assert.throws(() => chooseExpert(points, { ...route, target: 75 }, 4, [25, 50], 'validation'), /route.target 75% is not among the sweep's targets \(25, 50\)/);
  const old = { criterion: 'l1', target: 50, seed: 4 } as ParetoPoint;
  assert.throws(() => chooseExpert([old, old], route, 4, [50], 'validation'), /no accuracy on the selection split/);
});
