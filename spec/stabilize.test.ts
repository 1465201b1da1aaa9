/** The `stabilize:` section: defaults, `auto` on 1000 blocks, overrides, shorthands, positioned errors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseModelText } from './parse';
import { autoMonitorEvery, autoPeakLr, autoSpectralEvery, autoWarmupSteps, suggestedBatchSize } from './stabilize-auto';
import { STABILIZE_MONITORS } from './stabilize-spec';
import { errors, parse } from './test-helpers';

/** A residual MLP of `blocks` blocks (depth blocks + 2), with `tail` appended at the top level. */
function model(blocks: number, tail: string, train = 'train: { steps: 100, batchSize: 64 }'): string {
  return `
    model:
      input: [16]
      layers:
        - { type: dense, units: 16 }
        - type: residual
          repeat: ${blocks}
          layers:
            - { type: layerNorm }
            - { type: dense, units: 16, activation: gelu }
        - { type: dense, units: 4 }
    ${train}
    ${tail.trim().split('\n').join('\n    ')}
  `;
}

test('no stabilize: the model has none; off disables it', () => {
  assert.equal(parse(model(3, '')).model!.stabilize, undefined);
  for (const off of ['off', 'false']) {
    const res = parse(model(3, `stabilize: ${off}`));
    assert.deepEqual(res.diagnostics, []);
    assert.equal(res.model!.stabilize, undefined);
    assert.equal(res.model!.extra.stabilize, undefined);
  }
});

test('an empty mapping gives the seed defaults', () => {
  const { model: m, diagnostics } = parse(model(3, 'stabilize: {}'));
  assert.deepEqual(diagnostics, []);
  const s = m!.stabilize!;
  assert.equal(s.auto, false);
  assert.equal(s.depth, 5);
  assert.deepEqual(s.spectral, { enabled: true, initial: 0.9, final: 2.0, schedule: 'linear', steps: 0, every: 1, iterations: 1 });
  assert.deepEqual({ ...s.residual }, { mode: 'scheduled', initial: 0.1, final: 1.0, steps: 0, attentionInitial: 0.1, attentionFinal: 1.0, lr: 0.01 });
  assert.deepEqual(s.lr, { enabled: true, warmupSteps: 'auto', peakLr: 'auto', decayTo: 0.5, finalFactor: 0.1, finalPhase: 0.1 });
  assert.deepEqual(s.safety, { clipNorm: 1.0, spikeFactor: 3, spikeWindow: 20, lrFactor: 0.5, lrSteps: 100, batchNormMomentum: 0.99 });
  assert.deepEqual(s.monitors, [...STABILIZE_MONITORS]);
  assert.equal(s.monitorEvery, 10);
  assert.equal(s.suggestedBatchSize, 64);
  assert.equal(m!.train.clipNorm, 0, 'train.clipNorm stays as written');
  assert.ok(s.choices.length >= 8);
  assert.equal(parse(model(3, 'stabilize:')).model!.stabilize!.auto, false, 'an empty stabilize: is {}');
});

test('the depth formulas', () => {
  assert.equal(autoWarmupSteps(50), 2000);
  assert.equal(autoWarmupSteps(500), 2000);
  assert.equal(autoWarmupSteps(599), 2000);
  assert.equal(autoWarmupSteps(1002), 4500);
  assert.equal(autoWarmupSteps(2000), 9500);
  assert.equal(autoPeakLr(1e-3, 400), 5e-4);
  assert.equal(autoPeakLr(1e-3, 25), 1e-3, 'never above the base LR');
  assert.deepEqual([10, 100, 101, 500, 501].map(autoMonitorEvery), [10, 10, 25, 25, 50]);
  assert.deepEqual([100, 101].map(autoSpectralEvery), [1, 5]);
  assert.deepEqual([99, 100, 1002].map(suggestedBatchSize), [64, 72, 144]);
});

