/** The seed-001 monitors (update-norm, spectral-norm, loss-spike) on hand-made statistics, and a planted exploding layer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert, LayerStats } from '../../protocol/trainer';
import { monitorHook } from './hook';
import { getMonitor, monitorIds } from './registry';
import { SpectralNormMonitor } from './spectral-norm';
import { UpdateNormMonitor } from './update-norm';

function layer(layerId: string, o: Partial<LayerStats> = {}): LayerStats {
  return { layerId, gradNorm: 1, updateNorm: 0.01, weightNorm: 5, activationMean: 0, activationVar: 1, ...o };
}

test('registry knows update-norm, spectral-norm and loss-spike', () => {
  for (const id of ['update-norm', 'spectral-norm', 'loss-spike']) {
    assert.ok(monitorIds().includes(id));
    assert.equal(getMonitor(id).id, id);
  }
  assert.deepEqual(getMonitor('loss-spike').check({ step: 0, layers: [layer('a', { gradNorm: 1e9 })] }), [], 'loss spikes come from the safety, not from layer statistics');
});

test('update-norm: ‖ΔW‖/‖W‖ over 10× the layer\'s own running median (after 3 measurements)', () => {
  const m = new UpdateNormMonitor();
  // ratio 0.002 for a and b during 3 measurements, a smooth 3× rise is fine
  for (const step of [0, 10, 20]) assert.deepEqual(m.check({ step, layers: [layer('a'), layer('b')] }), []);
  assert.deepEqual(m.check({ step: 30, layers: [layer('a', { updateNorm: 0.03 }), layer('b')] }), []);
  const alerts = m.check({ step: 40, layers: [layer('a'), layer('b', { updateNorm: 0.5 }), layer('none', { gradNorm: 0, updateNorm: 0, weightNorm: 0 })] });
  assert.equal(alerts.length, 1);
  const [a] = alerts;
  assert.deepEqual([a.kind, a.layerId, a.step, a.severity], ['update-norm', 'b', 40, 'warning']);
  assert.ok(Math.abs(a.value! - 0.1) < 1e-12 && Math.abs(a.threshold! - 0.02) < 1e-12);
  assert.match(a.message, /relative update ‖ΔW‖\/‖W‖ of b is 0.1 at step 40, over 10× its median over the last 4 measurements \(threshold 0.02\)/);
  // too little history: nothing
  assert.deepEqual(new UpdateNormMonitor().check({ step: 0, layers: [layer('x', { updateNorm: 100 })] }), []);
});

test('spectral-norm: σ over 1.5× the bound after an update; first measurement and runs without spectral stats are skipped', () => {
  const m = new SpectralNormMonitor();
  assert.deepEqual(m.check({ step: 0, layers: [layer('a', { spectralNorm: 9 })] }), [], 'no bound: spectral normalisation off');
  assert.deepEqual(m.check({ step: 0, spectralBound: 1, layers: [layer('a', { spectralNorm: 3 }), layer('b', { spectralNorm: 1.1 })] }), [], 'initial weights');
  const alerts = m.check({ step: 10, spectralBound: 1, layers: [layer('a', { spectralNorm: 1.2 }), layer('b', { spectralNorm: 1.6 }), layer('c')] });
  assert.deepEqual(alerts.map((x) => [x.layerId, x.value, x.threshold, x.step]), [['b', 1.6, 1.5, 10]]);
  assert.match(alerts[0].message, /spectral norm of b is 1.6 at step 10, over 1.5× the bound 1 \(threshold 1.5\)/);
  // a bound of 0 or not finite is no reference (a threshold of 0 would flag every layer)
  for (const spectralBound of [0, NaN, Infinity]) assert.deepEqual(m.check({ step: 20, spectralBound, layers: [layer('a', { spectralNorm: 5 }), layer('b', { spectralNorm: 5 })] }), []);
});

test('a planted exploding layer: grad-norm and update-norm alerts name it, and only it', async () => {
  const emitted: Alert[] = [];
  const hook = monitorHook(['nonfinite', 'grad-norm', 'update-norm', 'activation-variance'].map((id) => getMonitor(id)), { every: 10, emit: (a) => emitted.push(a) });
  const ids = Array.from({ length: 12 }, (_, i) => `blocks[${i}].dense`);
  const healthy = (id: string) => layer(id, { gradNorm: 0.5, updateNorm: 0.005, weightNorm: 4 });
  for (const step of [0, 10, 20, 30]) await hook.onStats({ step, layers: ids.map(healthy) });
  assert.equal(emitted.length, 0, 'healthy steps raise nothing');
  // step 40: blocks[7]'s kernel was multiplied by 1e3: its gradient and update explode
  await hook.onStats({ step: 40, layers: ids.map((id) => (id === 'blocks[7].dense' ? layer(id, { gradNorm: 5e3, updateNorm: 4e3, weightNorm: 4e3 }) : healthy(id))) });
  assert.deepEqual(emitted.map((a) => `${a.kind}:${a.layerId}@${a.step}`), ['grad-norm:blocks[7].dense@40', 'update-norm:blocks[7].dense@40']);
  for (const a of emitted) assert.ok(a.message.includes('blocks[7].dense') && a.value! > a.threshold!);
});
