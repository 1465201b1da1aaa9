/** Hostile model files end in a positioned error that names the limit and how to raise it, fast, never a hang. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_LIMITS, quoteValue } from './limits';
import { parseModelText } from './parse';
import { errors, parse } from './test-helpers';

const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'model:', '  input: [4]', '  layers: *i', '',
].join('\n');

const only = (text: string) => {
  const errs = errors(parseModelText(text, '/m/x.dynaxx.yaml'));
  assert.equal(errs.length, 1, errs.map((e) => e.message).join('\n'));
  return errs[0]!;
};

test('a YAML alias bomb is one error at the alias that crosses the limit, naming DYNAXX_MAX_ALIAS_NODES', { timeout: 2000 }, () => {
  const e = only(BOMB);
  assert.equal(e.code, 'limit');
  assert.match(e.message, /alias bomb.*DYNAXX_MAX_ALIAS_NODES/);
  assert.ok(e.range.line > 1 && e.range.line <= 10, `line ${e.range.line}`);
});

test('a few aliases of layers (a normal use) still work', () => {
  const res = parse(`
    model:
      input: [4]
      layers: [&block { type: dense, units: 8, activation: relu }, *block, { type: dense, units: 2 }]
  `);
  assert.deepEqual(errors(res), []);
  assert.equal(res.model!.layers.length, 3); // the same name-less item twice gets two ids (layers[0], layers[1])
});

test("'repeat:' that would build 1e8 layers (or 3000 × 3000 nested) is refused at the repeat, before expanding", { timeout: 2000 }, () => {
  const flat = only('model:\n  input: [4]\n  layers:\n    - { type: residual, repeat: 100000000, layers: [ { type: dense, units: 4 } ] }\n');
  assert.match(flat.message, /repeat.*2\.00e\+8 layers.*DYNAXX_MAX_LAYERS/);
  assert.deepEqual([flat.range.line, flat.range.col], [4, 25]);
  const nested = only([
    'model:', '  input: [4]', '  layers:', '    - type: residual', '      repeat: 3000', '      layers:',
    '        - type: residual', '          repeat: 3000', '          layers: [ { type: dense, units: 4 } ]', '',
  ].join('\n'));
  assert.match(nested.message, /1\.80e\+7 layers/);
  assert.equal(nested.range.line, 5);
});

test('nesting 10000 deep is a positioned error, not a stack overflow', { timeout: 2000 }, () => {
  const e = only(`model:\n  input: [4]\n  x: ${'['.repeat(10000)}${']'.repeat(10000)}\n`);
  assert.match(e.message, /nest too deep.*DYNAXX_MAX_NESTING/);
  assert.deepEqual([e.range.line, e.range.col], [3, 68]); // the 65th level: the file's mapping, 'model', then 63 of the '['
});

test('text over the size cap is refused before parsing; the limit can be raised', { timeout: 3000 }, () => {
  const text = `model:\n  input: [4]\n  layers:\n${'    - { type: dense, units: 4 }\n'.repeat(200_000)}`;
  const e = only(text);
  assert.match(e.message, /too large for a model file.*DYNAXX_MAX_MODEL_BYTES/);
  const limits = { ...DEFAULT_LIMITS, maxModelBytes: 8 * 1024 * 1024, maxLayers: 1_000_000 };
  const small = `model:\n  input: [4]\n  layers:\n${'    - { type: dense, units: 4 }\n'.repeat(2000)}`;
  assert.deepEqual(errors(parseModelText(small, '/m/x.dynaxx.yaml', { limits })), []);
});

test('a second YAML document is one clear error, not a message about the YAML library', () => {
  const e = only('model:\n  input: [4]\n  layers: [{type: dense, units: 4}]\n---\nfoo: 1\n');
  assert.match(e.message, /one YAML document; remove the '---'/);
  assert.doesNotMatch(e.message, /parseAllDocuments/);
});

test('a bad input shape is reported once (no extra "needs input")', () => {
  const res = parse(`
    model:
      input: [0, x]
      layers: [{ type: dense, units: 4 }]
  `);
  const errs = errors(res);
  assert.equal(errs.length, 1, errs.map((e) => e.message).join('\n'));
  assert.match(errs[0]!.message, /input/);
});

test('modelJson: reads only regular files: devices, /proc, directories and pipes are refused at once', { timeout: 5000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-mj-'));
  execFileSync('mkfifo', [join(dir, 'fifo.json')]);
  for (const target of ['/dev/zero', '/dev/urandom', '/proc/self/fd/0', '/proc/self/environ', dir, 'fifo.json']) {
    const text = `model:\n  modelJson: ${target}\n`;
    const errs = errors(parseModelText(text, join(dir, 'm.dynaxx.yaml')));
    assert.equal(errs.length, 1, `${target}: ${errs.map((e) => e.message).join('\n')}`);
    assert.match(errs[0]!.message, /not a (model|regular) file/, target);
    assert.deepEqual([errs[0]!.range.line, errs[0]!.range.col], [2, 3]);
  }
  writeFileSync(join(dir, 'big.json'), Buffer.alloc(2048, 32));
  const limits = { ...DEFAULT_LIMITS, maxModelJsonBytes: 1024 };
  const big = errors(parseModelText('model:\n  modelJson: big.json\n', join(dir, 'm.dynaxx.yaml'), { limits }));
  assert.match(big[0]!.message, /larger than .*DYNAXX_MAX_MODEL_JSON_BYTES/);
});

test('messages quote values cut short, with control and text-direction characters escaped', () => {
  const huge = 'x'.repeat(100_000);
  const res = parse(`
    model:
      input: [4]
      layers: [{ type: dense, units: 4, activation: '${huge}' }]
  `);
  const msg = errors(res).map((e) => e.message).join('\n');
  assert.ok(msg.length < 1000, `message of ${msg.length} characters`);
  assert.equal(quoteValue('ab\u0000c\u202ed'), 'ab\\u0000c\\u202ed');
  const named = parse(`
    name: "evil\\u202Egnp.exe"
    model:
      input: [4]
      layers: [{ type: dense, name: "a\\u0000b", units: 4 }]
  `);
  const errs = errors(named);
  assert.equal(errs.length, 2, errs.map((e) => e.message).join('\n'));
  for (const e of errs) assert.doesNotMatch(e.message, /[\u0000\u202e]/);
});
