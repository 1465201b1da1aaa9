/**
 * Every criterion against scores computed by hand on a tiny dense layer (3 inputs → 2 channels) and a tiny conv
 * layer (kernel [2, 1, 2, 2]), and the registry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamedArray } from '../../store/checkpoint';
import type { ChannelGroup, CriterionInput } from '../types';
import { magnitudeCriterion } from './magnitude';
import { criterionIds, getCriterion } from './registry';

function group(id: string, producerType: 'dense' | 'conv2d', coupledNorms: string[] = []): ChannelGroup {
  return { id, producer: id, producerType, channels: 2, coupledNorms, consumer: 'next', consumerPositions: 1, flopsPerChannel: 1, paramsPerChannel: 1 };
}

const arr = (name: string, shape: number[], data: number[]): [string, NamedArray] => [name, { name, shape, dtype: 'float32', data: Float32Array.from(data) }];

/** Dense kernel [in 3, out 2]: rows i, columns c. */
const DENSE_W = [
  1, -2,
  0.5, 1,
  -3, 0,
];
/** Conv kernel [kh 2, kw 1, in 2, out 2]: (h0,i0) (h0,i1) (h1,i0) (h1,i1), each [c0, c1]. */
const CONV_W = [
  1, 2,
  -1, 0,
  0, -3,
  2, 1,
];

function input(extra: Partial<CriterionInput> = {}): CriterionInput {
  return {
    groups: [group('d', 'dense'), group('k', 'conv2d')],
    weights: new Map([arr('d/kernel', [3, 2], DENSE_W), arr('k/kernel', [2, 1, 2, 2], CONV_W)]),
    inputNorms: new Map([['d', Float32Array.from([2, 4, 1])], ['k', Float32Array.from([3, 1])]]),
    taylor: new Map([['d', Float32Array.from([0.25, 0.5])], ['k', Float32Array.from([3, 1])]]),
    fisher: new Map([['d', Float32Array.from([1, 2, 3, 4, 5, 6])], ['k', new Float32Array(8).fill(2)]]),
    trajectory: new Map([['d', Float32Array.from([7, 1])], ['k', Float32Array.from([0, 2])]]),
    seed: 5,
    ...extra,
  };
}

function close(actual: Float32Array | undefined, expected: number[], what: string): void {
  assert.ok(actual, `${what}: no scores`);
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5, `${what}[${i}]: ${actual[i]} ≠ ${expected[i]}`);
}

function check(id: string, dense: number[], conv: number[], inp = input()): void {
  const s = getCriterion(id).score(inp);
  close(s.get('d'), dense, `${id} dense`);
  close(s.get('k'), conv, `${id} conv`);
}

test('registry: the eight criteria by id; an unknown id lists them', () => {
  assert.deepEqual(criterionIds(), ['random', 'l1', 'l2', 'wanda', 'ria', 'taylor', 'obd', 'agf']);
  for (const id of criterionIds()) assert.equal(getCriterion(id).id, id);
  assert.throws(() => getCriterion('magnitude'), /unknown pruning criterion 'magnitude'; known: random, l1, l2, wanda, ria, taylor, obd, agf/);
  assert.throws(() => getCriterion('toString'), /unknown pruning criterion/);
});

test('l1 and l2: norms of each channel\'s incoming weights', () => {
  check('l1', [1 + 0.5 + 3, 2 + 1 + 0], [1 + 1 + 0 + 2, 2 + 0 + 3 + 1]);
  check('l2', [Math.sqrt(1 + 0.25 + 9), Math.sqrt(4 + 1)], [Math.sqrt(1 + 1 + 4), Math.sqrt(4 + 9 + 1)]);
});

test('magnitude with a coupled batchNorm: × |γ| by default, kernel only on request', () => {
  const inp = input({ groups: [group('d', 'dense', ['bn'])], weights: new Map([arr('d/kernel', [3, 2], DENSE_W), arr('bn/gamma', [2], [2, -0.5])]) });
  close(getCriterion('l1').score(inp).get('d'), [4.5 * 2, 3 * 0.5], 'l1 × |γ|');
  close(magnitudeCriterion({ p: 1, batchNormScale: false }).score(inp).get('d'), [4.5, 3], 'l1 kernel');
});

test('wanda: Σ_i |W_ic|·‖X_i‖ (conv: the input channel\'s norm on every tap)', () => {
  // dense norms [2, 4, 1]; conv norms [3, 1] by input channel
  check('wanda', [1 * 2 + 0.5 * 4 + 3 * 1, 2 * 2 + 1 * 4 + 0], [1 * 3 + 1 * 1 + 0 * 3 + 2 * 1, 2 * 3 + 0 + 3 * 3 + 1 * 1]);
});

test('ria: row and column shares of |W| times √‖X‖', () => {
  // dense: row sums 3, 1.5, 3; column sums 4.5, 3; √norms √2, 2, 1
  const d0 = (1 / 3 + 1 / 4.5) * Math.SQRT2 + (0.5 / 1.5 + 0.5 / 4.5) * 2 + (3 / 3 + 3 / 4.5) * 1;
  const d1 = (2 / 3 + 2 / 3) * Math.SQRT2 + (1 / 1.5 + 1 / 3) * 2 + 0;
  // conv rows (h0,i0) (h0,i1) (h1,i0) (h1,i1): row sums 3, 1, 3, 3; column sums 4, 6; √norms √3, 1
  const s3 = Math.sqrt(3);
  const k0 = (1 / 3 + 1 / 4) * s3 + (1 / 1 + 1 / 4) * 1 + 0 + (2 / 3 + 2 / 4) * 1;
  const k1 = (2 / 3 + 2 / 6) * s3 + 0 + (3 / 3 + 3 / 6) * s3 + (1 / 3 + 1 / 6) * 1;
  check('ria', [d0, d1], [k0, k1]);
});

test('taylor and agf pass their statistics through; obd: ½ Σ w²·F', () => {
  check('taylor', [0.25, 0.5], [3, 1]);
  check('agf', [7, 1], [0, 2]);
  check('obd', [0.5 * (1 * 1 + 0.25 * 3 + 9 * 5), 0.5 * (4 * 2 + 1 * 4 + 0 * 6)], [1 + 1 + 0 + 4, 4 + 0 + 9 + 1]);
});

test('random: seeded, in [0, 1), different per group and seed', () => {
  const a = getCriterion('random').score(input());
  const b = getCriterion('random').score(input());
  const c = getCriterion('random').score(input({ seed: 6 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.get('d'), c.get('d'));
  assert.notDeepEqual(a.get('d'), a.get('k'));
  for (const v of a.values()) for (const x of v) assert.ok(x >= 0 && x < 1);
});

test('missing statistics fail with how to gather them', () => {
  assert.throws(() => getCriterion('agf').score(input({ trajectory: undefined })), /agf: needs input.trajectory: run fine-tuning with the agfTracker plugin/);
  assert.throws(() => getCriterion('wanda').score(input({ inputNorms: new Map() })), /wanda: input.inputNorms has nothing for 'd': gather it with collectStats/);
  assert.throws(() => getCriterion('obd').score(input({ fisher: new Map([['d', new Float32Array(5)], ['k', new Float32Array(8)]]) })), /obd: input.fisher of 'd' has 5 values, expected 6/);
  assert.throws(() => getCriterion('l1').score(input({ weights: new Map() })), /l1: no weight 'd\/kernel'/);
});
