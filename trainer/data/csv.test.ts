import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseCsv, splitCsvLine } from './csv';
import { loadDataset } from './load';
import { dataSpec, scratchDir } from './test-util';

const dir = scratchDir('csv');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('CSV with a header and string labels: classes in sorted order, mapping reported', () => {
  const file = path.join(dir, 'iris.csv');
  fs.writeFileSync(file, 'a,b,species\n1,2,virginica\n3,4,setosa\n\n5,6,versicolor\n7,8,setosa\n');
  const ds = loadDataset(dataSpec({ source: 'csv', path: 'iris.csv', validation: 0 }), { baseDir: dir });
  assert.deepEqual(ds.sampleShape, [2]);
  assert.equal(ds.train.n, 4);
  assert.deepEqual(Array.from(ds.train.x), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(ds.tasks, [{ name: 'species', classes: 3, labels: ['setosa', 'versicolor', 'virginica'] }]);
  assert.deepEqual(Array.from(ds.train.y), [2, 0, 1, 0]);
  assert.match(ds.name, /setosa=0, versicolor=1, virginica=2/);
});

test('CSV without a header, integer labels, label column by index and by name', () => {
  const noHeader = parseCsv('0,1.5,2\n1,-3,4e1\n', 'x.csv', dataSpec({ source: 'csv', labelColumn: 0 }));
  assert.deepEqual(Array.from(noHeader.train.x), [1.5, 2, -3, 40]);
  assert.deepEqual(Array.from(noHeader.train.y), [0, 1]);
  assert.equal(noHeader.tasks[0].classes, 2);
  const named = parseCsv('label,f1,f2\n2,1,1\n0,2,2\n', 'y.csv', dataSpec({ source: 'csv', labelColumn: 'label' }));
  assert.deepEqual(Array.from(named.train.y), [2, 0]);
  assert.equal(named.tasks[0].classes, 3);
  assert.throws(
    () => parseCsv('1,2,0\n', 'z.csv', dataSpec({ source: 'csv', labelColumn: 'label' })),
    /z\.csv: data\.labelColumn 'label' names a column, but the file has no header row/,
  );
});

test('CSV non-numeric feature: error has file:line:col, the column and what to do', () => {
  const text = 'x1,x2,y\n1,2,0\n3,abc,1\n';
  assert.throws(() => parseCsv(text, 'd.csv', dataSpec({ source: 'csv' })), (e: Error) => {
    assert.match(e.message, /d\.csv:3:3: value in 'x2' \(column 2\) is 'abc', not a number/);
    assert.match(e.message, /Feature columns must be numeric/);
    return true;
  });
  assert.throws(() => parseCsv('1,,0\n', 'e.csv', dataSpec({ source: 'csv' })), /e\.csv:1:3: value in column 2 is empty/);
  assert.throws(() => parseCsv('1,NaN,0\n', 'f.csv', dataSpec({ source: 'csv' })), /f\.csv:1:3: .*'NaN', not a finite number/);
  assert.throws(() => parseCsv('a,b\n1,0\n2\n', 'g.csv', dataSpec({ source: 'csv' })), /g\.csv:3:1: expected 2 columns/);
  assert.throws(() => parseCsv('a,b\n1,0\n2,-1\n', 'h.csv', dataSpec({ source: 'csv' })), /h\.csv:3:3: label '-1'/);
});

test('CSV quoted fields', () => {
  assert.deepEqual(splitCsvLine('1, "a,b" ,"say ""hi"""', ',').fields, ['1', 'a,b', 'say "hi"']);
});

test('missing CSV file: error mentions the path', () => {
  assert.throws(
    () => loadDataset(dataSpec({ source: 'csv', path: 'missing/data.csv' }), { baseDir: dir }),
    (e: Error) => e.message.includes(path.join(dir, 'missing/data.csv')) && /not found/.test(e.message),
  );
});
