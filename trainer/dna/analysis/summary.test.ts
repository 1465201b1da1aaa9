import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnaLayerReport, DnaModuleInfo } from '../../../protocol/dna';
import { pathStats, type RoutedTokens } from './paths';
import { comparePathStats, formatFlops, formatShare, summaryLines } from './summary';

const POOL: DnaModuleInfo[] = [
  { index: 0, kind: 'attention', label: 'attn0', flopsPerToken: 1.5e6, params: 10 },
  { index: 1, kind: 'mlp', label: 'mlp0', flopsPerToken: 5e5, params: 5 },
  { index: 2, kind: 'identity', label: 'skip', flopsPerToken: 0, params: 0 },
];

function tokens(paths: number[][], classes: number[]): RoutedTokens {
  const hops = paths[0].length;
  return {
    hops, k: 1, modules: POOL, tokens: paths.length,
    choices: Int16Array.from(paths.flat()), droppedChoices: Uint8Array.from(paths.flat(), (m) => (m < 0 ? 1 : 0)),
    routerFlopsPerHop: 0, labellings: [{ by: 'class', ids: Int32Array.from(classes), names: ['shirt', 'shoe'] }],
  };
}

const trained = pathStats(tokens([[0, 2], [0, 2], [1, 2], [1, 2], [0, 2], [1, -1]], [0, 0, 1, 1, 0, 1]));
const random = pathStats(tokens([[0, 0], [1, 2], [2, 1], [0, 1], [2, 2], [1, 0]], [0, 0, 1, 1, 0, 1]));

test('units and shares', () => {
  assert.equal(formatFlops(1.234e6), '1.2 M');
  assert.equal(formatFlops(35_400), '35 k');
  assert.equal(formatFlops(820), '820');
  assert.equal(formatShare(0.456), '46%');
  assert.equal(formatShare(0.032), '3.2%');
  assert.equal(formatShare(0), '0%');
});

test('comparison with random init: paths, entropy, NMI per labelling, FLOPs against the bound', () => {
  assert.deepEqual(comparePathStats(trained, random, 3e6), [
    'paths: 3 distinct (random init 6); power-law exponent none vs none (random)',
    `path entropy ${trained.entropyBits.toFixed(1)} bits vs 2.6 at init (uniform 3.2)`,
    `NMI(path, class) ${trained.associations[0].nmi.toFixed(2)} (chance ${trained.associations[0].nmiChance.toFixed(2)}, adjusted ${trained.associations[0].nmiAdjusted.toFixed(2)})` +
      ` vs ${random.associations[0].nmi.toFixed(2)} at init (chance ${random.associations[0].nmiChance.toFixed(2)}, adjusted ${random.associations[0].nmiAdjusted.toFixed(2)}); first hop only 1.00`,
    `FLOPs/token ${formatFlops(trained.flopsPerToken)} (random init ${formatFlops(random.flopsPerToken)}; bound 3.0 M)`,
  ]);
});

test('layer summary: top paths with formatPath, usage table with dropped share', () => {
  const layer: DnaLayerReport = { layerId: 'dna1', hops: 2, k: 1, modules: POOL, boundFlopsPerToken: 3e6, trained, random };
  const lines = summaryLines(layer);
  assert.equal(lines[0], 'dna1: 2 hops, top-1 of attn0 mlp0 skip; 6 tokens');
  const top = lines.indexOf('  top paths:');
  assert.deepEqual(lines.slice(top + 1, top + 4), ['    1.   50%  attn0 → skip', '    2.   33%  mlp0 → skip', '    3.   17%  mlp0 → ·']);
  assert.deepEqual(lines.slice(-3), [
    '           attn0  mlp0  skip  dropped',
    '    hop 0    50%   50%    0%       0%',
    '    hop 1     0%    0%   83%      17%',
  ]);
});
