/** The per-layer monitors on hand-made statistics: threshold math, caps, dedupe, the registry. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, LayerStats } from '../../protocol/trainer';
import { UserError } from '../errors';
import { ActivationVarianceMonitor } from './activation-variance';
import { GradNormMonitor } from './grad-norm';
import { GRAD_NORM_FLOOR } from './grad-norm';
import { AlertDedupe, groupAlerts, monitorHook } from './hook';
import { median } from './monitor';
import { NonFiniteMonitor } from './nonfinite';
import { DEFAULT_MONITORS, getMonitor, monitorIds } from './registry';

function layer(layerId: string, o: Partial<LayerStats> = {}): LayerStats {
  return { layerId, gradNorm: 1, updateNorm: 0.01, weightNorm: 5, activationMean: 0, activationVar: 1, ...o };
}
/** A layer without weights (a residual add, an activation): its norms are exactly 0. */
function noWeights(layerId: string, activationVar = 1): LayerStats {
  return { layerId, gradNorm: 0, updateNorm: 0, weightNorm: 0, activationMean: 0, activationVar };
}

test('median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('nonfinite: NaN is kind nan, Infinity is kind inf, an error naming the layer and the quantity', () => {
  const alerts = new NonFiniteMonitor().check({
    step: 40,
    layers: [layer('a'), layer('b', { gradNorm: NaN }), layer('c', { weightNorm: Infinity }), layer('d', { activationVar: -Infinity })],
  });
  assert.deepEqual(alerts.map((a) => [a.kind, a.layerId, a.severity, a.step]), [['nan', 'b', 'error', 40], ['inf', 'c', 'error', 40], ['inf', 'd', 'error', 40]]);
  assert.match(alerts[0].message, /gradient norm of b is NaN at step 40/);
  assert.match(alerts[1].message, /weight norm of c is Infinity/);
  assert.match(alerts[2].message, /activation variance of d/);
  for (const a of alerts) assert.match(a.message, /learning rate.*clipNorm/);
  assert.deepEqual(new NonFiniteMonitor().check({ step: 0, layers: [layer('a'), noWeights('r')] }), []);
});

