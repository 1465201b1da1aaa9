#!/usr/bin/env node
// `npm run bench -- [options]`: builds when dist/bench.js is missing or older than its sources, then runs it
// (every available backend, then the PyTorch peer; `--help` lists the options). Results: BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { isStale } from './stale.mjs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist/bench.js');

if (isStale(bundle, ['bench', 'trainer', 'spec', 'protocol'].map((d) => join(root, d)))) {
  console.error('bench: building (npm run build)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0) {
    console.error('bench: npm run build failed; bundling without the type check (npm run bundle)');
    if (spawnSync(npm, ['run', 'bundle'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
  }
}
const r = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
