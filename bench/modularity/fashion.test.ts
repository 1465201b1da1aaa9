/** The Fashion-MNIST modularity table (fashion-report.ts): one row per arm, mean ± sd, `plain` without partition scores. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FashionArmResult, FashionDoc } from './fashion';
import { fashionModularityTable } from './fashion-report';
import { parseOptions } from './options';

const arm = (id: string, seed: number, x: number): FashionArmResult => ({
  arm: id, seed, testAccuracy: x, valAccuracy: [x], stepMsMedian: 100 * x, seconds: 1,
  ...(id === 'plain' ? {} : { classSpecialization: x, randomClassSpecialization: x / 2, topClassDrop: { subnetwork: 3, class: 'Sandal', drop: 50, overall: 4 }, q: 0.1, open: 16, k: 16 }),
});

test('fashion table: arms in order, mean ± sd over seeds, class specialization beside its random control', () => {
  const doc = {
    arms: [{ id: 'full', what: 'as written' }, { id: 'plain', what: 'no block' }, { id: 'masks-off', what: 'masks at 1' }],
    results: [arm('full', 1, 0.8), arm('full', 2, 0.9), arm('plain', 1, 0.85), arm('plain', 2, 0.85)],
  } as unknown as FashionDoc;
  const lines = fashionModularityTable(doc).split('\n');
  assert.equal(lines.length, 4, 'header, rule, two arms that ran (masks-off has no results)');
  assert.match(lines[2]!, /^\| full \| as written \| 2 \| 85\.0 ± 7\.1 \| 0\.850 ± 0\.071 \| 0\.425 ± 0\.035 \| Sandal 50\.0 \(4\.0\); Sandal 50\.0 \(4\.0\) \| 0\.10 ± 0\.00 \| 16\/16, 16\/16 \|/);
  assert.match(lines[3]!, /^\| plain \| no block \| 2 \| 85\.0 ± 0\.0 \|  \|  \|  \|  \|  \| 85\.0 ± 0\.0 \|$/);
});

test('fashion table: a second result file adds its arms after the first file\'s; --fashion-arms names them exactly', () => {
  const a = { arms: [{ id: 'full', what: 'as written' }], results: [arm('full', 1, 0.8)] } as unknown as FashionDoc;
  const b = { arms: [{ id: 'no-diversity-loss', what: 'diversityWeight = 0' }], results: [arm('no-diversity-loss', 1, 0.7)] } as unknown as FashionDoc;
  const lines = fashionModularityTable([a, b]).split('\n');
  assert.deepEqual(lines.slice(2).map((l) => l.split(' | ')[0]), ['| full', '| no-diversity-loss']);
  assert.deepEqual(parseOptions(['--fashion', '--fashion-arms', 'no-diversity-loss']).fashionArms, ['no-diversity-loss']);
  assert.throws(() => parseOptions(['--fashion', '--fashion-arms', 'no-l1']), /unknown arm 'no-l1'/);
});
