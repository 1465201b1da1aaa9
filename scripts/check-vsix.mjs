#!/usr/bin/env node
// Checks packaged VSIX files (scripts/vsix.mjs: allow-list, required files, size budget, the right dawn.node and
// koffi.node) and, with --smoke, unpacks one into a temp folder with no node_modules anywhere above it and starts its
// trainer from there: `node extension/dist/cli.js backends --json` (Dawn and koffi.node must load from the bundle,
// and the wasm backend must find OpenBLAS where the host has libopenblas.so.0) and a short training run of the
// bundled example. scripts/package.mjs runs both; CI runs `npm run package`.
//
//   node scripts/check-vsix.mjs [out/vsix/*.vsix ...]        check (default: every VSIX in out/vsix)
//   node scripts/check-vsix.mjs --smoke out/vsix/x.vsix      also start its trainer
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkVsix, listZip, readEntry, TARGETS } from './vsix.mjs';

/** Unpacks `file` into a fresh temp folder; returns the folder (the extension is in its `extension/`). */
export function unpack(file) {
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-vsix-'));
  for (const e of listZip(file)) {
    if (e.name.endsWith('/')) continue;
    const to = resolve(dir, e.name);
    if (!to.startsWith(dir + sep)) throw new Error(`${file}: entry ${e.name} points outside the folder`);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, readEntry(file, e));
  }
  return dir;
}

/** Starts the unpacked extension's trainer: its backends, then a few training steps of the bundled example. */
export function smoke(file) {
  const dir = unpack(file);
  const fail = (msg) => { console.error(`smoke test of ${file} failed (kept ${dir}): ${msg}`); process.exit(1); };
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) fail(`${join(d, 'node_modules')} exists: the check needs a folder with no node_modules above it`);
    if (dirname(d) === d) break;
  }
  const ext = join(dir, 'extension');
  const node = (args) => {
    console.log(`$ node extension/dist/cli.js ${args.join(' ')}   (in ${dir})`);
    const r = spawnSync(process.execPath, [join(ext, 'dist', 'cli.js'), ...args], {
      cwd: dir, encoding: 'utf8', timeout: 180000, env: { ...process.env, NODE_PATH: '', DAWN_NODE: '', DYNAXX_BLAS: '', DYNAXX_WASM_OFF: '' },
    });
    if (r.status !== 0) fail(`exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const backends = JSON.parse(node(['backends', '--json']).trim().split('\n').pop());
  for (const b of backends.backends) console.log(`  ${b.name.padEnd(10)} ${b.available ? 'yes' : 'no '}  ${b.device ?? b.detail}`);
  const byName = Object.fromEntries(backends.backends.map((b) => [b.name, b]));
  if (!byName.wasm?.available) fail(`the wasm backend did not load from the bundle: ${byName.wasm?.detail}`);
  // Dawn is found beside the bundle and loads; an adapter depends on the machine (Vulkan), not on the package
  if (/dawn\.node not found|cannot load/.test(byName.webgpu?.detail ?? '')) fail(`dawn.node did not load from the bundle: ${byName.webgpu.detail}`);
  // koffi.node is found beside the bundle and loads; the BLAS it calls is the machine's (trainer/backend/blas.ts)
  const wasmLine = byName.wasm.device ?? '';
  if (/koffi\.node/.test(wasmLine)) fail(`koffi.node did not load from the bundle: ${wasmLine}`);
  const openblas = process.platform === 'linux' && ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib']
    .map((d) => join(d, 'libopenblas.so.0')).find((p) => existsSync(p));
  if (openblas && !/matMul and conv on OpenBLAS/.test(wasmLine)) fail(`${openblas} is here, but the wasm backend does not use it: ${wasmLine}`);
  const example = join(ext, 'media', 'examples', 'quickstart.dynaxx.yaml');
  const runs = join(dir, 'runs');
  const lines = node(['train', example, '--steps', '20', '--backend', 'wasm', '--runs-dir', runs, '--quiet', '--json']).trim().split('\n');
  const summary = JSON.parse(lines.pop());
  if (!summary.run || !existsSync(join(runs, summary.run))) fail(`the training run left no run folder: ${JSON.stringify(summary)}`);
  console.log(`  trained the bundled example from the unpacked VSIX on wasm: run ${summary.run} in ${runs}`);
  if (byName.webgpu?.available) {
    // the GPU path from the bundle too (on a software adapter where there is no GPU: a few steps only)
    const gpu = JSON.parse(node(['train', example, '--steps', '5', '--backend', 'webgpu', '--runs-dir', runs, '--quiet', '--json']).trim().split('\n').pop());
    if (!gpu.run || !existsSync(join(runs, gpu.run))) fail(`the webgpu run left no run folder: ${JSON.stringify(gpu)}`);
    console.log(`  and on webgpu (${byName.webgpu.device}): run ${gpu.run}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const argv = process.argv.slice(2);
  let files = argv.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    const out = join(root, 'out', 'vsix');
    files = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.vsix')).map((f) => join(out, f)) : [];
    if (files.length === 0) { console.error('no VSIX in out/vsix: run npm run package'); process.exit(1); }
  }
  let bad = 0;
  for (const f of files) {
    const target = Object.keys(TARGETS).find((t) => f.includes(`-${t}-`));
    if (!target) { console.error(`${f}: no target in the name`); bad++; continue; }
    const dawnSource = join(root, 'node_modules', 'webgpu', 'dist', TARGETS[target].dawn);
    const koffiSource = join(root, 'node_modules', 'koffi', 'build', 'koffi', TARGETS[target].koffi);
    const r = checkVsix(f, target, { ...(existsSync(dawnSource) ? { dawnSource } : {}), ...(existsSync(koffiSource) ? { koffiSource } : {}) });
    console.log(`${r.problems.length ? 'FAIL' : 'ok  '} ${target.padEnd(13)} ${(r.bytes / 2 ** 20).toFixed(2)} MiB, ${r.entries} entries  ${f}`);
    for (const p of r.problems) console.log(`       ${p}`);
    if (r.problems.length) bad++;
    if (argv.includes('--smoke')) smoke(f);
  }
  if (bad) process.exit(1);
}
