#!/usr/bin/env node
// `npm run package`: builds (tsc -b + scripts/bundle.mjs), then one platform VSIX per target with @vscode/vsce, into
// out/vsix/dynaxx-workbench-<target>-<version>.vsix. Each target is staged in out/vsix/stage/<target>/ with only
// what the installed extension runs: the manifest, README/LICENSE/CHANGELOG, the bundles, the tfjs wasm files, the
// dashboard's assets, the JSON schemas, media/ (icon, walkthrough, the bundled example), that platform's Dawn
// (dawn.node beside the bundles, where trainer/backend/webgpu.ts looks first) and that platform's koffi.node with
// koffi's licence (beside the bundles, where trainer/backend/blas.ts looks first for the FFI to the machine's BLAS).
// Everything is bundled, so `--no-dependencies`. Each VSIX is then checked (scripts/vsix.mjs: allow-list, required
// files, size budget, the right dawn.node and koffi.node), and the host platform's one is unpacked into a temp folder
// without node_modules and its trainer started (scripts/check-vsix.mjs --smoke).
//
//   node scripts/package.mjs                       every target
//   node scripts/package.mjs --target linux-x64    only these (comma-separated)
//   node scripts/package.mjs --skip-build          use dist/ as it is
//   node scripts/package.mjs --no-smoke            do not run the unpacked trainer
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { smoke } from './check-vsix.mjs';
import { BUNDLES, checkVsix, TARGETS } from './vsix.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const targets = (opt('--target') ?? Object.keys(TARGETS).join(',')).split(',').filter(Boolean);
for (const t of targets) if (!TARGETS[t]) fail(`unknown target '${t}': use ${Object.keys(TARGETS).join(', ')}`);

function fail(msg) {
  console.error(`package: ${msg}`);
  process.exit(1);
}
function run(cmd, args, cwd = root) {
  console.log(`$ ${cmd} ${args.join(' ')}${cwd === root ? '' : `   (in ${cwd})`}`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} ${r.error ? `could not start: ${r.error.message}` : `exited with ${r.status ?? r.signal}`}`);
}
const bin = (name) => join(root, 'node_modules', '.bin', name);

if (!argv.includes('--skip-build')) {
  run(bin('tsc'), ['-b']);
  run(process.execPath, [join(root, 'scripts/bundle.mjs')]);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, 'out', 'vsix');
mkdirSync(out, { recursive: true });
const dawnRoot = join(root, 'node_modules', 'webgpu', 'dist');
const koffiRoot = join(root, 'node_modules', 'koffi', 'build', 'koffi');

/**
 * The public repository the manifest names (repository, homepage, bugs; vsce points the README's relative links
 * there): $DYNAXX_REPOSITORY_URL, else this checkout's `origin` remote when it is an https GitHub/GitLab URL. None is
 * made up: without one the VSIX has no repository and its README keeps relative links (set it before publishing).
 */
function repositoryUrl() {
  let url = process.env.DYNAXX_REPOSITORY_URL;
  if (!url) {
    try {
      url = execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      url = undefined;
    }
  }
  const m = url && /^(https:\/\/(?:github\.com|gitlab\.com)\/[\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? m[1] : undefined;
}
const repo = repositoryUrl();
if (!repo) console.log('note: no public repository (set DYNAXX_REPOSITORY_URL=https://github.com/<owner>/<repo> before publishing): the VSIX names none and its README keeps relative links');

/** The extension's manifest as it ships: no scripts, no dependencies (all bundled), no npm-only fields. */
function manifest() {
  const m = { ...pkg };
  for (const k of ['scripts', 'devDependencies', 'dependencies', 'optionalDependencies', 'bin', 'private']) delete m[k];
  if (repo) Object.assign(m, { repository: { type: 'git', url: `${repo}.git` }, homepage: `${repo}#readme`, bugs: { url: `${repo}/issues` } });
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** Fills `dir` with what the VSIX for `target` holds. */
function stage(target, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'dist', 'webviews'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), manifest());
  // the staging folder holds only what ships; vsce leaves the ignore file itself out
  writeFileSync(join(dir, '.vscodeignore'), '# staged by scripts/package.mjs: everything in this folder ships\n');
  for (const f of ['README.md', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md']) if (existsSync(join(root, f))) copyFileSync(join(root, f), join(dir, f));
  const dist = join(root, 'dist');
  for (const b of BUNDLES) {
    if (!existsSync(join(dist, b))) fail(`dist/${b} is missing: run the build (npm run build)`);
    copyFileSync(join(dist, b), join(dir, 'dist', b));
  }
  for (const f of readdirSync(dist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(dist, f), join(dir, 'dist', f));
  for (const f of readdirSync(join(dist, 'webviews')).filter((f) => /\.(js|css)$/.test(f))) copyFileSync(join(dist, 'webviews', f), join(dir, 'dist', 'webviews', f));
  const dawn = join(dawnRoot, TARGETS[target].dawn);
  for (const f of TARGETS[target].files) {
    if (!existsSync(join(dawn, f))) fail(`${join(dawn, f)} is missing: is the npm package webgpu installed (npm ci)?`);
    copyFileSync(join(dawn, f), join(dir, 'dist', f));
  }
  copyFileSync(join(root, 'node_modules', 'webgpu', 'LICENSE.md'), join(dir, 'dist', 'dawn-LICENSE.md'));
  const koffi = join(koffiRoot, TARGETS[target].koffi, 'koffi.node');
  if (!existsSync(koffi)) fail(`${koffi} is missing: is the npm package koffi installed (npm ci)?`);
  copyFileSync(koffi, join(dir, 'dist', 'koffi.node'));
  copyFileSync(join(root, 'node_modules', 'koffi', 'LICENSE.txt'), join(dir, 'dist', 'koffi-LICENSE.txt'));
  mkdirSync(join(dir, 'spec'));
  for (const f of ['dynaxx.schema.json', 'sweep.schema.json']) copyFileSync(join(root, 'spec', f), join(dir, 'spec', f));
  cpSync(join(root, 'media'), join(dir, 'media'), { recursive: true, filter: (src) => !/\.(svg|xcf|psd)$/.test(src) });
}

const results = [];
for (const target of targets) {
  const dir = join(out, 'stage', target);
  stage(target, dir);
  const file = join(out, `${pkg.name}-${target}-${pkg.version}.vsix`);
  rmSync(file, { force: true });
  run(bin('vsce'), ['package', '--target', target, '--no-dependencies', ...(repo ? [] : ['--allow-missing-repository', '--no-rewrite-relative-links']), '--out', file], dir);
  const r = checkVsix(file, target, { dawnSource: join(dawnRoot, TARGETS[target].dawn), koffiSource: join(koffiRoot, TARGETS[target].koffi) });
  results.push({ target, file, ...r });
  if (r.problems.length > 0) fail(`${file}:\n  ${r.problems.join('\n  ')}`);
}
rmSync(join(out, 'stage'), { recursive: true, force: true });

console.log('\nVSIX files:');
for (const r of results) {
  console.log(`  ${r.target.padEnd(13)} ${(r.bytes / 2 ** 20).toFixed(2).padStart(6)} MiB packed, ${(r.unpacked / 2 ** 20).toFixed(2).padStart(6)} MiB unpacked, ${r.entries} entries  ${r.file}`);
}

const host = `${process.platform}-${process.arch}`;
const mine = results.find((r) => r.target === host);
if (mine && !argv.includes('--no-smoke')) smoke(mine.file);
else if (!argv.includes('--no-smoke')) console.log(`(no VSIX for this machine, ${host}: the unpacked trainer was not started)`);
