/** Bound schedules and the depth-dependent learning rate at chosen steps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLrSchedule } from '../engine/lr-schedules';
import { boundSchedule } from './bound-schedule';
import type { StabilizeSpec } from '../../spec/types';
import { DEFAULT_DEPTH_LR, depthLrSchedule, peakFactor, planDepthLr, seedWarmup } from './depth-lr';
import { residualRampSteps } from './stabilizer';
import { defaultStabilize } from './test-spec';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${a} vs ${b} ${msg}`);

test('bound schedules: linear, cosine, exponential at start, middle and end; steps 0 = the whole run', () => {
  const at = (schedule: 'linear' | 'cosine' | 'exponential', steps = 100, total = 1000) => boundSchedule({ initial: 0.9, final: 2.0, schedule, steps }, total);
  const lin = at('linear');
  close(lin(0), 0.9); close(lin(50), 1.45); close(lin(25), 0.9 + 1.1 * 0.25); close(lin(100), 2.0); close(lin(500), 2.0);
  const cos = at('cosine');
  close(cos(0), 0.9); close(cos(50), 1.45); close(cos(25), 0.9 + 1.1 * 0.5 * (1 - Math.SQRT1_2)); close(cos(100), 2.0);
  const exp = at('exponential');
  close(exp(0), 0.9); close(exp(50), Math.sqrt(0.9 * 2.0)); close(exp(100), 2.0); close(exp(1000), 2.0);
  const whole = at('linear', 0, 400);
  close(whole(200), 1.45); close(whole(400), 2.0);
  // a geometric path needs positive ends: falls back to linear
  close(boundSchedule({ initial: 0, final: 2, schedule: 'exponential', steps: 10 }, 10)(5), 1);
});

test('depth LR: the seed formulas (warm-up max(2000, ⌊(D−100)/100⌋·500), peak (100/D)^0.5 capped at 1)', () => {
  assert.equal(seedWarmup(100), 2000);
  assert.equal(seedWarmup(300), 2000);
  assert.equal(seedWarmup(1000), 4500);
  assert.equal(seedWarmup(50), 2000);
  close(peakFactor(100), 1);
  close(peakFactor(300), Math.sqrt(1 / 3));
  close(peakFactor(1000), Math.sqrt(0.1));
  close(peakFactor(25), 1, 'capped');
});

for (const depth of [100, 300, 1000]) {
  test(`depth LR for D=${depth} on a long run (100k steps): warm-up, peak, decay end, final phase`, () => {
    const total = 100_000;
    const base = 0.1;
    const s = depthLrSchedule(DEFAULT_DEPTH_LR, depth);
    const W = seedWarmup(depth);
    const plan = s.plan(total);
    assert.equal(plan.warmup, W, 'not scaled: W is under 10% of the run');
    assert.equal(plan.finalStart, 90_000);
    const peak = base * Math.sqrt(100 / depth);
    close(s.at(0, total, base), peak / W);
    close(s.at(W / 2 - 1, total, base), peak / 2);
    close(s.at(W - 1, total, base), peak);
    close(s.at(W, total, base), peak, 'decay starts at the peak');
    const mid = W + (90_000 - W - 1) / 2;
    close(s.at(mid, total, base), peak * 0.75, 'cosine halfway: between peak and 0.5·peak');
    close(s.at(89_999, total, base), 0.5 * peak, 'decay end');
    close(s.at(90_000, total, base), 0.1 * peak, 'final phase');
    close(s.at(99_999, total, base), 0.1 * peak);
    // the schedule is monotone after the warm-up
    for (let k = W; k < 99_999; k += 997) assert.ok(s.at(k + 1, total, base) <= s.at(k, total, base) + 1e-15);
  });
}

test('depth LR on a short run: the auto warm-up is scaled to 10% of the run, and the plan says so', () => {
  const plan = planDepthLr(DEFAULT_DEPTH_LR, 1000, 5000);
  assert.equal(plan.warmup, 500);
  assert.match(plan.notes[0], /seed's 4500 steps for depth 1000 are more than 10% of this 5000-step run; scaled to 500 steps/);
  assert.match(plan.notes[1], /peak LR: base × 0\.316/);
  const shallow = planDepthLr(DEFAULT_DEPTH_LR, 40, 100_000);
  assert.match(shallow.notes[1], /capped at 1/);
  // an explicit warm-up is kept; an explicit peak is an absolute LR
  const explicit = depthLrSchedule({ ...DEFAULT_DEPTH_LR, warmupSteps: 10, peakLr: 0.05 }, 1000);
  assert.equal(explicit.plan(1000).warmup, 10);
  close(explicit.at(9, 1000, 1), 0.05);
  close(explicit.at(950, 1000, 1), 0.005);
});

test("registry: schedule type 'depth' uses the model's depth", () => {
  const s = createLrSchedule({ type: 'depth' as never, warmupSteps: 0, minFactor: 0 }, { depth: 400 });
  close(s.at(100_000 - 1, 100_000, 1), 0.1 * 0.5);
  const w = createLrSchedule({ type: 'depth' as never, warmupSteps: 10, minFactor: 0 }, { depth: 400 });
  close(w.at(9, 1000, 1), 0.5);
});

test('the residual α ramp takes the seed\'s warm-up in updates unless the file writes one, with the LR pillar on or off', () => {
  const spec = (lr: Partial<StabilizeSpec['lr']>, steps = 0) => defaultStabilize(300, { lr, residual: { steps } });
  // a 300-step run shortens the LR warm-up to 30 steps; α still ramps over the seed's 2000 updates
  assert.equal(residualRampSteps(spec({ enabled: true, warmupSteps: 'auto' }), 0, 30), 2000);
  // the LR pillar off (the `no-depth-lr` ablation): before 2026-12-04 α ramped over those 30 steps
  assert.equal(residualRampSteps(spec({ enabled: false }), 0, 30), 2000);
  // a warm-up written in the file is followed: stabilize.lr.warmupSteps, or train.schedule's with the pillar off
  assert.equal(residualRampSteps(spec({ enabled: true, warmupSteps: 1000 }), 0, 1000), 1000);
  assert.equal(residualRampSteps(spec({ enabled: false }), 500, 500), 500);
  // and an explicit residual.steps wins over everything
  assert.equal(residualRampSteps(spec({ enabled: false }, 77), 500, 500), 77);
});
