import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishDataset } from './load';
import type { RawData } from './loader';
import { columnTasks, labelWidth, logitWidth, requireOnePositionPerTask } from './positions';
import { dataSpec } from './test-util';

const TASKS = [{ name: 'a', classes: 2 }, { name: 'seq', classes: 5, positions: 3 }];

test('labelWidth, logitWidth and columnTasks follow the positions (default 1)', () => {
  assert.equal(labelWidth([{}, { positions: 1 }]), 2);
  assert.equal(labelWidth(TASKS), 4);
  assert.equal(logitWidth(TASKS), 2 + 15);
  assert.deepEqual(Array.from(columnTasks(TASKS)), [0, 1, 1, 1]);
});

test('requireOnePositionPerTask passes one-label tasks and names the analysis and the task otherwise', () => {
  requireOnePositionPerTask({ tasks: [{ name: 'x', classes: 4 }, { name: 'y', classes: 3, positions: 1 }] }, 'the pruning sweep');
  assert.throws(() => requireOnePositionPerTask({ name: 'text (/tmp/c.txt)', tasks: TASKS }, 'the pruning sweep'), (e: Error) => {
    assert.equal(e.name, 'DataError');
    assert.match(e.message, /^the pruning sweep needs one label per sample and task, but text \(\/tmp\/c\.txt\) labels task 'seq' at each of 3 positions/);
    return true;
  });
});

function raw(): RawData {
  // 4 samples; labels: a | seq×3
  const y = [0, 1, 2, 3, 1, 4, 0, 0, 0, 1, 1, 1, 1, 2, 3, 4];
  return {
    name: 'gen', sampleShape: [1], tasks: TASKS.map((t) => ({ ...t })),
    train: { x: Float32Array.from([0, 1, 2, 3]), y: Int32Array.from(y), n: 4, origin: 'gen' }, autoScale: 1,
  };
}

test('finishDataset keeps every position of a task through data.tasks, the split and the limit', () => {
  const ds = finishDataset(raw(), dataSpec({ validation: 0, tasks: ['seq', 'a'] }), 0);
  assert.deepEqual(ds.tasks.map((t) => t.name), ['seq', 'a']);
  assert.deepEqual(Array.from(ds.train.y), [1, 2, 3, 0, 4, 0, 0, 1, 1, 1, 1, 0, 2, 3, 4, 1]);
  const only = finishDataset(raw(), dataSpec({ validation: 0.25, tasks: ['seq'] }), 0);
  assert.equal(only.train.y.length + only.validation.y.length, 4 * 3);
  const rows = new Set(['1,2,3', '4,0,0', '1,1,1', '2,3,4']);
  for (const s of [only.train, only.validation]) {
    for (let i = 0; i < s.n; i++) assert.ok(rows.delete(Array.from(s.y.subarray(i * 3, i * 3 + 3)).join(',')), 'rows stay whole');
  }
  assert.equal(rows.size, 0);
});

test('labels out of range name the task and the position', () => {
  const bad = raw();
  bad.train.y[7] = 5; // sample 1 (columns 4..7: a, seq×3), task seq, position 2
  assert.throws(() => finishDataset(bad, dataSpec({}), 0), /gen: sample 1 has label 5 \(task 'seq', position 2\), outside 0\.\.4/);
  const short = raw();
  short.train.y = short.train.y.subarray(0, 12);
  assert.throws(() => finishDataset(short, dataSpec({}), 0), /12 label values for 4 samples × 4 label columns \(a: 1, seq: 3\)/);
});
