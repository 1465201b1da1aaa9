/** The `prune:` and `route:` sections: defaults, values, positioned errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, parse } from './test-helpers';

const CNN = `
model:
  input: [8]
  layers:
    - { type: dense, name: h, units: 16, activation: relu }
    - { type: dense, name: logits, units: 4 }
`;

test('prune: on takes the defaults: all eight criteria, 25/50/75/90% FLOP targets, one-shot, same fine-tune budget', () => {
  const m = parse(`${CNN}prune: on\nroute: on\n`).model!;
  assert.deepEqual(m.prune!.criteria, ['random', 'l1', 'l2', 'wanda', 'ria', 'taylor', 'obd', 'agf']);
  assert.deepEqual(m.prune!.targets, [25, 50, 75, 90]);
  assert.equal(m.prune!.schedule, 'one-shot');
  assert.equal(m.prune!.finetuneSteps, 200);
  assert.equal(m.prune!.agfAlternate, true);
  assert.deepEqual([m.route!.signal, m.route!.target, m.route!.thresholds], ['maxProb', 50, 21]);
  assert.equal(parse(CNN).model!.prune, undefined);
  assert.equal(parse(`${CNN}prune: off\n`).model!.prune, undefined);
});

test('prune: a mapping sets keys; bad values are positioned errors with suggestions', () => {
  const m = parse(`${CNN}prune:\n  criteria: [agf, wanda]\n  targets: [50]\n  schedule: cubic\n  agfAlternate: false\n`).model!;
  assert.deepEqual(m.prune!.criteria, ['agf', 'wanda']);
  assert.deepEqual(m.prune!.targets, [50]);
  const unknown = errors(parse(`${CNN}prune:\n  criteria: [agf, magnitude]\n`));
  assert.equal(unknown.length, 1);
  assert.equal(unknown[0]!.range.line, 7);
  const typo = errors(parse(`${CNN}prune:\n  target: [50]\n`))[0]!;
  assert.equal(typo.suggestion, 'targets');
  assert.match(errors(parse(`${CNN}prune:\n  targets: [50, 100]\n`))[0]!.message, /below 100, got 100/);
  assert.match(errors(parse(`${CNN}route: 5\n`))[0]!.message, /'route' must be on, off or a mapping/);
});
