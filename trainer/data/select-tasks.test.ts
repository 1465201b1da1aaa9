/** `data.tasks`: keeps the chosen label columns, in order, for any source with named tasks. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { DataError } from './errors';
import { loadDataset } from './load';
import { dataSpec, scratchDir } from './test-util';

const dir = scratchDir('select');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('data.tasks keeps the named columns in the given order; inputs and split are unchanged', () => {
  const spec = dataSpec({ source: 'synthetic', kind: 'multi-task', samples: 300, classes: 3, features: 12 });
  const all = loadDataset(spec, { seed: 5 });
  const sel = loadDataset({ ...spec, tasks: ['t3', 't1'] }, { seed: 5 });
  assert.deepEqual(sel.tasks, [{ name: 't3', classes: 3 }, { name: 't1', classes: 3 }]);
  for (const k of ['train', 'validation'] as const) {
    assert.deepEqual(sel[k].x, all[k].x);
    assert.equal(sel[k].y.length, 2 * sel[k].n);
    for (let i = 0; i < sel[k].n; i++) {
      assert.equal(sel[k].y[2 * i], all[k].y[3 * i + 2]);
      assert.equal(sel[k].y[2 * i + 1], all[k].y[3 * i]);
    }
  }
  const one = loadDataset({ ...spec, tasks: ['t2'] }, { seed: 5 });
  assert.deepEqual(Array.from(one.train.y), Array.from({ length: all.train.n }, (_, i) => all.train.y[3 * i + 1]));
  const same = loadDataset({ ...spec, tasks: ['t1', 't2', 't3'] }, { seed: 5 });
  assert.deepEqual(same.train.y, all.train.y);
});

test('data.tasks works for sources whose task names are known only at load time (csv header)', () => {
  fs.writeFileSync(path.join(dir, 'd.csv'), 'a,b,kind\n1,2,x\n3,4,y\n');
  const ds = loadDataset(dataSpec({ source: 'csv', path: 'd.csv', validation: 0, tasks: ['kind'] }), { baseDir: dir });
  assert.deepEqual(ds.tasks.map((t) => t.name), ['kind']);
  assert.throws(
    () => loadDataset(dataSpec({ source: 'csv', path: 'd.csv', validation: 0, tasks: ['knd'] }), { baseDir: dir }),
    (e: unknown) => e instanceof DataError && /unknown task 'knd'; .* has tasks kind \(did you mean 'kind'\?\)/.test(e.message),
  );
});

test('data.tasks errors: unknown name with a suggestion, duplicates, empty list', () => {
  const spec = dataSpec({ source: 'synthetic', kind: 'two-task', samples: 20 });
  assert.throws(() => loadDataset({ ...spec, tasks: ['left', 'rigth'] }), /unknown task 'rigth'; .* has tasks left, right \(did you mean 'right'\?\)/);
  assert.throws(() => loadDataset({ ...spec, tasks: ['zzz'] }), (e: unknown) => e instanceof DataError && !/did you mean/.test(e.message));
  assert.throws(() => loadDataset({ ...spec, tasks: ['left', 'left'] }), /'left' is listed twice/);
  assert.throws(() => loadDataset({ ...spec, tasks: [] }), /at least one task/);
});