test('stabilize: auto on the 1000-block example derives and explains every setting', () => {
  const path = new URL('../examples/deep-residual.dynaxx.yaml', import.meta.url).pathname;
  const { model: m, diagnostics } = parseModelText(readFileSync(path, 'utf8'), path);
  assert.deepEqual(diagnostics, []);
  const s = m!.stabilize!;
  assert.equal(s.auto, true);
  assert.equal(s.depth, 1002);
  assert.equal(s.lr.warmupSteps, 'auto');
  assert.equal(s.lr.peakLr, 'auto');
  assert.equal(s.spectral.every, 5);
  assert.equal(s.monitorEvery, 50);
  assert.equal(s.suggestedBatchSize, 144);
  assert.equal(s.residual.mode, 'scheduled');
  const text = s.choices.join('\n');
  assert.match(text, /^depth 1002 trainable layers/);
  assert.match(text, /warm-up: max\(2000, \(1002−100\)\/\/100·500\) = 4500 steps/);
  // base 5e-4 (train.optimizer.lr) · sqrt(100/1002) = 5e-4 · 0.316 = 1.58e-4
  assert.ok(Math.abs(autoPeakLr(5e-4, 1002) - 1.5796e-4) < 1e-8);
  assert.match(text, /peak LR: base·\(100\/D\)\^0\.5 = 5e-4·0\.316 = 1\.58e-4/);
  assert.match(text, /spectral bound 0\.9 → 2\.0 \(linear\) over the whole run, every 5 steps/);
  assert.match(text, /residual α 0\.1 → 1\.0 over the seed's warm-up for this depth \(4500 updates/);
  assert.match(text, /clip 1\.0 \(global norm, train\.clipNorm\)/);
  assert.match(text, /batch size: 64 \+ 8·10 = 144 suggested \(the file uses 128/);
  assert.match(text, /monitors every 50 steps/);
});

test('auto: true in a mapping derives what the mapping does not set', () => {
  const { model: m, diagnostics } = parse(model(300, `
    stabilize:
      auto: true
      spectral: { every: 2, iterations: 3 }
      lr: { warmupSteps: 1000 }
  `));
  assert.deepEqual(diagnostics, []);
  const s = m!.stabilize!;
  assert.equal(s.auto, true);
  assert.equal(s.depth, 302);
  assert.equal(s.spectral.every, 2);
  assert.equal(s.spectral.iterations, 3);
  assert.equal(s.lr.warmupSteps, 1000);
  assert.equal(s.monitorEvery, 25, 'derived: D ≤ 500');
  assert.ok(s.choices.includes('warm-up: 1000 steps (set; the formula gives 2000)'), s.choices.join('\n'));
});

test('explicit settings override the defaults and are listed in choices', () => {
  const { model: m, diagnostics } = parse(model(3, `
    stabilize:
      spectral: { initial: 1.0, final: 1.5, schedule: cosine, steps: 500, every: 4, iterations: 2 }
      residual: { mode: learnable, initial: 0.5, lr: 0.05 }
      lr: { peakLr: 0.0002, warmupSteps: 0, decayTo: 0.3 }
      safety: { clipNorm: 0.5, spikeFactor: 4, lrSteps: 50 }
      monitors: [nonfinite, loss-spike]
      monitorEvery: 7
  `));
  assert.deepEqual(diagnostics, []);
  const s = m!.stabilize!;
  assert.deepEqual(s.spectral, { enabled: true, initial: 1.0, final: 1.5, schedule: 'cosine', steps: 500, every: 4, iterations: 2 });
  assert.equal(s.residual.mode, 'learnable');
  assert.equal(s.residual.initial, 0.5);
  assert.equal(s.residual.attentionInitial, 0.5);
  assert.equal(s.lr.peakLr, 0.0002);
  assert.equal(s.lr.warmupSteps, 0);
  assert.equal(s.safety.clipNorm, 0.5);
  assert.deepEqual(s.monitors, ['nonfinite', 'loss-spike']);
  assert.equal(s.monitorEvery, 7);
  const text = s.choices.join('\n');
  assert.match(text, /spectral bound 1\.0 → 1\.5 \(cosine\) over 500 steps, every 4 steps, 2 power iterations/);
  assert.match(text, /residual α learnable, starting at 0\.5, its own LR 0\.05/);
  assert.match(text, /peak LR: 2e-4 \(set;/);
  assert.match(text, /clip 0\.5 \(global norm, stabilize\.safety\.clipNorm\)/);
  assert.match(text, /monitors every 7 steps: nonfinite, loss-spike/);
});

test('shorthands: spectral: false, residual: off, lr: off, monitors: off', () => {
  const { model: m, diagnostics } = parse(model(3, `
    stabilize:
      spectral: false
      residual: off
      lr: off
      monitors: off
  `));
  assert.deepEqual(diagnostics, []);
  const s = m!.stabilize!;
  assert.equal(s.spectral.enabled, false);
  assert.equal(s.spectral.initial, 0.9);
  assert.equal(s.residual.mode, 'off');
  assert.equal(s.lr.enabled, false);
  assert.deepEqual(s.monitors, []);
  assert.ok(s.choices.includes('spectral bound: off'));
  assert.ok(s.choices.includes('residual α: off'));
  assert.equal(parse(model(3, 'stabilize: { residual: learnable }')).model!.stabilize!.residual.mode, 'learnable');
});

test('the clip rule: an explicit train.clipNorm, else safety.clipNorm (1.0); both set and different warns', () => {
  const withTrain = parse(model(3, 'stabilize: auto', 'train: { steps: 10, clipNorm: 2.5 }')).model!;
  assert.equal(withTrain.stabilize!.safety.clipNorm, 2.5);
  const off = parse(model(3, 'stabilize: auto', 'train: { steps: 10, clipNorm: 0 }')).model!;
  assert.equal(off.stabilize!.safety.clipNorm, 0, 'an explicit train.clipNorm: 0 turns clipping off');
  const both = parse(model(3, 'stabilize: { safety: { clipNorm: 0.5 } }', 'train: { steps: 10, clipNorm: 2.5 }'));
  assert.equal(both.model!.stabilize!.safety.clipNorm, 2.5, 'train.clipNorm wins');
  assert.equal(both.model!.train.clipNorm, 2.5);
  assert.ok(both.model!.stabilize!.choices.includes('clip 2.5 (global norm, train.clipNorm)'));
  const w = both.diagnostics.filter((d) => d.code === 'clip-norm');
  assert.equal(w.length, 1);
  assert.equal(w[0]!.severity, 'warning');
  assert.equal(w[0]!.range.line, 12, 'at stabilize.safety.clipNorm (line 12)');
});

test('auto follows the model: no residual blocks turn α off; attention makes the bound cosine', () => {
  const mlp = parse(`
    model: { input: [8], layers: [{ type: dense, units: 8 }, { type: dense, units: 2 }] }
    stabilize: auto
  `).model!.stabilize!;
  assert.equal(mlp.residual.mode, 'off');
  assert.equal(mlp.spectral.every, 1);
  assert.equal(mlp.spectral.schedule, 'linear');
  assert.ok(mlp.choices.some((c) => c.startsWith('residual α: off (the model has no residual')));
  assert.ok(mlp.choices.some((c) => c.startsWith('peak LR: base = 1e-3 (D ≤ 100')), mlp.choices.join('\n'));
  const tf = parse(`
    data: { source: synthetic, kind: sequence, classes: 4, features: 8 }
    model:
      input: [8]
      layers:
        - { type: embedding, inputDim: 32, outputDim: 16 }
        - { type: transformer, heads: 2 }
        - { type: flatten }
        - { type: dense, units: 4 }
    stabilize: auto
  `);
  assert.deepEqual(errors(tf), []);
  assert.equal(tf.model!.stabilize!.spectral.schedule, 'cosine');
  assert.equal(tf.model!.stabilize!.residual.mode, 'scheduled');
});

test('unknown keys are positioned, with a did-you-mean', () => {
  const res = parse(model(3, `
    stabilize:
      spectrl: { initial: 0.9 }
      residual: { intial: 0.2 }
      saftey: {}
      monitorEvry: 5
  `));
  const es = errors(res).map((d) => [d.code, d.range.line, d.range.col, d.suggestion]);
  assert.deepEqual(es, [
    ['unknown-key', 13, 7, 'spectral'],
    ['unknown-key', 14, 19, 'initial'],
    ['unknown-key', 15, 7, 'safety'],
    ['unknown-key', 16, 7, 'monitorEvery'],
  ]);
  assert.equal(res.model, undefined);
  assert.match(errors(res)[1]!.message, /unknown key 'intial' in 'stabilize\.residual'/);
});

test('wrong types and ranges are type errors at the value', () => {
  const res = parse(model(3, `
    stabilize:
      spectral: { iterations: 4, schedule: cosin }
      lr: { warmupSteps: -1, peakLr: fast }
      safety: { spikeFactor: 1 }
      monitors: [grad-norm, grad-nrom]
  `));
  const es = errors(res).map((d) => [d.code, d.range.line, d.message]);
  assert.deepEqual(es.map(([c, l]) => [c, l]), [
    ['type', 13], ['unknown-value', 13], ['type', 14], ['type', 14], ['type', 15], ['unknown-value', 16],
  ]);
  assert.match(String(es[0]![2]), /'iterations' must be an integer in \[1, 3\], got 4/);
  assert.equal(errors(res)[1]!.suggestion, 'cosine');
  assert.match(String(es[2]![2]), /'warmupSteps' must be an integer >= 0 or 'auto'/);
  assert.equal(errors(res)[5]!.suggestion, 'grad-norm');
});

test('a bad stabilize value or shorthand is a type error', () => {
  const bad = errors(parse(model(3, 'stabilize: yes please')));
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.message, /'stabilize' must be 'auto', 'off' or a mapping, got 'yes please'/);
  const short = errors(parse(model(3, 'stabilize: { spectral: maybe, safety: off }')));
  assert.deepEqual(short.map((d) => d.message), [
    "'stabilize.spectral' must be true/on, false/off or a mapping, got 'maybe'",
    "'stabilize.safety' must be a mapping, got 'off'",
  ]);
});

test('auto with plain SGD on residual blocks keeps the peak LR at the base LR (measured); Adam, momentum, a written peak, D ≤ 100 and no α keep the seed\'s rule', () => {
  const sgd = 'train: { steps: 300, batchSize: 32, optimizer: { type: sgd, lr: 0.1 } }';
  const s = parse(model(298, 'stabilize: auto', sgd)).model!.stabilize!;
  assert.equal(s.lr.peakLr, 0.1);
  assert.ok(s.choices.some((c) => /^peak LR: base = 0\.1, not the seed's base·\(100\/D\)\^0\.5 = 0\.1·0\.577.*bench:stability/.test(c)), s.choices.join('\n'));
  const peak = (tail: string, train = sgd, blocks = 298) => parse(model(blocks, tail, train)).model!.stabilize!.lr.peakLr;
  assert.equal(peak('stabilize: auto', 'train: { steps: 300, optimizer: { type: adam, lr: 0.001 } }'), 'auto');
  assert.equal(peak('stabilize: auto', 'train: { steps: 300, optimizer: { type: momentum, lr: 0.1 } }'), 'auto');
  assert.equal(peak('stabilize:\n  auto: true\n  lr: { peakLr: auto }'), 'auto');
  assert.equal(peak('stabilize:\n  auto: true\n  residual: off'), 'auto');
  assert.equal(peak('stabilize: auto', sgd, 50), 'auto');
});