test('nonfinite: a diverged model gives one alert per layer, which the hook groups into one', () => {
  const layers = Array.from({ length: 10 }, (_, i) => layer(`l${i}`, { gradNorm: NaN }));
  const alerts = new NonFiniteMonitor().check({ step: 5, layers });
  assert.equal(alerts.length, 10);
  const grouped = groupAlerts(alerts, layers.map((l) => l.layerId));
  assert.equal(grouped.length, 1);
  assert.equal(grouped[0].layerId, 'l0');
  assert.deepEqual(grouped[0].others!.map((o) => o.layerId), ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9']);
  assert.ok(grouped[0].others!.every((o) => Number.isNaN(o.value)));
  assert.equal(grouped[0].threshold, undefined);
});

test('grad-norm: threshold is 100 × the median over layers with weights', () => {
  const m = new GradNormMonitor();
  // median of [1, 2, 2, 3, 500] is 2: threshold 200; layers without weights do not pull the median to 0
  const layers = [layer('a', { gradNorm: 1 }), layer('b', { gradNorm: 2 }), layer('c', { gradNorm: 2 }), layer('d', { gradNorm: 3 }), layer('e', { gradNorm: 500 }),
    noWeights('r1'), noWeights('r2'), noWeights('r3'), noWeights('r4'), noWeights('r5'), noWeights('r6')];
  const alerts = m.check({ step: 12, layers });
  assert.equal(alerts.length, 1);
  const [a] = alerts;
  assert.deepEqual([a.kind, a.layerId, a.value, a.threshold, a.severity, a.step], ['grad-norm', 'e', 500, 200, 'warning', 12]);
  assert.match(a.message, /gradient norm of e is 500 at step 12, over 100× the median of the 5 non-zero gradient norms \(threshold 200\)/);
  assert.match(a.message, /learning rate.*clipNorm/);
  // exactly at the threshold is not over it; NaN norms are left to the nonfinite monitor
  assert.deepEqual(m.check({ step: 13, layers: [layer('a', { gradNorm: 2 }), layer('b', { gradNorm: 2 }), layer('c', { gradNorm: 200 }), layer('d', { gradNorm: NaN })] }), []);
  // too few layers for a median to mean anything
  assert.deepEqual(m.check({ step: 14, layers: [layer('a', { gradNorm: 1 }), layer('b', { gradNorm: 1e9 })] }), []);
});

test('grad-norm: every layer over the threshold, grouped into one alert on the first in model order', () => {
  const layers = [...Array.from({ length: 20 }, (_, i) => layer(`small${i}`, { gradNorm: 1 })), ...Array.from({ length: 8 }, (_, i) => layer(`big${i}`, { gradNorm: 1000 * (8 - i) }))];
  const alerts = new GradNormMonitor().check({ step: 0, layers });
  assert.equal(alerts.length, 8);
  assert.ok(alerts.every((a) => a.value! > a.threshold! && a.threshold === 100));
  const [g] = groupAlerts(alerts, layers.map((l) => l.layerId));
  assert.deepEqual([g.layerId, g.value, g.threshold], ['big0', 8000, 100]);
  assert.deepEqual(g.others, Array.from({ length: 7 }, (_, i) => ({ layerId: `big${i + 1}`, value: 1000 * (7 - i) })));
  assert.equal('rule' in g, false, 'the rule stays in the trainer');
});

/** No monitor reports a threshold of 0, below 0 or not finite; none says "threshold 0". */
function assertThresholds(alerts: Alert[]): void {
  for (const a of alerts) {
    if (a.threshold !== undefined) assert.ok(a.threshold > 0 && Number.isFinite(a.threshold), JSON.stringify(a));
    assert.doesNotMatch(a.message, /threshold (0|-|NaN|Infinity)/, a.message);
  }
}

test('grad-norm: most layers without gradient (median 0) is the no-gradient rule, not "threshold 0"', () => {
  // unstable-deep at step 10: 41 of 50 layers saturated (gradient exactly 0), the others large
  const layers = [layer('stem', { gradNorm: 5e4 }), ...Array.from({ length: 7 }, (_, i) => layer(`d${i}`, { gradNorm: 0 })), layer('big', { gradNorm: 7e5 }), layer('x', { gradNorm: 200 }), noWeights('r')];
  const alerts = new GradNormMonitor().check({ step: 10, layers });
  assertThresholds(alerts);
  // relative rule: median of the 3 non-zero norms is 5e4, 100× that is 5e6: nothing explodes
  assert.deepEqual(alerts.map((a) => [a.layerId, a.value, a.threshold, a.rule]), Array.from({ length: 7 }, (_, i) => [`d${i}`, 0, undefined, 'no-gradient']));
  assert.match(alerts[0].message, /no gradient reaches d0 at step 10 \(gradient norm 0\): 7 of the 10 layers with weights get none, over half, so the median rule has no reference/);
  const grouped = groupAlerts(alerts, layers.map((l) => l.layerId));
  assert.equal(grouped.length, 1);
  assert.equal(grouped[0].others!.length, 6);
});

test('grad-norm: the relative rule uses the non-zero norms, and both rules may fire in one step', () => {
  // 6 of 10 get none; of the 4 that do, 3 are ~1 and one is 1e4: it explodes (100 × median 1.5 = 150)
  const layers = [...Array.from({ length: 6 }, (_, i) => layer(`z${i}`, { gradNorm: 0 })), layer('a', { gradNorm: 1 }), layer('b', { gradNorm: 2 }), layer('c', { gradNorm: 1 }), layer('e', { gradNorm: 1e4 })];
  const alerts = new GradNormMonitor().check({ step: 3, layers });
  assertThresholds(alerts);
  const grouped = groupAlerts(alerts, layers.map((l) => l.layerId));
  assert.deepEqual(grouped.map((a) => [a.layerId, a.threshold, a.others?.length]), [['z0', undefined, 5], ['e', 150, undefined]]);
  assert.match(grouped[1].message, /over 100× the median of the 4 non-zero gradient norms \(threshold 150\)/);
});

test('grad-norm: all zero, one non-zero layer, tiny norms, NaN', () => {
  const m = new GradNormMonitor();
  // all zero: no gradient anywhere, one grouped no-gradient alert, no relative rule (no reference)
  const zero = Array.from({ length: 5 }, (_, i) => layer(`l${i}`, { gradNorm: 0 }));
  const all = m.check({ step: 1, layers: zero });
  assertThresholds(all);
  assert.deepEqual(all.map((a) => a.rule), Array(5).fill('no-gradient'));
  // one layer with a gradient among zeros: it is not "exploding" (a median of one norm is no reference)
  const one = m.check({ step: 2, layers: [...zero, layer('g', { gradNorm: 1e6 })] });
  assertThresholds(one);
  assert.ok(one.every((a) => a.rule === 'no-gradient' && a.layerId !== 'g'));
  // tiny norms: 100 × median 1e-9 would flag 1e-6; the floor (1) does not
  assert.deepEqual(m.check({ step: 3, layers: [layer('a', { gradNorm: 1e-9 }), layer('b', { gradNorm: 1e-9 }), layer('c', { gradNorm: 1e-6 })] }), []);
  const floored = m.check({ step: 4, layers: [layer('a', { gradNorm: 1e-3 }), layer('b', { gradNorm: 1e-3 }), layer('c', { gradNorm: 1e-3 }), layer('d', { gradNorm: 5 })] });
  assertThresholds(floored);
  assert.deepEqual(floored.map((a) => [a.layerId, a.threshold]), [['d', GRAD_NORM_FLOOR]]);
  assert.match(floored[0].message, /over the floor 1 \(100× the median of the 4 non-zero gradient norms, 0\.1, is lower\) \(threshold 1\)/);
  // NaN and Infinity norms are the nonfinite monitor's: they are neither a reference nor a zero
  const nan = m.check({ step: 5, layers: [layer('a', { gradNorm: NaN }), layer('b', { gradNorm: NaN }), layer('c', { gradNorm: Infinity }), layer('d', { gradNorm: 0 }), layer('e', { gradNorm: 1 })] });
  assert.deepEqual(nan, []);
});

test('activation-variance and update-norm: a near-zero reference meets a floor', async () => {
  const { ActivationVarianceMonitor: AV, ACTIVATION_VAR_FLOOR } = await import('./activation-variance');
  const av = new AV();
  av.check({ step: 0, layers: [layer('a', { activationVar: 1e-12 })] });
  // 10 × 1e-12 would flag 1e-9; the floor 1e-6 does not
  assert.deepEqual(av.check({ step: 5, layers: [layer('a', { activationVar: 1e-9 })] }), []);
  const over = av.check({ step: 10, layers: [layer('a', { activationVar: 1e-3 })] });
  assertThresholds(over);
  assert.deepEqual(over.map((a) => a.threshold), [ACTIVATION_VAR_FLOOR]);
  assert.match(over[0].message, /over the floor 0\.000001 \(10× its first measurement, 1\.00e-12 at step 0, is lower; threshold 1\.00e-6\)/);
  const { UpdateNormMonitor, UPDATE_NORM_FLOOR } = await import('./update-norm');
  const un = new UpdateNormMonitor();
  for (const step of [0, 1, 2]) un.check({ step, layers: [layer('w', { updateNorm: 1e-12, weightNorm: 1 })] });
  assert.deepEqual(un.check({ step: 3, layers: [layer('w', { updateNorm: 1e-9, weightNorm: 1 })] }), []);
  const spike = un.check({ step: 4, layers: [layer('w', { updateNorm: 1e-3, weightNorm: 1 })] });
  assertThresholds(spike);
  assert.deepEqual(spike.map((a) => a.threshold), [UPDATE_NORM_FLOOR]);
});

test('activation-variance: over 10 × the first measurement of the same layer', () => {
  const m = new ActivationVarianceMonitor();
  // first measurement: a = 2, b = 0.5; c has no usable baseline yet (0): its first is 3 at step 5.
  // Alerts come largest ratio first (a: 10.5×, c: 10.3×).
  assert.deepEqual(m.check({ step: 0, layers: [layer('a', { activationVar: 2 }), layer('b', { activationVar: 0.5 }), noWeights('c', 0)] }), []);
  assert.deepEqual(m.check({ step: 5, layers: [layer('a', { activationVar: 20 }), layer('b', { activationVar: 4 }), noWeights('c', 3)] }), []);
  const alerts = m.check({ step: 10, layers: [layer('a', { activationVar: 21 }), layer('b', { activationVar: 4 }), noWeights('c', 31), layer('d', { activationVar: NaN })] });
  assert.deepEqual(alerts.map((a) => [a.kind, a.layerId, a.value, a.threshold, a.step]), [['activation-variance', 'a', 21, 20, 10], ['activation-variance', 'c', 31, 30, 10]]);
  assert.match(alerts[1].message, /first measurement \(3 at step 5; threshold 30\)/);
  assert.match(alerts[0].message, /activation variance of a is 21 at step 10, over 10× its first measurement \(2 at step 0; threshold 20\)/);
});

test('dedupe: the same (kind, layer) at most once per 100 steps', () => {
  const d = new AlertDedupe(100);
  const a = (kind: Alert['kind'], layerId: string, step: number): Alert => ({ kind, layerId, step, severity: 'warning', message: '' });
  assert.equal(d.admit(a('grad-norm', 'x', 0)), true);
  assert.equal(d.admit(a('grad-norm', 'x', 50)), false);
  assert.equal(d.admit(a('grad-norm', 'y', 50)), true);
  assert.equal(d.admit(a('activation-variance', 'x', 50)), true);
  assert.equal(d.admit(a('grad-norm', 'x', 99)), false);
  assert.equal(d.admit(a('grad-norm', 'x', 100)), true);
  assert.equal(d.admit(a('grad-norm', 'x', 150)), false);
  // another rule of the same kind on the same layer is another alert
  assert.equal(d.admit({ ...a('grad-norm', 'x', 150), rule: 'no-gradient' } as Alert), true);
});

test('monitorHook runs every monitor and emits deduplicated alerts', async () => {
  const emitted: Alert[] = [];
  const hook = monitorHook([new NonFiniteMonitor(), new GradNormMonitor()], { every: 5, emit: (a) => emitted.push(a) });
  assert.equal(hook.every, 5);
  const layers = [layer('a'), layer('b'), layer('c', { gradNorm: 1000 }), layer('d', { weightNorm: NaN })];
  for (const step of [0, 5, 10, 100]) await hook.onStats({ step, layers });
  assert.deepEqual(emitted.map((a) => `${a.kind}:${a.layerId}@${a.step}`), ['nan:d@0', 'grad-norm:c@0', 'nan:d@100', 'grad-norm:c@100']);
  // many layers at one step: one alert per (kind, rule), on the first layer in model order
  const many: Alert[] = [];
  const h2 = monitorHook([new NonFiniteMonitor()], { every: 1, emit: (a) => many.push(a) });
  await h2.onStats({ step: 50, layers: [layer('x'), layer('y', { gradNorm: NaN }), layer('z', { gradNorm: NaN }), layer('w', { weightNorm: Infinity })] });
  assert.deepEqual(many.map((a) => [a.kind, a.layerId, a.others?.map((o) => o.layerId)]), [['nan', 'y', ['z']], ['inf', 'w', undefined]]);
  assert.equal(monitorHook([], { every: 5, emit: () => undefined }).every, 0);
});

test('registry: ids, fresh instances, unknown ids are user errors', () => {
  assert.deepEqual([...DEFAULT_MONITORS], ['nonfinite', 'grad-norm', 'activation-variance']);
  for (const id of DEFAULT_MONITORS) assert.ok(monitorIds().includes(id));
  assert.notEqual(getMonitor('activation-variance'), getMonitor('activation-variance'));
  const custom = new GradNormMonitor(10);
  assert.equal(getMonitor(custom), custom);
  assert.throws(() => getMonitor('grad-nrom'), (e: Error) => e instanceof UserError && /unknown monitor 'grad-nrom'.*grad-norm/.test(e.message));
});
