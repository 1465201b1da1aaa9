#!/usr/bin/env node
// `npm run bench:stability -- [options]`: bundles (scripts/bundle.mjs, which has bench/stability/main.ts as
// dist/bench-stability.js) when that is missing or older than its sources, then runs it:
// the same unnormalized deep residual network at several depths, with and without `stabilize: auto`
// (`--help` lists the options). Results: BENCHMARKS.md, "Stable ultra-deep training".
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isStale } from './stale.mjs';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist', 'bench-stability.js');

if (isStale(bundle, ['bench/stability', 'trainer', 'spec', 'protocol'].map((d) => join(root, d)))) {
  console.error('bench:stability: bundling (npm run bundle)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (spawnSync(npm, ['run', 'bundle'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', bundle, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
