// What a platform VSIX may hold and how big it may be, and the zip reading that checks it: used by
// scripts/package.mjs after `vsce package`, by scripts/check-vsix.mjs (CI, by hand) and by test/package.test.ts.
// No dependencies: a VSIX is a zip, read here from its central directory with node:zlib.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * The targets `npm run package` builds, each with the folder of `node_modules/webgpu/dist` whose Dawn it ships and
 * the files of that folder that go beside the bundles (dist/): Windows' dawn.node loads the DirectX shader compilers
 * from its own folder, so they travel with it, with their licence texts. `koffi` names the folder of
 * `node_modules/koffi/build/koffi` whose koffi.node (the FFI through which trainer/backend/blas.ts calls the
 * machine's BLAS) goes beside the bundles too.
 */
export const TARGETS = {
  'linux-x64': { dawn: 'linux-x64', koffi: 'linux_x64', files: ['dawn.node'] },
  'linux-arm64': { dawn: 'linux-arm64', koffi: 'linux_arm64', files: ['dawn.node'] },
  'darwin-arm64': { dawn: 'darwin-universal', koffi: 'darwin_arm64', files: ['dawn.node'] },
  'darwin-x64': { dawn: 'darwin-universal', koffi: 'darwin_x64', files: ['dawn.node'] },
  'win32-x64': { dawn: 'win32-x64', koffi: 'win32_x64', files: ['dawn.node', 'dxcompiler.dll', 'd3dcompiler_47.dll', 'dxcompiler-LICENSE.TXT', 'dxcompiler-ThirdPartyNotices.txt'] },
  'win32-arm64': { dawn: 'win32-arm64', koffi: 'win32_arm64', files: ['dawn.node', 'dxcompiler.dll', 'd3dcompiler_47.dll', 'dxcompiler-LICENSE.TXT', 'dxcompiler-ThirdPartyNotices.txt'] },
};

/** The bundles the extension runs (scripts/bundle.mjs); bench bundles and source maps stay out. */
export const BUNDLES = ['extension.js', 'server.js', 'server-parse-worker.js', 'trainer.js', 'cli.js'];

/**
 * Size budgets of the packed VSIX, in bytes: about 20% above what was measured (README, Install), koffi.node
 * included (0.3 to 0.5 MiB packed). Windows carries the two DirectX shader compilers besides Dawn; macOS's universal
 * dawn.node compresses better.
 */
const MiB = 2 ** 20;
export const BUDGET = {
  'linux-x64': 13.5 * MiB,
  'linux-arm64': 13.5 * MiB,
  'darwin-arm64': 12 * MiB,
  'darwin-x64': 12 * MiB,
  'win32-x64': 22 * MiB,
  'win32-arm64': 23.5 * MiB,
};

/** The paths (inside the zip) a VSIX for `target` may hold; anything else fails the check. */
export function allowList(target) {
  const dawn = TARGETS[target];
  if (!dawn) throw new Error(`unknown target '${target}': use one of ${Object.keys(TARGETS).join(', ')}`);
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [
    /^extension\.vsixmanifest$/,
    /^\[Content_Types\]\.xml$/,
    /^extension\/package\.json$/,
    /^extension\/(readme\.md|changelog\.md|license(\.txt|\.md)?)$/i,
    new RegExp(`^extension/dist/(${BUNDLES.map(esc).join('|')})$`),
    /^extension\/dist\/tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/,
    /^extension\/dist\/webviews\/[\w-]+\.(js|css)$/,
    new RegExp(`^extension/dist/(${dawn.files.map(esc).join('|')}|dawn-LICENSE\\.md)$`),
    /^extension\/dist\/koffi(\.node|-LICENSE\.txt)$/,
    /^extension\/spec\/(dynaxx|sweep)\.schema\.json$/,
    /^extension\/media\/[\w-]+\.png$/,
    /^extension\/media\/walkthrough\/[\w-]+\.(md|png)$/,
    /^extension\/media\/examples\/[\w-]+\.dynaxx\.yaml$/,
  ];
}

/** The files every VSIX must hold (a package without them installs but cannot train). */
export function required(target) {
  return [
    'extension/package.json',
    ...BUNDLES.map((b) => `extension/dist/${b}`),
    'extension/dist/tfjs-backend-wasm.wasm',
    'extension/dist/tfjs-backend-wasm-simd.wasm',
    'extension/dist/tfjs-backend-wasm-threaded-simd.wasm',
    'extension/dist/webviews/dashboard.js',
    'extension/spec/dynaxx.schema.json',
    'extension/spec/sweep.schema.json',
    'extension/media/icon.png',
    ...TARGETS[target].files.map((f) => `extension/dist/${f}`),
    'extension/dist/koffi.node',
  ];
}

/** The entries of a zip file: name, sizes, CRC-32, and where its data starts (central directory). */
export function listZip(file) {
  const buf = readFileSync(file);
  // end of central directory: the last 'PK\5\6' within the final 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: broken central directory at entry ${n}`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.push({ name, method, crc, compressed, size, local });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (stored or deflated). */
export function readEntry(file, entry) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(30);
    readSync(fd, head, 0, 30, entry.local);
    const start = entry.local + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    const data = Buffer.alloc(entry.compressed);
    readSync(fd, data, 0, entry.compressed, start);
    if (entry.method === 0) return data;
    if (entry.method === 8) return zlib.inflateRawSync(data);
    throw new Error(`${entry.name}: compression method ${entry.method} not supported`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks one VSIX: every entry on the allow-list, every required file there, the packed size within the budget, and
 * (given `dawnSource`, the folder it was copied from) each Dawn file identical to the one of that platform; likewise
 * koffi.node given `koffiSource` (that platform's folder of node_modules/koffi/build/koffi). Returns the problems
 * found (empty when it passes) and the numbers.
 */
export function checkVsix(file, target, { budget = BUDGET[target], dawnSource, koffiSource } = {}) {
  const problems = [];
  const entries = listZip(file);
  const names = new Set(entries.map((e) => e.name));
  const allow = allowList(target);
  for (const e of entries) if (!allow.some((re) => re.test(e.name))) problems.push(`not on the allow-list: ${e.name}`);
  for (const r of required(target)) if (!names.has(r)) problems.push(`missing: ${r}`);
  const bytes = statSync(file).size;
  if (budget && bytes > budget) problems.push(`${(bytes / 2 ** 20).toFixed(2)} MiB is over the budget of ${(budget / 2 ** 20).toFixed(2)} MiB`);
  const same = (source, f) => {
    const e = entries.find((x) => x.name === `extension/dist/${f}`);
    if (!e) return;
    const src = readFileSync(`${source}/${f}`);
    if (e.size !== src.length || e.crc !== crc32(src)) problems.push(`extension/dist/${f} is not ${source}/${f}`);
  };
  if (dawnSource) for (const f of TARGETS[target].files) same(dawnSource, f);
  if (koffiSource) same(koffiSource, 'koffi.node');
  return { problems, bytes, entries: entries.length, unpacked: entries.reduce((s, e) => s + e.size, 0) };
}

/** CRC-32 as zip stores it (zlib.crc32 where Node has it). */
export function crc32(buf) {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(buf) : slowCrc32(buf);
}
let table;
function slowCrc32(buf) {
  table ??= Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
