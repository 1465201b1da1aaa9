import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnaModuleInfo } from '../../../protocol/dna';
import { pathStats, type Labelling, type RoutedTokens } from './paths';
import { fitPowerLaw, logSpacedRanks } from './rank-frequency';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

const POOL: DnaModuleInfo[] = [
  { index: 0, kind: 'attention', label: 'attn0', flopsPerToken: 100, params: 10 },
  { index: 1, kind: 'mlp', label: 'mlp0', flopsPerToken: 10, params: 5 },
  { index: 2, kind: 'identity', label: 'skip', flopsPerToken: 0, params: 0 },
];

/** Tokens from their paths: per token, per hop, the slots in the order given (−1 = dropped). */
function routed(paths: number[][][], k: number, extra: Partial<RoutedTokens> = {}): RoutedTokens {
  const hops = paths[0]?.length ?? 1;
  const choices = new Int16Array(paths.length * hops * k).fill(-1);
  const droppedChoices = new Uint8Array(paths.length * hops * k);
  paths.forEach((p, n) => p.forEach((slots, h) => slots.forEach((m, s) => {
    choices[(n * hops + h) * k + s] = m;
    droppedChoices[(n * hops + h) * k + s] = m < 0 ? 1 : 0;
  })));
  return { hops, k, modules: POOL, tokens: paths.length, choices, droppedChoices, routerFlopsPerHop: 0, labellings: [], ...extra };
}

const labels = (by: string, ids: number[], names?: string[]): Labelling =>
  ({ by, ids: Int32Array.from(ids), names: names ?? Array.from({ length: Math.max(0, ...ids) + 1 }, (_, i) => `${by}${i}`) });

test('usage, dropped share and FLOPs (identity free, router on every hop)', () => {
  const s = pathStats(routed([[[0], [2]], [[1], [2]], [[-1], [0]], [[0], [2]]], 1, { routerFlopsPerHop: 1 }));
  assert.equal(s.tokens, 4);
  assert.deepEqual(s.usage, [[0.5, 0.25, 0], [0.25, 0, 0.75]]);
  assert.deepEqual(s.dropped, [0.25, 0]);
  close(s.flopsPerToken, (102 + 12 + 102 + 102) / 4);
  assert.equal(s.distinctPaths, 3);
  // Count first, ties in path order ([] before [1]).
  assert.deepEqual(s.topPaths, [
    { path: [[0], [2]], count: 2, share: 0.5 },
    { path: [[], [0]], count: 1, share: 0.25 },
    { path: [[1], [2]], count: 1, share: 0.25 },
  ]);
  close(s.entropyBits, 1.5);
  close(s.maxEntropyBits, 2 * Math.log2(3));
  assert.deepEqual(s.rankFrequency, [[1, 2], [2, 1], [3, 1]]);
  assert.equal(s.powerLaw, null);
});

test('an all-identity path costs only the routers', () => {
  const s = pathStats(routed([[[2], [2], [2]], [[2], [2], [2]]], 1, { routerFlopsPerHop: 7 }));
  close(s.flopsPerToken, 21);
  assert.equal(s.distinctPaths, 1);
  assert.equal(s.entropyBits, 0);
});

test('top-2: slot order does not matter, a dropped choice leaves the path and counts in dropped', () => {
  const s = pathStats(routed([[[2, 0]], [[0, 2]], [[-1, 1]], [[1, -1]], [[-1, -1]]], 2));
  assert.equal(s.distinctPaths, 3);
  assert.deepEqual(s.topPaths.map((p) => [p.path, p.count]), [[[[0, 2]], 2], [[[1]], 2], [[[]], 1]]);
  assert.deepEqual(s.usage, [[2 / 5, 2 / 5, 2 / 5]]);
  assert.deepEqual(s.dropped, [4 / 10]);
  close(s.flopsPerToken, (100 + 100 + 10 + 10) / 5);
  close(s.maxEntropyBits, Math.log2(3)); // C(3, 2)
});

