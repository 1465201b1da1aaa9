// The sweep file language: positioned parse errors, grid and random expansion, edits that keep comments,
// `off`, poisoned values, missing list items, base-model errors, the schema's keys, the examples.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { formatDiagnostic } from '../types';
import { buildSweepSchema, sweepSchemaText } from './schema';
import { expandSweep, parseKeyPath, parseSweepText, sweepPointName, SWEEP_KEYS, type SweepSpec } from './index';

const FILE = '/sweeps/test.sweep.yaml';
const BASE = `# the base
name: base
data: { source: synthetic, kind: blobs, samples: 256, classes: 4, features: 8 }
model:
  input: [8]
  layers:
    - { type: dense, name: hidden, units: 16, activation: relu }  # hidden layer
    - { type: dense, name: logits, units: 4 }
train:
  epochs: 1
  optimizer: { type: adam, lr: 0.001 }  # keep me
  seed: 42
stabilize: auto
`;

function sweepOf(text: string): SweepSpec {
  const r = parseSweepText(text, FILE);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic), []);
  return r.sweep!;
}

function errorsOf(text: string): string[] {
  const r = parseSweepText(text, FILE);
  assert.equal(r.sweep, undefined);
  return r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

test('a full sweep file: every field read, defaults filled in, the model path resolved', () => {
  const s = sweepOf(`name: lr
model: ../models/base.dynaxx.yaml
command: prune
axes:
  train.optimizer.lr: [0.001, 0.0003]
  train.seed: [1, 2, 3]
  model.layers[0].units: [8, 16]
search: { random: 5, seed: 7 }
metric: loss
attempts: 2
`);
  assert.equal(s.name, 'lr');
  assert.equal(s.modelPath, '/models/base.dynaxx.yaml');
  assert.deepEqual(s.modelRange, { file: FILE, line: 2, col: 8, endLine: 2, endCol: 34 });
  assert.equal(s.command, 'prune');
  assert.deepEqual(s.axes.map((a) => a.segments), [['train', 'optimizer', 'lr'], ['train', 'seed'], ['model', 'layers', 0, 'units']]);
  assert.deepEqual(s.axes[1]!.valueRanges.map((r) => [r.line, r.col]), [[6, 16], [6, 19], [6, 22]]);
  assert.deepEqual(s.search, { kind: 'random', budget: 5, seed: 7 });
  assert.deepEqual(s.metric, { name: 'loss', goal: 'min' });
  assert.deepEqual(s.seedAxes, ['train.seed']);
  assert.equal(s.attempts, 2);
  assert.equal(s.gridSize, 12);
  assert.equal(s.pointCount, 5);
  const d = sweepOf('model: m.dynaxx.yaml\naxes: { stabilize: [off, auto] }\n');
  assert.equal(d.name, 'test');
  assert.equal(d.command, 'train');
  assert.deepEqual(d.metric, { name: 'valAccuracy', goal: 'max' });
  assert.deepEqual(d.search, { kind: 'grid' });
  assert.deepEqual(d.seedAxes, []);
  assert.equal(d.attempts, 3);
});

test('parse errors are positioned, with did-you-mean', () => {
  assert.deepEqual(errorsOf('model: m.yaml\naxis: { train.seed: [1] }\n'), [
    `${FILE}:1:1: error: the sweep file needs 'axes:' (key path → list of values, e.g. 'train.optimizer.lr: [0.001, 0.0003]')`,
    `${FILE}:2:1: error: unknown key 'axis' in the sweep file (did you mean 'axes'?)`,
  ]);
  assert.deepEqual(errorsOf('model: m.yaml\naxes:\n  train.optimizer..lr: [1]\n'), [
    `${FILE}:3:19: error: bad key path: '.' cannot start a key; keys are letters, digits, '_' and '-' joined by '.', with [i] for list items (model.layers[1].units)`,
  ]);
  assert.match(errorsOf('model: m.yaml\naxes:\n  model.layers[x].units: [1]\n')[0]!, /:3:15: error: bad key path: a list index is written \[0\]/);
  assert.deepEqual(errorsOf('model: m.yaml\naxes:\n  train.optimizer.lrr: [1]\n'), [
    `${FILE}:3:19: error: axis 'train.optimizer.lrr': unknown key 'lrr' in 'train.optimizer' (did you mean 'train.optimizer.lr'?)`,
  ]);
  assert.match(errorsOf('model: m.yaml\naxes:\n  trian.seed: [1]\n')[0]!, /:3:3: error: .*unknown key 'trian' in a model file \(did you mean 'train.seed'\?\)/);
  assert.match(errorsOf('model: m.yaml\naxes: {}\n')[0]!, /:2:7: error: 'axes' must be a mapping of at least one key path/);
  assert.match(errorsOf('model: m.yaml\naxes:\n')[0]!, /:2:1: error: 'axes' must be a mapping/);
  assert.match(errorsOf('model: m.yaml\naxes:\n  train.seed: []\n')[0]!, /:3:15: error: axis 'train.seed' needs a list of at least one value.*got an empty list/);
  assert.match(errorsOf('model: m.yaml\naxes:\n  train.seed: 3\n')[0]!, /:3:15: error: .*write \[value\] for a single value/);
  assert.match(errorsOf('model: m.yaml\naxes: { train.seed: [1] }\nmetric: { name: loss, goal: maximum }\n')[0]!, /:3:29: error: 'goal' must be one of max, min; got 'maximum'/);
  assert.match(errorsOf('model: m.yaml\naxes: { train.seed: [1] }\nsearch: randm\n')[0]!, /:3:9: error: 'search' must be 'grid' or \{ random.*did you mean 'random'/);
  assert.match(errorsOf('model: m.yaml\naxes: { train.seed: [1] }\nsearch: { random: 0 }\n')[0]!, /:3:19: error: 'random' must be a positive integer/);
  assert.match(errorsOf('model: m.yaml\naxes: { train.seed: [1] }\nseeds: [train.sed]\n')[0]!, /:3:9: error: 'seeds' lists 'train.sed', which is not one of the axes.*did you mean 'train.seed'/);
  assert.match(errorsOf('model: m.yaml\naxes: { train.seed: [1] }\nattempts: 11\n')[0]!, /:3:11: error: 'attempts' must be/);
  assert.match(errorsOf('axes: { train.seed: [1] }\n')[0]!, /:1:1: error: the sweep file needs 'model'/);
  assert.match(errorsOf('model: m.yaml\naxes: { train.optimizer: [adam], train.optimizer.lr: [1] }\n')[0]!, /axis 'train.optimizer.lr' overlaps axis 'train.optimizer'/);
  assert.match(errorsOf('- a\n- b\n')[0]!, /a sweep file must be a mapping/);
  assert.match(errorsOf('model: [\n')[0]!, /:\d+:\d+: error: /);
});

test('too many points: a positioned error that says how to reduce them; text size is limited', () => {
  const values = `[${Array.from({ length: 101 }, (_, i) => i).join(', ')}]`;
  const text = `model: m.yaml\naxes:\n  train.seed: ${values}\n  train.epochs: ${values}\n`;
  assert.match(errorsOf(text)[0]!, /:2:1: error: the grid has 10,201 points \(101 × 101\), more than the 10,000 a sweep may run; remove values .*search: \{ random/);
  assert.equal(sweepOf(`${text}search: { random: 50 }\n`).pointCount, 50);
  const small = parseSweepText('model: m.yaml\naxes: { train.seed: [1, 2, 3] }\n', FILE, { maxPoints: 2 });
  assert.equal(small.sweep, undefined);
  const big = parseSweepText(`# ${'x'.repeat(2000)}\nmodel: m.yaml\n`, FILE, { limits: { maxModelBytes: 1000, maxModelJsonBytes: 1, maxAliasNodes: 10, maxNesting: 10, maxLayers: 10 } });
  assert.match(formatDiagnostic(big.diagnostics[0]!), /:1:1: error: the sweep file is .* too large/);
});

test('key paths: segments and syntax', () => {
  assert.deepEqual(parseKeyPath('model.layers[1].units'), { segments: ['model', 'layers', 1, 'units'] });
  assert.deepEqual(parseKeyPath('a[0][2]'), { segments: ['a', 0, 2] });
  assert.ok('error' in parseKeyPath('a.'));
  assert.ok('error' in parseKeyPath('[0]'));
  assert.ok('error' in parseKeyPath('a[-1]'));
});

test('grid: cartesian product, last axis fastest, comments and other keys kept', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  train.optimizer.lr: [0.01, 0.001]\n  train.seed: [1, 2, 3]\n');
  const { points, errors, baseDiagnostics } = expandSweep(s, BASE);
  assert.deepEqual(errors, []);
  assert.deepEqual(baseDiagnostics, []);
  assert.deepEqual(points.map((p) => p.index), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(points.map((p) => sweepPointName(p.values)), [
    'lr=0.01 seed=1', 'lr=0.01 seed=2', 'lr=0.01 seed=3', 'lr=0.001 seed=1', 'lr=0.001 seed=2', 'lr=0.001 seed=3',
  ]);
  const p4 = points[4]!.modelText;
  assert.match(p4, /^# the base\n/);
  assert.match(p4, /optimizer: \{ type: adam, lr: 0.001 \} # keep me/);
  assert.match(p4, /units: 16, activation: relu \} # hidden layer/);
  const js = parseDocument(p4).toJS();
  assert.equal(js.train.seed, 2);
  assert.equal(js.train.optimizer.lr, 0.001);
  assert.equal(js.stabilize, 'auto');
});

test('list indices, list values and new keys are written', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  model.layers[0].units: [32]\n  train.steps: [5]\n  prune.criteria: [[l1, agf]]\n');
  const { points, errors } = expandSweep(s, BASE);
  assert.deepEqual(errors.map((e) => e.message), []);
  const js = parseDocument(points[0]!.modelText).toJS();
  assert.equal(js.model.layers[0].units, 32);
  assert.equal(js.model.layers[1].units, 4);
  assert.equal(js.train.steps, 5);
  assert.deepEqual(js.prune.criteria, ['l1', 'agf']);
});

test('random: deterministic, distinct, within the grid, capped at the grid size', () => {
  const text = (budget: number, seed: number) =>
    `model: base.dynaxx.yaml\naxes:\n  train.seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  model.layers[0].units: [4, 8, 16, 32]\nsearch: { random: ${budget}, seed: ${seed} }\n`;
  const run = (budget: number, seed: number) => expandSweep(sweepOf(text(budget, seed)), BASE).points.map((p) => sweepPointName(p.values));
  const a = run(7, 3);
  assert.equal(a.length, 7);
  assert.equal(new Set(a).size, 7);
  assert.deepEqual(run(7, 3), a);
  assert.notDeepEqual(run(7, 4), a);
  const all = run(40, 1);
  assert.equal(all.length, 40);
  assert.equal(new Set(all).size, 40);
  const capped = parseSweepText(text(100, 1), FILE);
  assert.equal(capped.sweep!.pointCount, 40);
  assert.match(formatDiagnostic(capped.diagnostics[0]!), /:5:19: warning: 'random: 100' is more than the grid's 40 points/);
  assert.equal(expandSweep(capped.sweep!, BASE).points.length, 40);
});

test('off removes a key unless the key accepts off (stabilize keeps `off` as its value)', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  stabilize: [off, auto]\n  train.seed: [off]\n');
  assert.equal(s.axes[0]!.values[0], 'off');
  const { points, errors } = expandSweep(s, BASE);
  assert.deepEqual(errors, []);
  const off = parseDocument(points[0]!.modelText).toJS();
  assert.equal(off.stabilize, 'off');
  assert.equal('seed' in off.train, false);
  assert.equal(parseDocument(points[1]!.modelText).toJS().stabilize, 'auto');
  assert.deepEqual(points[0]!.values, { stabilize: 'off', 'train.seed': 'off' });
});

test('a poisoned value: one point error at the value in the sweep file, the other point runs', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  train.optimizer.lr: [0.001, -1]\n');
  const { points, errors } = expandSweep(s, BASE);
  assert.deepEqual(points.map((p) => p.index), [0]);
  assert.equal(errors.length, 1);
  const e = errors[0]!;
  assert.equal(e.index, 1);
  assert.deepEqual(e.values, { 'train.optimizer.lr': -1 });
  assert.match(e.message, /^point 1 \(train\.optimizer\.lr: -1\): 'lr' must be a number > 0, got -1/);
  assert.equal(e.file, FILE);
  assert.deepEqual([e.range.line, e.range.col, e.range.endCol], [3, 31, 33]);
});

test('a model error is blamed on the axis whose value it is about', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  train.seed: [1, 2]\n  model.layers[0].units: [8, 0]\n');
  const { points, errors } = expandSweep(s, BASE);
  assert.equal(points.length, 2);
  assert.deepEqual(errors.map((e) => [e.index, e.range.line, e.range.col]), [[1, 4, 30], [3, 4, 30]]);
});

test('a list index past the end, or a key through a value, is an error of that point', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  model.layers[5].units: [8]\n');
  const { points, errors } = expandSweep(s, BASE);
  assert.equal(points.length, 0);
  assert.match(errors[0]!.message, /^point 0 \(model\.layers\[5\]\.units: 8\): model\.layers has 2 items in the model file; there is no \[5\]/);
  assert.deepEqual([errors[0]!.range.line, errors[0]!.range.col], [3, 27]);
  const t = sweepOf('model: base.dynaxx.yaml\naxes:\n  stabilize.auto: [true]\n');
  assert.match(expandSweep(t, BASE).errors[0]!.message, /stabilize is the value auto in the model file, not a mapping/);
});

test('base model errors are returned, and no points', () => {
  const s = sweepOf('model: base.dynaxx.yaml\naxes:\n  train.seed: [1]\n');
  const r = expandSweep(s, BASE.replace('epochs: 1', 'epochz: 1'));
  assert.equal(r.points.length, 0);
  assert.equal(r.errors.length, 0);
  assert.equal(r.baseDiagnostics[0]!.range.file, '/sweeps/base.dynaxx.yaml');
  assert.match(formatDiagnostic(r.baseDiagnostics[0]!), /:10:3: error: unknown key 'epochz'/);
});

test('sweepPointName: last key segments, whole paths when two share one', () => {
  assert.equal(sweepPointName({ 'train.optimizer.lr': 0.001, 'train.seed': 1 }), 'lr=0.001 seed=1');
  assert.equal(sweepPointName({ 'train.seed': 1, 'data.seed': 2, 'prune.criteria': ['l1'] }), 'train.seed=1 data.seed=2 criteria=[l1]');
});

test('spec/sweep.schema.json is up to date and has the parser\'s keys (regenerate: node --import tsx spec/sweep/write-schema.ts)', () => {
  assert.equal(readFileSync(new URL('../sweep.schema.json', import.meta.url), 'utf8'), sweepSchemaText());
  const schema = buildSweepSchema();
  assert.deepEqual(Object.keys(schema.properties as object).sort(), [...SWEEP_KEYS].sort());
  assert.deepEqual(schema.required, ['model', 'axes']);
});

test('examples/*.sweep.yaml parse cleanly and expand without errors', () => {
  const dir = new URL('../../examples/', import.meta.url).pathname;
  for (const f of ['mlp-lr.sweep.yaml', 'stabilize-depth.sweep.yaml']) {
    const path = join(dir, f);
    const r = parseSweepText(readFileSync(path, 'utf8'), path);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
    const e = expandSweep(r.sweep!, readFileSync(r.sweep!.modelPath, 'utf8'));
    assert.deepEqual(e.baseDiagnostics.map(formatDiagnostic), []);
    assert.deepEqual(e.errors.map((x) => x.message), []);
    assert.equal(e.points.length, 4);
    assert.deepEqual(r.sweep!.seedAxes, ['train.seed']);
  }
});
