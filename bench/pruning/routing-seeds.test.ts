/**
 * Routing over seeds (routing-seeds.ts): one row per trained model at its operating point, the mean ± sd row, the
 * counts of models that keep the full accuracy and cost less; a model without an operating point shows dashes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoutingReport, RoutingSweepPoint } from '../../protocol/reports';
import type { PruningSeedsFile } from './report';
import { routingSeedsMarkdown } from './routing-seeds';

const point = (shareFull: number, accuracy: number): RoutingSweepPoint => ({
  threshold: 0.9, routed: shareFull * 100, prunedCost: 0.5, shareFull, expectedCost: 0.5 + shareFull,
  expectedCostFreeDecision: 0.5 + shareFull / 2, accuracy, accuracyFull: 0.9, accuracyPruned: 0.88,
});
const routing = (accuracy: number | undefined): RoutingReport => ({
  signal: 'maxProb', prunedCost: 0.5, tolerance: 0, split: 'test', samples: 100, accuracyFull: 0.9, accuracyPruned: 0.88,
  points: [], ...(accuracy === undefined ? {} : { noLoss: point(0.2, accuracy) }), criterion: 'l1', target: 50,
  selection: { split: 'validation', samples: 50, accuracyFull: 0.9, accuracyPruned: 0.88, points: [], noLoss: point(0.2, 0.9) },
});
const doc = (accs: Array<number | undefined>): PruningSeedsFile => ({
  model: 'm', machine: { cores: 2, node: 'v20' }, options: { epochs: 2, finetuneSteps: 100, scoreSteps: 50, seeds: 3, trainSeeds: accs.map((_, i) => 42 + i) },
  runs: accs.map((a, i) => ({ trainSeed: 42 + i, run: `r${i}`, trainTestAccuracy: 0.9, sweep: {} as never, routing: routing(a) })),
});

test('one row per trained model, a mean ± sd row and the counts against the full expert', () => {
  const md = routingSeedsMarkdown(doc([0.9, 0.91, 0.89]));
  assert.match(md, /\| 42 \| l1 −50% \| 0\.500 \| 90\.0 \| 88\.0 \| 90\.0 \| 0\.0 \| 20\.0% \| 0\.700 \| 0\.0 \|/);
  assert.match(md, /\| mean ± sd \(3\) \| \| 0\.500 ± 0\.000 \| 90\.0 ± 0\.0 \| 88\.0 ± 0\.0 \| 90\.0 ± 1\.0 \| 0\.0 ± 1\.0 \| 20\.0 ± 0\.0% \| 0\.700 ± 0\.000 \| \|/);
  assert.match(md, /full expert on test: 2 of 3; expected cost below the full expert's \(1\.000\): 3 of 3\./);
});

test('a model without an operating point shows dashes and is left out of the mean', () => {
  const md = routingSeedsMarkdown(doc([0.9, undefined, 0.92]));
  assert.match(md, /\| 43 \| l1 −50% \| 0\.500 \| 90\.0 \| 88\.0 \| — \| — \| — \| — \| 0\.0 \|/);
  assert.match(md, /mean ± sd \(2\)/);
  assert.match(md, /2 of 3; expected cost below the full expert's \(1\.000\): 2 of 3/);
});

test('a file swept without --route says so', () => {
  const d = doc([0.9]);
  delete d.runs[0]!.routing;
  assert.match(routingSeedsMarkdown(d), /No routing/);
});
