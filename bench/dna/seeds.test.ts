// The DNA over-seeds table: seeds read from the files, paired gaps, the target per seed and the verdict lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnaResult, DnaResultsFile } from './report';
import { commonArms, seedRuns, seedsTable } from './seeds';

const result = (label: string, acc: number, flops: number, extra: Partial<DnaResult> = {}): DnaResult => ({
  label, run: 'r', params: 1, testAccuracy: acc, testLoss: 0.5, tokens: 16, flopsPerSample: 16 * flops, flopsPerToken: flops,
  staticFlopsPerSample: 16 * flops, minutes: 1, ...extra,
});
const file = (seed: number | undefined, dnaAcc: number, extra: Partial<DnaResult> = {}): DnaResultsFile => ({
  machine: { cores: 2, node: 'v20' },
  options: seed === undefined ? {} : { seed: String(seed) },
  results: [
    result('dense transformer', 0.85, 100, seed === undefined ? {} : { seed, samplesPerSec: 500 }),
    result('DNA top-1, compute 0.1', dnaAcc, 65, { nmiClass: 0.2, nmiClassRandom: 0.1, distinct: 300, distinctRandom: 380, powerLaw: 1.7, powerLawRandom: 1.7, ...extra }),
    ...(seed === undefined ? [result('DNA top-1, compute 1', 0.8, 30)] : []),
  ],
});

test('seeds come from the results, the options or the examples\' default, and only arms every seed has are shown', () => {
  const files = [file(undefined, 0.84), file(7, 0.82, { seed: 7, samplesPerSec: 300, entropyBits: 6, entropyBitsRandom: 7 })];
  assert.deepEqual(seedRuns(files).map((s) => s.seed), [42, 7]);
  assert.deepEqual(commonArms(seedRuns(files)), ['dense transformer', 'DNA top-1, compute 0.1']);
});

test('per seed the gap is paired with that seed\'s dense model; the verdict counts the seeds that meet the target', () => {
  const md = seedsTable([file(undefined, 0.84), file(7, 0.82, { seed: 7, samplesPerSec: 300, entropyBits: 6, entropyBitsRandom: 7 }), file(11, 0.845)]);
  assert.match(md, /\| DNA top-1, compute 0\.1 \| 42 \| 84\.0 \| -1\.0 pt \| 65\.0% \| yes \|/);
  assert.match(md, /\| DNA top-1, compute 0\.1 \| 7 \| 82\.0 \| -3\.0 pt \| 65\.0% \| no \|.*\| 6\.0 \(7\.0\) \| 1\.70 \(1\.70\) \| 300 \(60\.0%\) \|/);
  assert.match(md, /\| \*\*DNA top-1, compute 0\.1\*\* \| \*\*mean ± sd\*\* \| 83\.5 ± 1\.3 \| -1\.5 ± 1\.3 pt \| 65\.0 ± 0\.0% \| 2 of 3 \|/);
  assert.match(md, /- DNA top-1, compute 0\.1: within 2 pt of dense at ≤ 70% of its FLOPs on 2 of 3 seeds, \*\*mixed\*\* \(Δ.*above the random routers' on 3 of 3 seeds \(trained − random 0\.10 ± 0\.00\); path entropy trained − random -1\.0 ± — bits \(1 of 3 seeds stored it\)/);
});
