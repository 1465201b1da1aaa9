/**
 * `npm run bench:tables [-- --check] [--file BENCHMARKS.md] [--list]`: rewrites the marked tables of BENCHMARKS.md
 * from their stored result files (markers.ts, registry.ts). `--check` writes nothing: it prints what differs and
 * exits 1 when a table and its files disagree or a marker is wrong (a missing file, an unknown table).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { regenerate, report } from './regenerate';
import { TABLES } from './registry';

const HELP = `npm run bench:tables [-- options]: BENCHMARKS.md's tables from their result files
  --check        compare only: print each table that differs from its files, exit 1 if any does
  --file FILE    another markdown file (default BENCHMARKS.md at the repository root, where every registered table must appear)
  --list         the registered tables`;

const ROOT = resolve(__dirname, '..', '..');

function main(argv: string[]): number {
  const { values: o } = parseArgs({ args: argv, options: { check: { type: 'boolean' }, file: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (o.help || o.list) {
    console.log(o.help ? HELP : TABLES.map((t) => `${t.id}: ${t.what}`).join('\n'));
    return 0;
  }
  const file = o.file ? resolve(o.file) : join(ROOT, 'BENCHMARKS.md');
  const name = o.file ?? 'BENCHMARKS.md';
  const text = readFileSync(file, 'utf8');
  const r = regenerate(text, ROOT, { requireAll: !o.file });
  const problems = report(r, name);
  const changed = r.outcomes.filter((x) => x.changed);
  if (o.check) {
    if (problems.length) console.error(problems.join('\n'));
    else console.log(`${name}: ${r.outcomes.length} tables agree with their result files`);
    return problems.length ? 1 : 0;
  }
  // re-read just before writing: others edit this file too, and only the regions are ours
  if (readFileSync(file, 'utf8') !== text) {
    console.error(`${name} changed while the tables were generated: run again`);
    return 1;
  }
  if (changed.length) writeFileSync(file, r.text);
  const failed = [...r.problems, ...r.outcomes.flatMap((x) => x.problems)];
  if (failed.length) console.error(failed.map((p) => `${name}: ${p}`).join('\n'));
  console.log(`${name}: ${changed.length} of ${r.outcomes.length} tables rewritten${changed.length ? ` (${changed.map((x) => x.region.id).join(', ')})` : ''}`);
  return failed.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
