import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ascending, planForTarget, planJaccard, scheduleTargets } from './schedule';
import type { ChannelGroup } from './types';

const group = (id: string, channels: number, flopsPerChannel: number): ChannelGroup => ({
  id, producer: id, producerType: 'dense', channels, coupledNorms: [], consumer: 'out', consumerPositions: 1, flopsPerChannel, paramsPerChannel: 1,
});

test('schedules: one-shot, linear and cubic steps end at the target; cubic prunes most early', () => {
  assert.deepEqual(scheduleTargets('one-shot', 0.5, 3), [0.5]);
  assert.deepEqual(scheduleTargets('linear', 0.6, 3).map((x) => +x.toFixed(6)), [0.2, 0.4, 0.6]);
  const cubic = scheduleTargets('cubic', 0.5, 3);
  assert.equal(+cubic[2]!.toFixed(6), 0.5);
  assert.ok(cubic[0]! > 0.5 / 3, 'cubic front-loads');
});

test('layer scope: the same share from every group, lowest scores first, FLOP target met', () => {
  const groups = [group('a', 10, 10), group('b', 4, 10)];
  const scores = new Map([['a', Float32Array.from([9, 1, 8, 2, 7, 3, 6, 4, 5, 0])], ['b', Float32Array.from([4, 3, 2, 1])]]);
  // a linear counter: 100 fixed + 10 per kept channel
  const flops = (k: Map<string, number>) => 100 + 10 * [...k.values()].reduce((x, y) => x + y, 0);
  const dense = flops(new Map([['a', 10], ['b', 4]]));
  const plan = planForTarget(groups, scores, 0.25, dense, flops, 'layer');
  const kept = [...plan.values()].reduce((x, y) => x + y.length, 0);
  assert.ok(flops(new Map([...plan].map(([k, v]) => [k, v.length]))) <= dense * 0.75);
  assert.ok(kept >= 7, `${kept} kept`);
  // the removed channels of 'a' are its lowest-scored ones
  const removedA = [...Array(10).keys()].filter((c) => !plan.get('a')!.includes(c));
  assert.deepEqual(removedA, ascending(scores.get('a')!).slice(0, removedA.length).sort((x, y) => x - y));
});

test('global scope: cheap-to-keep, high-score channels survive; every group keeps one channel', () => {
  const groups = [group('a', 4, 1), group('b', 4, 100)];
  const scores = new Map([['a', Float32Array.from([1, 1, 1, 1])], ['b', Float32Array.from([1, 1, 1, 1])]]);
  const flops = (k: Map<string, number>) => (k.get('a') ?? 4) * 1 + (k.get('b') ?? 4) * 100;
  const plan = planForTarget(groups, scores, 0.5, flops(new Map([['a', 4], ['b', 4]])), flops, 'global');
  assert.equal(plan.get('a')!.length, 4, 'the cheap group is spared');
  assert.equal(plan.get('b')!.length, 1, '404 -> 104 FLOPs: three of b go (two would leave 204 > 202)');
  const all = planForTarget(groups, scores, 0.99, 404, flops, 'global');
  assert.ok([...all.values()].every((k) => k.length >= 1));
});

test('Jaccard of kept channels', () => {
  const a = new Map([['x', [0, 1, 2]]]);
  assert.equal(planJaccard(a, a), 1);
  assert.equal(planJaccard(a, new Map([['x', [2, 3]]])), 1 / 4);
});
