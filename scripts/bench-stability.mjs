#!/usr/bin/env node
// `npm run bench:stability -- [options]`: bundles bench/stability/main.ts into dist/bench-stability.js when it is
// missing or older than its sources (esbuild, the options of scripts/bundle.mjs; no type check), then runs it:
// the same unnormalized deep residual network at several depths, with and without `stabilize: auto`
// (`--help` lists the options). Results: BENCHMARKS.md, "Stable ultra-deep training".
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isStale } from './stale.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const bundle = join(dist, 'bench-stability.js');

if (isStale(bundle, ['bench/stability', 'trainer', 'spec', 'protocol'].map((d) => join(root, d)))) {
  console.error('bench:stability: bundling dist/bench-stability.js');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { 'bench-stability': join(root, 'bench/stability/main.ts') },
    outdir: dist,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    ignoreAnnotations: true,
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vscode'],
  });
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
    if (!existsSync(join(dist, f))) copyFileSync(join(wasmDir, f), join(dist, f));
  }
}
const r = spawnSync(process.execPath, ['--enable-source-maps', bundle, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
