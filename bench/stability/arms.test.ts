/** Each arm of the stability benchmark writes the model file it is meant to (parsed, no training). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText, walkLayers } from '../../spec';
import type { ModelFile } from '../../spec';
import { ARM_NAMES, ARM_SETS, DEFAULTS, stabilityModelText, type ArmName } from './models';

const D = 100;
function model(arm: ArmName, steps = 300): ModelFile {
  const r = parseModelText(stabilityModelText({ ...DEFAULTS, optimizer: 'sgd', lr: 0.1, depth: D, steps, arm }), `${arm}.dynaxx.yaml`);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], arm);
  return r.model!;
}
const residuals = (m: ModelFile) => [...walkLayers(m.layers)].filter((n) => n.type === 'residual');
const norms = (m: ModelFile) => [...walkLayers(m.layers)].filter((n) => n.type === 'layerNorm').length;
/** [spectral, residual mode, depth LR, clip norm, spike LR steps] of the resolved block. */
const pillars = (m: ModelFile) => {
  const s = m.stabilize!;
  return [s.spectral.enabled, s.residual.mode, s.lr.enabled, s.safety.clipNorm, s.safety.lrSteps];
};

test('every arm parses with D weight layers and D − 2 residual blocks', () => {
  for (const arm of ARM_NAMES) {
    const m = model(arm);
    assert.equal(m.depth, D, arm);
    assert.equal(residuals(m).length, D - 2, arm);
  }
});

test('baseline and the fixed-α control: no stabilize block, plain SGD, scale 1 vs 0.1', () => {
  for (const [arm, scale] of [['baseline', 1], ['fixed-alpha-0.1', 0.1]] as const) {
    const m = model(arm);
    assert.equal(m.stabilize, undefined);
    assert.ok(residuals(m).every((n) => (n.config as { scale: number }).scale === scale));
    assert.deepEqual([m.train.optimizer.type, m.train.optimizer.lr, m.train.clipNorm, norms(m)], ['sgd', 0.1, 0, 0]);
  }
});

test('the protocol and its ablations: auto, with exactly the named pillars switched off', () => {
  const all = [true, 'scheduled', true, 1, 100];
  const expect: Record<string, unknown[]> = {
    stabilized: all,
    'no-spectral': [false, 'scheduled', true, 1, 100],
    'no-residual': [true, 'off', true, 1, 100],
    'no-depth-lr': [true, 'scheduled', false, 1, 100],
    'no-clip': [true, 'scheduled', true, 0, 0],
    'spectral-only': [true, 'off', false, 0, 0],
    'residual-only': [false, 'scheduled', false, 0, 0],
    'depth-lr-only': [false, 'off', true, 0, 0],
    'clip-only': [false, 'off', false, 1, 100],
    'auto-peak-base': all,
  };
  assert.deepEqual(Object.keys(expect).sort(), [...ARM_SETS.ablations!, 'stabilized'].sort());
  for (const [arm, want] of Object.entries(expect)) {
    const m = model(arm as ArmName);
    assert.equal(m.stabilize!.auto, true, arm);
    assert.deepEqual(pillars(m), want, arm);
    assert.ok(residuals(m).every((n) => (n.config as { scale: number }).scale === 1), arm);
    assert.deepEqual([m.train.optimizer.type, m.train.clipNorm, norms(m)], ['sgd', 0, 0], arm);
  }
  // the peak LR at the base LR instead of base·(100/D)^0.5; the protocol's own is 'auto'
  assert.equal(model('auto-peak-base').stabilize!.lr.peakLr, 0.1);
  assert.equal(model('stabilized').stabilize!.lr.peakLr, 'auto');
});

test('ReZero: α learnable from 0 at the base LR, every other pillar and the monitors off', () => {
  const m = model('rezero');
  assert.equal(m.stabilize!.auto, false);
  assert.deepEqual(pillars(m), [false, 'learnable', false, 0, 0]);
  assert.deepEqual([m.stabilize!.residual.initial, m.stabilize!.residual.lr, m.stabilize!.monitors], [0, 0.1, []]);
});

test('DeepNorm-style: a layerNorm after every block, branch scale (2N)^-¼', () => {
  const m = model('deepnorm');
  assert.equal(norms(m), D - 2);
  const want = (2 * (D - 2)) ** -0.25;
  assert.ok(residuals(m).every((n) => Math.abs((n.config as { scale: number }).scale - want) < 1e-12));
  assert.equal(m.stabilize, undefined);
});

test('pre-LN with Adam and clipping: a layerNorm first in every block, Adam 1e-3, clip 1.0, no stabilize', () => {
  const m = model('preln-adam-clip');
  assert.equal(norms(m), D - 2);
  assert.ok(residuals(m).every((n) => n.body?.[0]?.type === 'layerNorm'));
  assert.deepEqual([m.train.optimizer.type, m.train.optimizer.lr, m.train.clipNorm, m.stabilize], ['adam', 1e-3, 1, undefined]);
});

test('the seed-claim arms write the warm-up out (an auto one would be cut to 10% of the run) and the fixed bound', () => {
  const s = (arm: ArmName) => model(arm, 4000).stabilize!;
  assert.equal(s('warmup-2000').lr.warmupSteps, 2000);
  assert.equal(s('warmup-1000').lr.warmupSteps, 1000);
  const fixed = s('fixed-bound-1.5');
  assert.deepEqual([fixed.lr.warmupSteps, fixed.spectral.initial, fixed.spectral.final], [2000, 1.5, 1.5]);
  assert.deepEqual(ARM_SETS.long, ['baseline', 'fixed-alpha-0.1', 'warmup-2000', 'warmup-1000', 'fixed-bound-1.5']);
});
