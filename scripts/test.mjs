#!/usr/bin/env node
// Runs every *.test.ts under the source folders with node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [filter...]   (a filter keeps test files whose path contains it)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['protocol', 'spec', 'trainer', 'server', 'extension', 'webviews', 'bench', 'test'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const r of roots) { try { walk(join(root, r)); } catch { /* folder absent */ } }
const filters = process.argv.slice(2);
const chosen = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (chosen.length === 0) { console.error('no test files matched'); process.exit(1); }
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...chosen], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
