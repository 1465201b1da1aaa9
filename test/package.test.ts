// The VSIX check (scripts/vsix.mjs, run by `npm run package`): on small zips made here, anything outside the
// allow-list, a missing bundle, a missing koffi.node, another platform's dawn.node or koffi.node and a file over the
// size budget each fail it; then the
// VSIX files `npm run package` left in out/vsix (CI packages before `npm test`) pass it, within their budgets.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { ROOT } from './helpers';

interface Check { problems: string[]; bytes: number; entries: number; unpacked: number }
interface VsixModule {
  TARGETS: Record<string, { dawn: string; koffi: string; files: string[] }>;
  BUDGET: Record<string, number>;
  required(target: string): string[];
  listZip(file: string): Array<{ name: string; size: number }>;
  checkVsix(file: string, target: string, opts?: { budget?: number; dawnSource?: string; koffiSource?: string }): Check;
}
const load = async (): Promise<VsixModule> => (await import(pathToFileURL(join(ROOT, 'scripts', 'vsix.mjs')).href)) as VsixModule;

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-vsix-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A zip of `files` (name -> content), stored without compression, as far as checkVsix reads one. */
function zip(name: string, files: Record<string, Buffer | string>): string {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [path, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const fname = Buffer.from(path);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(fname.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(local, fname, data);
    central.push(c, fname);
    offset += 30 + fname.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat([...locals, cd, end]));
  return file;
}

/** Fake Dawn and koffi folders for `target` and a VSIX holding exactly the required files. */
function good(vsix: VsixModule, target: string, extra: Record<string, string> = {}) {
  const dawnSource = join(dir, `dawn-${target}`);
  mkdirSync(dawnSource, { recursive: true });
  for (const f of vsix.TARGETS[target]!.files) writeFileSync(join(dawnSource, f), `${target} ${f}`);
  const koffiSource = join(dir, `koffi-${vsix.TARGETS[target]!.koffi}`);
  mkdirSync(koffiSource, { recursive: true });
  writeFileSync(join(koffiSource, 'koffi.node'), `${target} koffi.node`);
  const native = [...vsix.TARGETS[target]!.files, 'koffi.node'];
  const files: Record<string, string> = { 'extension.vsixmanifest': '<x/>', '[Content_Types].xml': '<x/>', 'extension/readme.md': '# r', 'extension/LICENSE.txt': 'MIT' };
  for (const r of vsix.required(target)) files[r] = r.startsWith('extension/dist/') && native.some((f) => r.endsWith(`/${f}`)) ? `${target} ${r.split('/').pop()}` : 'x';
  return { files: { ...files, ...extra }, dawnSource, koffiSource };
}

test('a VSIX with only allowed files and its platform\'s Dawn passes; each kind of stray content fails it', async () => {
  const vsix = await load();
  for (const target of Object.keys(vsix.TARGETS)) {
    const { files, dawnSource, koffiSource } = good(vsix, target, {
      'extension/media/walkthrough/train.png': 'png', 'extension/media/examples/quickstart.dynaxx.yaml': 'y', 'extension/dist/koffi-LICENSE.txt': 'MIT',
    });
    assert.deepEqual(vsix.checkVsix(zip(`${target}.vsix`, files), target, { dawnSource, koffiSource }).problems, [], target);
  }
  const { files, dawnSource, koffiSource } = good(vsix, 'linux-x64');
  const strays = ['extension/node_modules/yaml/index.js', 'extension/node_modules/koffi/build/koffi/linux_x64/koffi.node', 'extension/dist/koffi.lib', 'extension/extension/main.ts', 'extension/dist/trainer.js.map', 'extension/dist/bench.js',
    'extension/test/package.test.ts', 'extension/docs/dashboards/paths.png', 'extension/dist/dxcompiler.dll', 'extension/examples/two-task.dynaxx.yaml'];
  for (const stray of strays) {
    const r = vsix.checkVsix(zip('stray.vsix', { ...files, [stray]: 'x' }), 'linux-x64', { dawnSource });
    assert.deepEqual(r.problems, [`not on the allow-list: ${stray}`], stray);
  }
  const { 'extension/dist/trainer.js': _, ...noTrainer } = files;
  assert.deepEqual(vsix.checkVsix(zip('missing.vsix', noTrainer), 'linux-x64', { dawnSource }).problems, ['missing: extension/dist/trainer.js']);
  const { 'extension/dist/koffi.node': __, ...noKoffi } = files;
  assert.deepEqual(vsix.checkVsix(zip('no-koffi.vsix', noKoffi), 'linux-x64', { dawnSource, koffiSource }).problems, ['missing: extension/dist/koffi.node']);
  const arm = vsix.checkVsix(zip('wrong-dawn.vsix', { ...files, 'extension/dist/dawn.node': 'linux-arm64 dawn.node' }), 'linux-x64', { dawnSource });
  assert.match(arm.problems.join('\n'), /extension\/dist\/dawn\.node is not .*dawn\.node/);
  const win = vsix.checkVsix(zip('wrong-koffi.vsix', { ...files, 'extension/dist/koffi.node': 'win32-x64 koffi.node' }), 'linux-x64', { dawnSource, koffiSource });
  assert.deepEqual(win.problems, [`extension/dist/koffi.node is not ${koffiSource}/koffi.node`]);
  const big = vsix.checkVsix(zip('big.vsix', files), 'linux-x64', { budget: 100 });
  assert.match(big.problems.join('\n'), /over the budget of/);
});

test('the VSIX files npm run package built are within the allow-list and their size budgets', async (t) => {
  const vsix = await load();
  const out = join(ROOT, 'out', 'vsix');
  const built = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.vsix')) : [];
  if (built.length === 0) return t.skip('no VSIX in out/vsix: run `npm run package` (CI does, before npm test)');
  for (const f of built) {
    const target = Object.keys(vsix.TARGETS).find((x) => f.includes(`-${x}-`));
    assert.ok(target, `${f}: no target in its name`);
    const dawnSource = join(ROOT, 'node_modules', 'webgpu', 'dist', vsix.TARGETS[target]!.dawn);
    const koffiSource = join(ROOT, 'node_modules', 'koffi', 'build', 'koffi', vsix.TARGETS[target]!.koffi);
    const r = vsix.checkVsix(join(out, f), target, { ...(existsSync(dawnSource) ? { dawnSource } : {}), ...(existsSync(koffiSource) ? { koffiSource } : {}) });
    assert.deepEqual(r.problems, [], f);
    assert.ok(r.bytes <= vsix.BUDGET[target]!, `${f}: ${r.bytes} bytes`);
    t.diagnostic(`${f}: ${(r.bytes / 2 ** 20).toFixed(2)} MiB of ${(vsix.BUDGET[target]! / 2 ** 20).toFixed(1)} MiB`);
  }
  return undefined;
});
