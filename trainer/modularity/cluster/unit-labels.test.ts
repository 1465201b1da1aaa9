import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelUnits } from './unit-labels';
import { plantedSignals } from './test-signals';

/** Signatures (units × rows) from `steps` steps of planted signals. */
function signatures(units: number, groups: number, rows: number, seed: number): { sig: Float32Array; truth: Int32Array } {
  const source = plantedSignals(units, groups, rows, 0.3, seed);
  const step = source.step();
  const sig = new Float32Array(units * rows);
  for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) sig[u * rows + r] = step[r * units + u];
  return { sig, truth: source.truth };
}

test('labels follow the previous ids, whatever they are', () => {
  const { sig, truth } = signatures(60, 3, 64, 1);
  const prev = truth.map((g) => [2, 0, 1][g]);
  const r = labelUnits(sig, 60, 64, 3, prev, 5, 3);
  assert.deepEqual(r.labels, prev);
  assert.equal(r.changed, 0);
});

test('a bad previous solution is repaired, keeping the ids that overlap', () => {
  const { sig, truth } = signatures(60, 3, 64, 2);
  // Previous result merged groups 1 and 2 under id 1 and left id 2 with a handful of units.
  const prev = truth.map((g, u) => (g === 0 ? 0 : u < 5 ? 2 : 1));
  const r = labelUnits(sig, 60, 64, 3, prev, 5, 3);
  for (let u = 0; u < 60; u++) if (truth[u] === 0) assert.equal(r.labels[u], 0);
  const ids = new Set(Array.from(r.labels));
  assert.equal(ids.size, 3);
  for (let u = 0; u < 60; u++) for (let v = 0; v < 60; v++) assert.equal(r.labels[u] === r.labels[v], truth[u] === truth[v]);
});

test('without live units every unit keeps its label and is dormant', () => {
  const r = labelUnits(new Float32Array(5 * 4), 5, 4, 2, undefined, 0, 3);
  assert.deepEqual(Array.from(r.labels), [0, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(r.dormant), [1, 1, 1, 1, 1]);
  assert.equal(r.changed, 5);
});
