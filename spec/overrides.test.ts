// Flags and protocol overrides follow the model file's rules: the same field decides, the message names the flag
// (or override), the value and the rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRUNE_OVERRIDE_RULES, PRUNE_TARGET_RULE, RUN_OVERRIDE_RULES, flagValue, overrideProblems, pruneOverrideProblems } from './overrides';
import { TRAIN_FIELDS } from './train-spec';

const R = RUN_OVERRIDE_RULES;

test('a flag is checked with the field it replaces', () => {
  assert.deepEqual(flagValue(R.batchSize, '0'), { problem: '--batch-size 0: train.batchSize must be a positive integer' });
  assert.equal(R.batchSize.field, TRAIN_FIELDS.batchSize, 'the very field of the train: table');
  assert.deepEqual(flagValue(R.batchSize, '64'), { value: 64 });
  assert.deepEqual(flagValue(R.batchSize, '1e3'), { value: 1000 }, 'numbers read as in YAML');
  assert.deepEqual(flagValue(R.steps, '0'), { value: 0 });
  assert.deepEqual(flagValue(R.lr, '3e-4'), { value: 3e-4 });
});

test('blank, NaN, Infinity, fractions and words are refused, quoted', () => {
  for (const [rule, text] of [[R.batchSize, ''], [R.batchSize, ' '], [R.epochs, 'NaN'], [R.steps, 'Infinity'], [R.batchSize, '1.5'], [R.seed, 'x'], [R.lr, '0'], [R.lr, '-1']] as const) {
    const r = flagValue(rule, text);
    assert.ok('problem' in r, `${rule.flag} '${text}' must be refused`);
    assert.match(r.problem, new RegExp(`^${rule.flag} .*: ${rule.path.replace(/\./g, '\\.')} must be `));
  }
  const hostile = flagValue(R.seed, `x\u202e${'y'.repeat(500)}`);
  assert.ok('problem' in hostile);
  assert.ok(!hostile.problem.includes('\u202e') && hostile.problem.length < 200, hostile.problem);
});

test('enum flags say what is allowed, with a did-you-mean', () => {
  const r = flagValue(R.backend, 'wsam');
  assert.ok('problem' in r);
  assert.match(r.problem, /--backend 'wsam': train\.backend must be one of auto, tensorflow, webgpu, wasm, cpu \(did you mean 'wasm'\?\)/);
  assert.ok('problem' in flagValue(PRUNE_TARGET_RULE, '100'));
  assert.ok('problem' in flagValue(PRUNE_OVERRIDE_RULES.seeds, '0'));
});

test('protocol overrides: wrong values, wrong types and unknown keys are problems; null and undefined are "not given"', () => {
  assert.deepEqual(overrideProblems({ epochs: -1 }, R), ['overrides.epochs -1: train.epochs must be a positive integer']);
  assert.deepEqual(overrideProblems({ batchSize: '64' }, R), ["overrides.batchSize '64': train.batchSize must be a positive integer"]);
  assert.deepEqual(overrideProblems({ limit: 0 }, R), ['overrides.limit 0: data.limit must be a positive integer']);
  assert.match(overrideProblems({ batchsize: 8 }, R)[0]!, /unknown setting 'batchsize' \(did you mean 'batchSize'\?\)/);
  assert.match(overrideProblems([1], R)[0]!, /must be an object/);
  assert.deepEqual(overrideProblems({ epochs: undefined, steps: null, stabilize: 'auto', modularity: 'on', backend: 'cpu' }, R), []);
  assert.deepEqual(overrideProblems(undefined, R), []);
});

test('prune overrides: the prune: block rules, lists included', () => {
  assert.deepEqual(pruneOverrideProblems({ criteria: ['l1', 'agf'], targets: [25, 50], seeds: 2, route: true, backend: 'cpu' }), []);
  assert.deepEqual(pruneOverrideProblems({ targets: [25, 100] }), ['overrides.targets 100: prune.targets must be an integer in [1, 99]']);
  assert.match(pruneOverrideProblems({ targets: [] })[0]!, /prune\.targets must be a non-empty list of integers >= 1/);
  assert.match(pruneOverrideProblems({ criteria: ['l1', 'wandaa'] })[0]!, /prune\.criteria must be a list of names out of .* \(did you mean 'wanda'\?\)/);
  assert.match(pruneOverrideProblems({ finetuneSteps: -1, seeds: 0 }).join('\n'), /finetuneSteps -1.*\n.*seeds 0/);
});