test('NMI is 1 when path and label determine each other, 0 when independent', () => {
  const paths = [[[0], [1]], [[0], [2]], [[0], [1]], [[0], [2]]];
  const s = pathStats(routed(paths, 1, {
    labellings: [labels('class', [0, 1, 0, 1]), labels('position', [0, 0, 1, 1])],
  }));
  const [cls, pos] = s.associations;
  close(cls.nmi, 1);
  assert.equal(cls.nmiFirstHop, 0); // hop 0 is the same for everyone: only the second hop tells
  close(pos.nmi, 0);
  assert.deepEqual(cls.groups.map((g) => [g.label, g.tokens, g.flopsPerToken]), [['class0', 2, 110], ['class1', 2, 100]]);
  assert.deepEqual(cls.groups[0].topPaths, [{ path: [[0], [1]], share: 1 }]);
  assert.deepEqual(pos.groups[1].topPaths, [{ path: [[0], [1]], share: 0.5 }, { path: [[0], [2]], share: 0.5 }]);
});

test('NMI of a partly informative labelling lies strictly between 0 and 1', () => {
  const s = pathStats(routed([[[0]], [[0]], [[1]], [[2]]], 1, { labellings: [labels('class', [0, 0, 0, 1])] }));
  const a = s.associations[0];
  assert.ok(a.nmi > 0 && a.nmi < 1, `${a.nmi}`);
  close(a.nmi, a.nmiFirstHop); // one hop: the cut changes nothing
});

test('power-law exponent recovered from counts round(C · r^-1.5)', () => {
  const counts = Array.from({ length: 2000 }, (_, i) => Math.round(1e5 * Math.pow(i + 1, -1.5)));
  const fit = fitPowerLaw(counts)!;
  assert.equal(fit.ranks, 1000);
  assert.ok(Math.abs(fit.exponent - 1.5) < 0.05, `exponent ${fit.exponent}`);
  assert.ok(Math.abs(fit.intercept - Math.log(1e5)) < 0.2, `intercept ${fit.intercept}`);
  assert.ok(fit.r2 > 0.99, `r2 ${fit.r2}`);
  assert.equal(fitPowerLaw([5, 2, 1, 1]), null);
  const flat = fitPowerLaw([3, 3, 3])!;
  close(flat.exponent, 0);
  close(flat.intercept, Math.log(3));
  assert.equal(flat.r2, 1);
});

test('power law through pathStats: tokens in any order, 4^5 possible paths', () => {
  const modules = [...POOL, { index: 3, kind: 'mlp' as const, label: 'mlp1', flopsPerToken: 10, params: 5 }];
  const paths: number[][][] = [];
  for (let r = 1; r <= 1024; r++) {
    const path = Array.from({ length: 5 }, (_, h) => [Math.floor((r - 1) / 4 ** h) % 4]);
    for (let c = Math.round(2e4 * Math.pow(r, -1.5)); c > 0; c--) paths.push(path);
  }
  // A fixed shuffle.
  for (let i = paths.length - 1, seed = 7; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [paths[i], paths[j]] = [paths[j], paths[i]];
  }
  const s = pathStats(routed(paths, 1, { modules }));
  assert.ok(Math.abs(s.powerLaw!.exponent - 1.5) < 0.05, `exponent ${s.powerLaw!.exponent}`);
  assert.deepEqual(s.topPaths[0].path, [[0], [0], [0], [0], [0]]);
  assert.equal(s.topPaths[0].count, 20000);
  assert.deepEqual(s.rankFrequency.slice(0, 3), [[1, 20000], [2, 7071], [3, 3849]]);
  close(s.maxEntropyBits, 10);
});

test('top paths: at most 20, count descending, ties in path order whatever the token order', () => {
  const paths: number[][][] = [];
  for (let a = 2; a >= 0; a--) for (let b = 2; b >= 0; b--) for (let c = 2; c >= 0; c--) {
    const times = a === 1 ? 2 : 1; // the nine paths through mlp0 first are seen twice
    for (let t = 0; t < times; t++) paths.push([[a], [b], [c]]);
  }
  const s = pathStats(routed(paths, 1));
  assert.equal(s.distinctPaths, 27);
  assert.equal(s.topPaths.length, 20);
  const expected: number[][][] = [];
  for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) expected.push([[1], [b], [c]]);
  for (const a of [0, 2]) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) expected.push([[a], [b], [c]]);
  assert.deepEqual(s.topPaths.map((p) => p.path), expected.slice(0, 20));
  assert.deepEqual(s.topPaths.map((p) => p.count), [...Array(9).fill(2), ...Array(11).fill(1)]);
});

