/**
 * One source of truth for criterion ids (docs/pruning-criteria.md, "Adding a criterion"): the trainer's built-ins
 * are the spec's, and a criterion registered with one line is then accepted by model files (`prune.criteria`, its
 * default, `route.criterion`), by `--criteria` and by the sweep's lookup, with nothing else changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../../../spec/parse';
import { PRUNE_CRITERIA } from '../../../spec/prune-spec';
import { pruneOverrides } from '../../cli/flags';
import type { Criterion } from '../types';
import { kernelOf, perGroup } from './common';
import { criterionIds, getCriterion, registerCriterion } from './registry';

const MODEL = `model:
  input: [8]
  layers:
    - { type: dense, name: h, units: 16, activation: relu }
    - { type: dense, name: logits, units: 4 }
`;
const parse = (text: string) => parseModelText(`${MODEL}${text}`, '/models/m.dynaxx.yaml');
const errors = (text: string) => parse(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

/** What a new criterion's own file holds (a toy: each channel's largest incoming |weight|). */
const maxAbs: Criterion = {
  id: 'max-abs',
  description: 'max |W_rc| over the channel\'s incoming weights',
  needs: [],
  score: (input) => perGroup(input, (g) => {
    const k = kernelOf(input, g, 'max-abs');
    const out = new Float32Array(g.channels);
    for (let i = 0; i < k.data.length; i++) out[i % k.channels] = Math.max(out[i % k.channels]!, Math.abs(k.data[i]!));
    return out;
  }),
};

test('the trainer implements exactly the spec\'s built-in criteria, in the same order (the language server knows these)', () => {
  assert.deepEqual(criterionIds(), [...PRUNE_CRITERIA.builtIns]);
  assert.deepEqual(PRUNE_CRITERIA.ids, criterionIds());
});

test('registering a criterion (its file + one line) makes model files, --criteria and the sweep accept it', () => {
  assert.match(errors('prune:\n  criteria: [l1, max-abs]\n').join('\n'), /unknown name 'max-abs'/);
  assert.throws(() => pruneOverrides({ criteria: 'max-abs' }), /max-abs/);

  registerCriterion(maxAbs);

  const m = parse('prune:\n  criteria: [l1, max-abs]\nroute:\n  criterion: max-abs\n');
  assert.deepEqual(m.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(m.model!.prune!.criteria, ['l1', 'max-abs']);
  assert.equal(m.model!.route!.criterion, 'max-abs');
  assert.deepEqual(parse('prune: on\n').model!.prune!.criteria, [...PRUNE_CRITERIA.builtIns, 'max-abs'], 'the default is every criterion');
  assert.deepEqual(pruneOverrides({ criteria: 'max-abs,l2' }).criteria, ['max-abs', 'l2']);
  assert.equal(getCriterion('max-abs'), maxAbs);
  assert.deepEqual(criterionIds().at(-1), 'max-abs');

  registerCriterion(maxAbs);
  assert.equal(PRUNE_CRITERIA.ids.filter((id) => id === 'max-abs').length, 1, 'registering twice lists it once');
});

test('an id a file name could not hold is refused at registration', () => {
  assert.throws(() => registerCriterion({ ...maxAbs, id: 'Max Abs' }), /pruning criterion id 'Max Abs' must be a kebab-case name/);
  assert.throws(() => getCriterion('Max Abs'), /unknown pruning criterion/);
});
