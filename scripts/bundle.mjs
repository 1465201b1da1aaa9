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
  // the language server's parse workers: found beside dist/server.js (server/parse-pool.ts)
  'server-parse-worker': 'server/parse-worker.ts',
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

// the dashboards (webviews/): one browser bundle per app, loaded by the extension's webview panels and inlined into
// `dynaxx report` HTML files; their CSS is copied beside
const webviewDir = join(dist, 'webviews');
const webviewApps = ['dashboard'].filter((app) => existsSync(join(root, 'webviews', app, 'main.ts')));
const webviewOptions = {
  entryPoints: Object.fromEntries(webviewApps.map((app) => [app, join(root, 'webviews', app, 'main.ts')])),
  outdir: webviewDir,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
};
const copyCss = () => {
  mkdirSync(webviewDir, { recursive: true });
  for (const app of webviewApps) {
    const css = join(root, 'webviews', app, `${app}.css`);
    if (existsSync(css)) copyFileSync(css, join(webviewDir, `${app}.css`));
  }
};

if (process.argv.includes('--watch')) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  if (webviewApps.length > 0) await (await esbuild.context(webviewOptions)).watch();
  copyCss();
  console.log('esbuild: watching');
} else {
  await esbuild.build(options);
  if (webviewApps.length > 0) await esbuild.build(webviewOptions);
  copyCss();
}
