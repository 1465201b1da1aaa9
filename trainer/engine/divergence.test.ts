import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIVERGENCE, DivergenceRule, firstDivergence } from './divergence';

const reads = (losses: number[]) => losses.map((loss, i) => ({ step: (i + 1) * 20, loss }));

/** A noisy descent from ln(10) with ±30% batch noise (deterministic). */
function noisyDescent(n: number): number[] {
  let s = 7;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, (_, i) => 2.3 * Math.exp(-i / 40) * (0.7 + 0.6 * rand()) + 0.05);
}

test('defaults: 100× the first read, 3 reads in a row', () => {
  assert.deepEqual({ ...DIVERGENCE }, { factor: 100, patience: 3 });
});

test('a finite blow-up to 1e27 diverges, at the third read over the threshold', () => {
  const d = firstDivergence(reads([2.3, 2.1, 1.9, 5e3, 1e12, 1e27, 1e27]));
  assert.ok(d);
  assert.equal(d.kind, 'blow-up');
  assert.equal(d.step, 120, 'the third read over 100× (5e3, 1e12, 1e27)');
  assert.equal(d.since, 80);
  assert.equal(d.loss, 1e27);
  assert.ok(Math.abs(d.threshold! - 230) < 1e-9, 'threshold: 100 × the first read (2.3), above the median');
  assert.match(d.reason, /loss reached 1\.00e\+27 at step 120, over 100× .* for 3 reads in a row \(since step 80\)/);
});

test('a non-finite loss diverges at once', () => {
  assert.equal(firstDivergence(reads([2.3, NaN]))?.kind, 'nan');
  assert.equal(firstDivergence(reads([2.3, 2, Infinity]))?.kind, 'inf');
  assert.equal(firstDivergence(reads([-Infinity]))?.step, 20);
  assert.match(firstDivergence(reads([2.3, NaN]))!.reason, /not finite at step 40/);
});

test('a normal noisy descent does not diverge', () => {
  assert.equal(firstDivergence(reads(noisyDescent(500))), undefined);
});

test('a single spike, or two, does not diverge; the streak restarts after a read under the threshold', () => {
  const r = reads([2.3, 2, 1.8, 5e5, 1.7, 1.6, 9e4, 9e4, 1.5, 1.4, 1e6, 1.3]);
  assert.equal(firstDivergence(r), undefined);
});

test('a run that ends during a streak over the threshold diverged: its last weights are the blown-up ones', () => {
  const d = firstDivergence(reads([50, 6e12, 4e12]));
  assert.equal(d?.kind, 'blow-up');
  assert.equal(d?.step, 60);
  assert.match(d!.reason, /for 2 reads in a row \(since step 40\)/);
  assert.match(firstDivergence(reads([2, 2, 1e9]))!.reason, /at the last read/);
});

test('a loss that creeps up read by read diverges once it is 100× its first read (the threshold never moves)', () => {
  // the 300-layer baseline of the stability benchmark went from 24 to 3.6e4 over 4000 steps this way and, under a
  // threshold that followed a running median, ended `completed`
  const slow = Array.from({ length: 300 }, (_, i) => 1 * Math.pow(1.02, i));
  const d = firstDivergence(reads(slow));
  assert.equal(d?.kind, 'blow-up');
  assert.equal(d?.threshold, 100);
  // the first read at which 1.02^i > 100 is i = 233; the third in a row decides it
  assert.equal(d?.since, 20 * 234);
  assert.equal(d?.step, 20 * 236);
  // the first read is the reference even after the loss fell far below it
  assert.equal(firstDivergence(reads([2.3, 0.01, 0.01, 0.01, 5, 5, 5])), undefined);
});

test('factor and patience are settings', () => {
  assert.equal(firstDivergence(reads([2, 30, 30]), { factor: 10, patience: 2 })?.step, 60);
  assert.equal(firstDivergence(reads([2, 300, 1]), { factor: 100, patience: 1 })?.step, 40);
});

test('saved and loaded with a checkpoint, the rule decides as if never interrupted', () => {
  const losses = [2.3, 2.1, 1.9, 5e3, 1e12, 1e27];
  const a = new DivergenceRule();
  const b = new DivergenceRule();
  for (const [i, l] of losses.slice(0, 5).entries()) {
    a.observe((i + 1) * 20, l);
    b.observe((i + 1) * 20, l);
  }
  assert.ok(a.suspect, 'over the threshold: no checkpoint should be written now');
  const resumed = new DivergenceRule();
  resumed.load(JSON.parse(JSON.stringify(b.save())));
  assert.deepEqual(resumed.observe(120, 1e27), a.observe(120, 1e27));
  assert.ok(resumed.observe(140, 1e27) !== undefined);
});

test('a first read of 0 or below is no reference (its threshold would be 0 or below): the first positive read is', () => {
  const rule = new DivergenceRule();
  assert.equal(rule.observe(1, 0), undefined);
  assert.equal(rule.observe(2, -0.5), undefined);
  assert.equal(rule.threshold(), undefined);
  for (const step of [3, 4, 5]) assert.equal(rule.observe(step, 0.2 + step / 100), undefined, 'a small positive loss after a zero one is not a blow-up');
  assert.equal(rule.threshold(), 100 * 0.23);
  const d = firstDivergence([{ step: 1, loss: 0 }, { step: 2, loss: 1 }, { step: 3, loss: 1e3 }, { step: 4, loss: 1e3 }, { step: 5, loss: 1e3 }]);
  assert.equal(d?.threshold, 100);
});
