#!/usr/bin/env node
// Bundles the entry points with esbuild into dist/ (node, CommonJS) and copies the tfjs wasm binaries
// beside them. `--watch` rebuilds on change. The bundles carry everything but optional native backends,
// so dist/ can be copied to a machine without node_modules (the GPU box).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

const entries = {
  cli: 'trainer/cli/main.ts',
  trainer: 'trainer/main.ts',
  bench: 'bench/bench.ts',
  'bench-stability': 'bench/stability/main.ts',
  server: 'server/main.ts',
  extension: 'extension/main.ts',
};

const options = {
  entryPoints: Object.fromEntries(Object.entries(entries).filter(([, v]) => existsSync(join(root, v))).map(([k, v]) => [k, join(root, v)])),
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // tfjs backends register themselves when imported, but their package.json says "sideEffects": [...]
  // without their node entry: honouring it would drop the registration
  ignoreAnnotations: true,
  // optional native backends: loaded at run time when the user installed them
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vscode'],
};

const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(dist, f));

if (process.argv.includes('--watch')) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('esbuild: watching');
} else {
  await esbuild.build(options);
}