test('groups: the 64 largest non-empty labels in label order; out-of-range labels left out', () => {
  const ids: number[] = [];
  for (let y = 0; y < 100; y++) if (y !== 50) for (let t = 0; t <= y; t++) ids.push(y); // label 50 is empty
  ids.push(-1, 100);
  const names = Array.from({ length: 100 }, (_, i) => `c${i}`);
  const paths = ids.map((y) => [[y % 3]]);
  const s = pathStats(routed(paths, 1, { labellings: [{ by: 'class', ids: Int32Array.from(ids), names }] }));
  const groups = s.associations[0].groups;
  assert.equal(groups.length, 64);
  const expected = Array.from({ length: 65 }, (_, i) => 35 + i).filter((y) => y !== 50);
  assert.deepEqual(groups.map((g) => g.label), expected.map((y) => `c${y}`));
  assert.deepEqual(groups.map((g) => g.tokens), expected.map((y) => y + 1));
  // The path (y mod 3) is a function of the label: I = H(path), over the labelled tokens only.
  const h = (cs: number[]) => { const n = cs.reduce((a, b) => a + b, 0); return -cs.reduce((a, c) => a + (c / n) * Math.log2(c / n), 0); };
  const byLabel = Array.from({ length: 100 }, (_, y) => y + 1).filter((c) => c !== 51);
  const byPath = [0, 1, 2].map((r) => Array.from({ length: 100 }, (_, y) => (y !== 50 && y % 3 === r ? y + 1 : 0)).reduce((a, b) => a + b, 0));
  close(s.associations[0].nmi, (2 * h(byPath)) / (h(byPath) + h(byLabel)), 1e-9);
});

test('rank-frequency ranks are log-spaced and end at the number of paths', () => {
  assert.deepEqual(logSpacedRanks(0), []);
  assert.deepEqual(logSpacedRanks(4), [1, 2, 3, 4]);
  assert.deepEqual(logSpacedRanks(30), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 20, 25, 30]);
  assert.deepEqual(logSpacedRanks(100).slice(10), [13, 16, 20, 25, 32, 40, 50, 63, 79, 100]);
});

test('no tokens: zeros, no fit, empty groups', () => {
  const t = routed([], 1, { hops: 2, labellings: [labels('class', [], ['a'])] });
  const s = pathStats(t);
  assert.equal(s.distinctPaths, 0);
  assert.equal(s.flopsPerToken, 0);
  assert.deepEqual(s.usage, [[0, 0, 0], [0, 0, 0]]);
  assert.equal(s.powerLaw, null);
  assert.deepEqual(s.associations, [{ by: 'class', nmi: 0, nmiChance: 0, nmiAdjusted: 0, nmiFirstHop: 0, groups: [] }]);
});

test('bad input fails with the reason', () => {
  assert.throws(() => pathStats(routed([[[3]]], 1)), /module index 3 outside the pool of 3/);
  assert.throws(() => pathStats({ ...routed([[[0]]], 1), tokens: 2 }), /choices has 1 entries/);
  assert.throws(() => pathStats(routed([[[0]]], 1, { labellings: [labels('class', [0, 0])] })), /2 ids for 1 tokens/);
});

test('chance NMI: one path per token scores a high raw NMI with any labels, and the adjusted NMI is 0', () => {
  // 200 tokens, 2 hops over 15 modules: every token its own path; labels are unrelated (i mod 4)
  const n = 200;
  const modules = Array.from({ length: 15 }, (_, index) => ({ index, kind: 'mlp' as const, label: `mlp${index}`, flopsPerToken: 1, params: 1 }));
  const choices = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    choices[2 * i] = i % 15;
    choices[2 * i + 1] = Math.floor(i / 15);
  }
  const ids = Int32Array.from({ length: n }, (_, i) => (i * 7) % 4);
  const s = pathStats({
    hops: 2, k: 1, modules, tokens: n, choices, droppedChoices: new Uint8Array(n * 2), routerFlopsPerHop: 0,
    labellings: [{ by: 'class', ids, names: ['a', 'b', 'c', 'd'] }],
  });
  const a = s.associations[0]!;
  assert.equal(s.distinctPaths, n);
  assert.ok(a.nmi > 0.3, `raw NMI ${a.nmi}`);
  assert.ok(Math.abs(a.nmi - a.nmiChance) < 1e-9, `chance ${a.nmiChance} vs raw ${a.nmi}`);
  assert.equal(a.nmiAdjusted, 0);
});
