/** The `modularity:` section: defaults, over-parameterisation, layer choice, and positioned errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, parse } from './test-helpers';

const MLP = `
model:
  input: [32]
  layers:
    - { type: dense, name: h1, units: 64, activation: relu }
    - { type: dropout, rate: 0.1 }
    - { type: dense, name: h2, units: 48, activation: relu }
    - { type: dense, name: logits, units: 8 }
train: { steps: 10 }
`;

test('modularity: on takes the seed defaults and widens every hidden dense layer 2x', () => {
  for (const on of ['modularity: on', 'modularity: true', 'modularity:']) {
    const r = parse(`${MLP}${on}\n`);
    assert.deepEqual(errors(r), [], on);
    const m = r.model!.modularity!;
    assert.deepEqual(m.layers, ['h1', 'h2']);
    assert.equal(m.outputLayer, 'logits');
    assert.deepEqual(m.baseUnits, { h1: 64, h2: 48 });
    assert.deepEqual([m.subnetworks, m.band, m.alarms, m.warmup, m.finetune], [16, [10, 20], [5, 30], 0.15, 0.1]);
    assert.deepEqual([m.modularityWeight, m.modularityWeightStep, m.modularityWeightMax], [0.001, 0.001, 0.01]);
    assert.equal(m.clustering, 'streaming');
    assert.deepEqual(r.model!.layers.filter((l) => l.type === 'dense').map((l) => l.outputShape[0]), [128, 96, 8]);
    // parameters follow the widened layers
    assert.equal(r.model!.params, 32 * 128 + 128 + 128 * 96 + 96 + 96 * 8 + 8);
  }
  assert.equal(parse(`${MLP}modularity: off\n`).model!.modularity, undefined);
  assert.equal(parse(MLP).model!.modularity, undefined);
});

test('a mapping sets keys; layers picks the modular layers; units round to a multiple of groups', () => {
  const r = parse(`${MLP}modularity:\n  layers: [h2]\n  overparameterize: 1.5\n  groups: 8\n  subnetworks: 4\n  band: [2, 6]\n`);
  assert.deepEqual(errors(r), []);
  const m = r.model!.modularity!;
  assert.deepEqual(m.layers, ['h2']);
  assert.equal(m.groups, 8);
  // h1 stays 64 (before the first modular layer); h2: 48 * 1.5 = 72, a multiple of 8
  assert.deepEqual(r.model!.layers.filter((l) => l.type === 'dense').map((l) => l.outputShape[0]), [64, 72, 8]);
});

test('unknown layer names are errors at the list item with a suggestion', () => {
  const r = parse(`${MLP}modularity:\n  layers: [h1, h3]\n`);
  const e = errors(r).find((d) => d.code === 'unknown-layer');
  assert.ok(e, JSON.stringify(errors(r)));
  assert.match(e!.message, /'h3', which is not a top-level layer/);
  assert.equal(e!.suggestion, 'h1');
  assert.equal(e!.range.line, 10);
  assert.equal(r.model, undefined);
});

test('the logits layer, a non-weight layer, or a layer named twice cannot be modular', () => {
  const has = (text: string, re: RegExp) => {
    const es = errors(parse(`${MLP}${text}`));
    assert.ok(es.some((e) => re.test(e.message)), JSON.stringify(es));
  };
  has('modularity:\n  layers: [logits]\n', /last weight layer \(the logits\)/);
  has("modularity:\n  layers: ['layers[1]']\n", /is a dropout layer; only top-level dense and conv2d/);
  has('modularity:\n  layers: [h1, h1]\n', /names 'h1' twice/);
});

test('a non-modular weight layer between modular ones, a batchNorm, or a sigmoid there is an error at that layer', () => {
  const between = errors(parse(`${MLP}modularity:\n  layers: [h1]\n`.replace('- { type: dense, name: h2, units: 48, activation: relu }', '- { type: dense, name: h2, units: 48, activation: relu }\n    - { type: dense, name: h3, units: 48, activation: relu }')));
  assert.ok(between.some((e) => /'h2' sits between modular layers: add it to modularity.layers/.test(e.message) && e.range.line === 6), JSON.stringify(between));
  const bn = errors(parse(`${MLP.replace('- { type: dropout, rate: 0.1 }', '- { type: batchNorm }')}modularity: on\n`));
  assert.ok(bn.some((e) => /batchNorm\) sits between modular layers/.test(e.message) && e.range.line === 5), JSON.stringify(bn));
  const sig = errors(parse(`${MLP.replace('- { type: dropout, rate: 0.1 }', '- { type: activation, activation: sigmoid }')}modularity: on\n`));
  assert.ok(sig.some((e) => /activation sigmoid\) sits between/.test(e.message)), JSON.stringify(sig));
  const act = errors(parse(`${MLP.replace('units: 64, activation: relu', 'units: 64, activation: sigmoid')}modularity: on\n`));
  assert.ok(act.some((e) => /uses activation sigmoid, which is not 0 at 0/.test(e.message)), JSON.stringify(act));
});

test('bad values: unknown keys with did-you-mean, band order, types', () => {
  const typo = errors(parse(`${MLP}modularity:\n  subnetwork: 4\n`))[0]!;
  assert.equal(typo.code, 'unknown-key');
  assert.equal(typo.suggestion, 'subnetworks');
  assert.match(errors(parse(`${MLP}modularity:\n  band: [20, 10]\n`))[0]!.message, /min ≤ max/);
  assert.match(errors(parse(`${MLP}modularity: 3\n`))[0]!.message, /'modularity' must be on, off or a mapping/);
  assert.ok(errors(parse(`${MLP}modularity:\n  warmup: 1.5\n`)).length > 0);
  assert.ok(errors(parse(`${MLP}modularity:\n  clustering: kmeans\n`)).length > 0);
});

test('a model without a hidden weight layer cannot be modular', () => {
  const r = parse('model:\n  input: [4]\n  layers:\n    - { type: dense, units: 2 }\nmodularity: on\n');
  assert.match(errors(r)[0]!.message, /needs at least one hidden dense or conv2d layer/);
});
