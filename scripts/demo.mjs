#!/usr/bin/env node
// `npm run demo`: installs what is missing, builds, trains the example model and prints a summary.
// Fashion-MNIST MLP when the dataset is installed (as root it installs Debian's dataset-fashion-mnist
// itself); otherwise the embedded default, the synthetic two-task problem that needs no file. On Linux without
// OpenBLAS (which the wasm backend's matrix products run on; trainer/backend/blas.ts) it installs
// libopenblas0-pthread as root, else says how: it trains without, about half as fast.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from './stale.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const say = (msg) => process.stderr.write(`demo: ${msg}\n`);

// 1. dependencies
if (!existsSync(join(root, 'node_modules', '@tensorflow', 'tfjs-core'))) {
  say('installing dependencies (npm ci)');
  if (run('npm', ['ci', '--no-audit', '--no-fund']).status !== 0) process.exit(1);
}

// 2. build when dist/ is missing or older than the sources
const cli = join(root, 'dist', 'cli.js');
if (isStale(cli, ['protocol', 'spec', 'trainer'].map((d) => join(root, d)))) {
  say('building (npm run build)');
  if (run('npm', ['run', 'build']).status !== 0) process.exit(1);
}

// 3. the dataset
const fashionDir = process.env.DYNAXX_DATA_DIR ?? '/usr/share/datasets/fashion-mnist';
let model = 'examples/fashion-mlp.dynaxx.yaml';
if (!existsSync(fashionDir)) {
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root_ && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0) {
    say('installing Fashion-MNIST (apt-get install dataset-fashion-mnist)');
    run('sh', ['-c', 'apt-get install -y -qq dataset-fashion-mnist || (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist)']);
  }
  if (!existsSync(fashionDir)) {
    say(`Fashion-MNIST is not installed (${fashionDir}): training the embedded default, the synthetic two-task problem.`);
    say('For the real thing: sudo apt-get install dataset-fashion-mnist, or set DYNAXX_DATA_DIR.');
    model = 'examples/two-task.dynaxx.yaml';
  }
}

// 4. OpenBLAS (Linux): the wasm backend trains without it, at about half the speed
const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
const hasOpenBlas = () => libDirs.some((d) => existsSync(join(d, 'libopenblas.so.0')));
if (process.platform === 'linux' && !process.env.DYNAXX_BLAS && !hasOpenBlas()) {
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root_ && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0) {
    say('installing OpenBLAS (apt-get install libopenblas0-pthread)');
    run('sh', ['-c', 'apt-get install -y -qq libopenblas0-pthread || (apt-get update -qq && apt-get install -y -qq libopenblas0-pthread)']);
  }
  if (!hasOpenBlas()) say('OpenBLAS is not installed: the wasm backend trains without it, about half as fast (sudo apt-get install libopenblas0-pthread).');
}

// 5. train
say(`training ${model}`);
const r = run(process.execPath, [join(root, 'bin', 'dynaxx'), 'train', model, ...process.argv.slice(2)]);
process.exit(r.status ?? 1);
