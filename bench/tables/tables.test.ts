import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { expandFiles, findRegions } from './markers';
import { regenerate, report } from './regenerate';
import { TABLES, type TableGenerator } from './registry';

const root = join(__dirname, '..', '..');
const BENCHMARKS = join(root, 'BENCHMARKS.md');

test('every marked table of BENCHMARKS.md is what its result files say, and every registered table is marked', () => {
  const r = regenerate(readFileSync(BENCHMARKS, 'utf8'), root, { requireAll: true });
  assert.deepEqual(report(r, 'BENCHMARKS.md'), [], 'run `npm run bench:tables` (or fix the result file the marker names)');
  for (const t of TABLES) assert.ok(r.outcomes.some((o) => o.region.id === t.id), `${t.id} has no region`);
});

/** A folder with result files and a one-table registry whose table prints the file's `n`. */
function fixture(): { dir: string; tables: TableGenerator[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tables-'));
  writeFileSync(join(dir, 'a.json'), JSON.stringify({ n: 1 }));
  writeFileSync(join(dir, 'b-1.json'), JSON.stringify({ n: 2 }));
  writeFileSync(join(dir, 'b-2.json'), JSON.stringify({ n: 3 }));
  const row = (f: { json: unknown }) => `| ${(f.json as { n: number }).n} |`;
  return {
    dir,
    tables: [
      { id: 'one', what: 'n', render: (files) => ['| n |', '| ---: |', ...files.map(row)].join('\n') },
      { id: 'seq', what: 'n per file', files: 2, render: (files) => ['| n |', '| ---: |', ...files.map(row)].join('\n') },
    ],
  };
}

const doc = (inner: string, extra = '') => `# Title\n\nprose 1.5\n\n<!-- table: one from a.json -->\n${inner}<!-- /table -->\n\nmore prose\n${extra}`;
const generated = 'Result file: `a.json`\n\n| n |\n| ---: |\n| 1 |\n\n';
const seq = '<!-- table: seq from b-{1..2}.json -->\nResult files: `b-{1..2}.json`\n\n| n |\n| ---: |\n| 2 |\n| 3 |\n\n<!-- /table -->\n';

test('a table that differs from its file is reported with a diff, and rewritten between its markers only', (t) => {
  const { dir, tables } = fixture();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stale = doc('Result file: `a.json`\n\n| n |\n| ---: |\n| 7 |\n\n', seq);
  const r = regenerate(stale, dir, { tables, requireAll: true });
  assert.deepEqual(r.problems, []);
  const one = r.outcomes.find((o) => o.region.id === 'one')!;
  assert.equal(one.changed, true);
  assert.deepEqual(one.diff, ['- | 7 |', '+ | 1 |']);
  assert.equal(r.outcomes.find((o) => o.region.id === 'seq')!.changed, false);
  assert.equal(r.text, doc(generated, seq));
  assert.match(report(r, 'X.md').join('\n'), /X\.md:5: table 'one' differs from a\.json[^]*- \| 7 \|\n {2}\+ \| 1 \|/);
  // regenerating the result agrees with itself
  assert.deepEqual(report(regenerate(r.text, dir, { tables, requireAll: true }), 'X.md'), []);
});

test('a marker that names a missing file, an unknown table or the wrong number of files fails', (t) => {
  const { dir, tables } = fixture();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = regenerate(doc(generated).replace('from a.json', 'from gone.json'), dir, { tables, requireAll: true });
  assert.match(report(missing, 'X.md').join('\n'), /table 'one'.*result file gone\.json does not exist/);
  assert.equal(missing.text, doc(generated).replace('from a.json', 'from gone.json'), 'a failed region is left as it is');
  const unknown = regenerate(doc(generated).replace('table: one', 'table: nope'), dir, { tables, requireAll: true });
  assert.match(report(unknown, 'X.md').join('\n'), /table 'nope': no such table/);
  assert.match(report(unknown, 'X.md').join('\n'), /table 'one' is registered but no region of the file uses it/);
  const count = regenerate(doc(generated, seq.replace('b-{1..2}.json -->', 'b-1.json -->')), dir, { tables, requireAll: true });
  assert.match(report(count, 'X.md').join('\n'), /table 'seq': names 1 file\(s\), the table takes 2/);
});

test('markers: ranges expand in order; unclosed, nested, malformed and stray markers are problems', () => {
  assert.deepEqual(expandFiles('x.json, r/l-{1..3}.json'), ['x.json', 'r/l-1.json', 'r/l-2.json', 'r/l-3.json']);
  assert.throws(() => expandFiles('l-{3..1}.json'), /backwards/);
  const { regions, problems } = findRegions('<!-- table: a from x.json -->\n|1|\n<!-- table: b from y.json -->\n<!-- /table -->\n<!-- /table -->\n<!-- table: c -->\n<!-- table: d from z.json -->\n');
  assert.deepEqual(regions.map((r) => [r.id, r.files, r.line]), [['b', ['y.json'], 3]]);
  assert.deepEqual(problems, [
    "line 1: table 'a' is not closed before the next marker (line 3)",
    'line 5: <!-- /table --> without an opening marker',
    'line 6: a table marker must read "<!-- table: <id> from <files> -->": <!-- table: c -->',
    "line 7: table 'd' has no <!-- /table -->",
  ]);
});

test('npm run bench:tables -- --check exits 1 and prints the diff when a number in the file is changed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tables-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'B.md');
  const text = readFileSync(BENCHMARKS, 'utf8');
  const region = findRegions(text).regions.find((r) => r.id === 'loop-split')!;
  const body = text.slice(region.start, region.end);
  writeFileSync(file, `<!-- table: loop-split from ${region.from} -->\n${body.replace('8.63 [', '8.03 [')}<!-- /table -->\n`);
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts'), '--file', file, ...args], { cwd: root, encoding: 'utf8' });
  const check = run(['--check']);
  assert.equal(check.status, 1, check.stderr);
  assert.match(check.stderr, /table 'loop-split' differs[^]*- \| before \| 8\.03 \[[^]*\+ \| before \| 8\.63 \[/);
  assert.equal(run([]).status, 0);
  assert.equal(run(['--check']).status, 0);
  assert.equal(readFileSync(file, 'utf8'), `<!-- table: loop-split from ${region.from} -->\n${body}<!-- /table -->\n`);
});
