import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../../spec';
import { overheadPct, spikeSteps, stepsToTarget, summarize, type StepPoint } from './analyze';
import { parseOptions, plan } from './main';
import { armRows, markdownTable } from './report';
import { DEFAULTS, stabilityModelText } from './models';
import { runOne } from './run-one';

const pts = (losses: number[], ms = 10): StepPoint[] => losses.map((loss, i) => ({ step: i + 1, loss, ms }));

test('the generated network has D weight layers, scale-1 residual blocks and no normalization', () => {
  for (const arm of ['baseline', 'stabilized'] as const) {
    const text = stabilityModelText({ ...DEFAULTS, depth: 100, steps: 10, arm });
    const r = parseModelText(text, 'x.dynaxx.yaml');
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(r.model!.depth, 100);
    assert.ok(!/norm/i.test(text.split('layers:')[1]!.split('train:')[0]!));
    assert.equal(/^stabilize: auto$/m.test(text), arm === 'stabilized');
  }
});

test('spikes: loss over 3× the running median, one per event, the same rule for both arms', () => {
  assert.deepEqual(spikeSteps(pts([2, 2, 2, 7, 8, 2, 2, 6.1, 2])), [4, 8]);
  assert.deepEqual(spikeSteps(pts([2, 1.9, 1.8, 5.5, 1.7])), []);
  assert.deepEqual(spikeSteps(pts([50, 6e12, 4e12])), [2]);
});

test('steps to target use a 10-step mean; divergence is the product\'s rule (a finite blow-up, not one spike)', () => {
  assert.equal(stepsToTarget(pts([...Array(10).fill(3), ...Array(10).fill(1)]), 2), 15);
  assert.equal(stepsToTarget(pts(Array(30).fill(3)), 2), undefined);
  const blown = summarize({ status: 'completed', steps: 3, points: pts([50, 6e12, 4e12]) }, 2);
  assert.ok(blown.diverged && /over 100×/.test(blown.reason!), 'a run that ends blown up');
  const to1e27 = summarize({ status: 'completed', steps: 8, points: pts([2.3, 2, 1.8, 1e4, 1e12, 1e27, 1.8e27, 1.8e27]) }, 2);
  assert.ok(to1e27.diverged && /for 3 reads in a row \(since step 4\)/.test(to1e27.reason!), to1e27.reason);
  assert.ok(!summarize({ status: 'completed', steps: 6, points: pts([2.3, 2, 900, 1.8, 1.7, 1.6]) }, 2).diverged, 'one spike');
  const nan = summarize({ status: 'diverged', error: 'loss is not finite at step 3 (NaN)', steps: 3, points: pts([3, 2]) }, 2);
  assert.ok(nan.diverged && /not finite/.test(nan.reason!));
  assert.ok(!summarize({ status: 'completed', steps: 3, points: pts([3, 2, 1]) }, 2).diverged);
});

test('overhead compares mean step times over the steps both arms ran', () => {
  const base = pts(Array(20).fill(1), 10);
  const stab = pts(Array(40).fill(1), 11);
  const o = overheadPct(base, stab);
  assert.ok(Math.abs(o.pct - 10) < 1e-9);
  assert.equal(o.steps, 15);
});

test('options and plan: depth by depth, seed by seed, every arm; a step budget per depth', () => {
  const o = parseOptions(['--depths', '100,300', '--steps', '50,20', '--optimizer', 'adam', '--lr', '0.01', '--seeds', '2']);
  const p = plan(o);
  assert.deepEqual(p.map((c) => [c.depth, c.steps, c.seed, c.arm]), [
    [100, 50, 42, 'baseline'], [100, 50, 42, 'stabilized'], [100, 50, 43, 'baseline'], [100, 50, 43, 'stabilized'],
    [300, 20, 42, 'baseline'], [300, 20, 42, 'stabilized'], [300, 20, 43, 'baseline'], [300, 20, 43, 'stabilized'],
  ]);
  assert.ok(p.every((c) => c.optimizer === 'adam' && c.lr === 0.01));
  assert.throws(() => parseOptions(['--steps', '1,2']), /one per depth/);
  assert.throws(() => parseOptions(['--arms', 'stabilised']), /unknown arm 'stabilised'/);
  assert.deepEqual(parseOptions(['--arms', 'baseline,controls']).arms, ['baseline', 'fixed-alpha-0.1', 'rezero', 'deepnorm', 'preln-adam-clip']);
  const long = parseOptions(['--long']);
  assert.deepEqual([long.depths, long.steps, long.seeds], [[300], [4000], 3]);
});

test('one baseline run through the real session gives a loss and a step time per step', async () => {
  const r = await runOne({ ...DEFAULTS, depth: 6, steps: 6, arm: 'baseline', backend: 'cpu' });
  assert.equal(r.status, 'completed');
  assert.deepEqual(r.points.map((p) => p.step), [1, 2, 3, 4, 5, 6]);
  assert.ok(r.points.every((p) => Number.isFinite(p.loss) && p.ms > 0));
});

test('per-arm rows: mean ± sd over the seeds, final loss over the runs that did not diverge', () => {
  const run = (seed: number, losses: number[], status = 'completed') => ({ depth: 10, arm: 'baseline' as const, seed, summary: summarize({ status, steps: losses.length, points: pts(losses) }, 2), alerts: { total: 0, byKind: {}, withLayer: 0, mappedToLine: 0, examples: [] }, seconds: 1 });
  const rows = [run(42, Array(20).fill(1)), run(43, Array(20).fill(3)), run(44, [3, 3, 1e9])];
  const [a] = armRows(rows, () => 20);
  assert.deepEqual([a!.seeds, a!.diverged, a!.reached, a!.finalLoss.n], [3, 1, 1, 2]);
  assert.equal(a!.finalLoss.mean, 2);
  assert.ok(Math.abs(a!.finalLoss.sd - Math.SQRT2) < 1e-12);
  assert.match(markdownTable([a!], 2), /\| 10 \| `baseline` \| 20 \| 3 \| 1\/3 \| 2\.000 ± 1\.414 \(2\/3\) \| 10\.0 ± 0\.0 \(1\/3\) \|/);
});
