/** The per-layer monitors on hand-made statistics: threshold math, caps, dedupe, the registry. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, LayerStats } from '../../protocol/trainer';
import { UserError } from '../errors';
import { ActivationVarianceMonitor } from './activation-variance';
import { GradNormMonitor } from './grad-norm';
import { AlertDedupe, monitorHook } from './hook';
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

test('nonfinite: a diverged model reports its first 3 layers and counts the rest', () => {
  const layers = Array.from({ length: 10 }, (_, i) => layer(`l${i}`, { gradNorm: NaN }));
  const alerts = new NonFiniteMonitor().check({ step: 5, layers });
  assert.deepEqual(alerts.map((a) => a.layerId), ['l0', 'l1', 'l2']);
  assert.match(alerts[0].message, /7 more layers/);
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
  assert.match(a.message, /gradient norm of e is 500 at step 12, over 100× the median over 5 layers \(threshold 200\)/);
  assert.match(a.message, /learning rate.*clipNorm/);
  // exactly at the threshold is not over it; NaN norms are left to the nonfinite monitor
  assert.deepEqual(m.check({ step: 13, layers: [layer('a', { gradNorm: 2 }), layer('b', { gradNorm: 2 }), layer('c', { gradNorm: 200 }), layer('d', { gradNorm: NaN })] }), []);
  // too few layers for a median to mean anything
  assert.deepEqual(m.check({ step: 14, layers: [layer('a', { gradNorm: 1 }), layer('b', { gradNorm: 1e9 })] }), []);
});

test('grad-norm: at most 5 layers per step, largest first', () => {
  const layers = [...Array.from({ length: 20 }, (_, i) => layer(`small${i}`, { gradNorm: 1 })), ...Array.from({ length: 8 }, (_, i) => layer(`big${i}`, { gradNorm: 1000 * (i + 1) }))];
  const alerts = new GradNormMonitor().check({ step: 0, layers });
  assert.deepEqual(alerts.map((a) => a.layerId), ['big7', 'big6', 'big5', 'big4', 'big3']);
  assert.ok(alerts.every((a) => a.value! > a.threshold! && a.threshold === 100));
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
});

test('monitorHook runs every monitor and emits deduplicated alerts', async () => {
  const emitted: Alert[] = [];
  const hook = monitorHook([new NonFiniteMonitor(), new GradNormMonitor()], { every: 5, emit: (a) => emitted.push(a) });
  assert.equal(hook.every, 5);
  const layers = [layer('a'), layer('b'), layer('c', { gradNorm: 1000 }), layer('d', { weightNorm: NaN })];
  for (const step of [0, 5, 10, 100]) await hook.onStats({ step, layers });
  assert.deepEqual(emitted.map((a) => `${a.kind}:${a.layerId}@${a.step}`), ['nan:d@0', 'grad-norm:c@0', 'nan:d@100', 'grad-norm:c@100']);
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
