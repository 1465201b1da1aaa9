/** Diagnostics: YAML syntax, unknown keys and values with did-you-mean, wrong types, SpecError text. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModelFile } from './parse';
import { errors, parse } from './test-helpers';
import { SpecError } from './types';

test('malformed YAML is reported at file:line:col with code yaml', () => {
  const res = parse(`
    model:
      input: [784
      layers:
        - { type: dense, units: 10 }
  `);
  assert.equal(res.model, undefined);
  const [d] = errors(res);
  assert.ok(d);
  assert.equal(d.code, 'yaml');
  assert.equal(d.range.file, '/models/test.dynaxx.yaml');
  assert.ok(d.range.line >= 2 && d.range.line <= 3, `line ${d.range.line}`);
  assert.ok(d.range.col >= 1);
});

test('a bad indentation is a yaml error on its line', () => {
  const res = parse(`
    model:
      input: [784]
      layers:
        - type: dense
          units: 10
         activation: relu
  `);
  const d = errors(res)[0]!;
  assert.equal(d.code, 'yaml');
  assert.equal(d.range.line, 6);
});

test("unknown key 'unts' suggests 'units' at the key's position", () => {
  const res = parse(`
    model:
      input: [784]
      layers:
        - type: dense
          unts: 10
  `);
  assert.equal(res.model, undefined);
  const unknown = res.diagnostics.find((d) => d.code === 'unknown-key');
  assert.ok(unknown);
  assert.equal(unknown.suggestion, 'units');
  assert.match(unknown.message, /'unts'/);
  assert.deepEqual([unknown.range.line, unknown.range.col, unknown.range.endLine, unknown.range.endCol], [5, 7, 5, 11]);
  // the missing required key is reported too
  assert.ok(res.diagnostics.some((d) => d.code === 'missing-key' && /units/.test(d.message)));
});

test('unknown top-level keys, layer types and enum values get suggestions (case-insensitive)', () => {
  const res = parse(`
    modle: {}
    model:
      input: [8]
      layers:
        - { type: Dense, units: 4, activation: rellu }
        - { type: convolution, units: 4 }
    train: { optimizer: { type: adma } }
  `);
  const by = (s: string) => res.diagnostics.find((d) => d.message.includes(s));
  assert.equal(by("'modle'")?.suggestion, 'model');
  assert.equal(by("'modle'")?.code, 'unknown-key');
  assert.equal(by("'Dense'")?.suggestion, 'dense');
  assert.equal(by("'Dense'")?.code, 'unknown-value');
  assert.equal(by("'convolution'")?.suggestion, undefined);
  assert.equal(by("'adma'")?.suggestion, 'adam');
  assert.equal(by("'adma'")?.range.line, 7);
});

test('an enum typo inside a valid layer is positioned at the value', () => {
  const res = parse(`
    model:
      input: [8]
      layers:
        - { type: dense, units: 4, activation: rellu }
  `);
  const [d] = errors(res);
  assert.equal(d?.code, 'unknown-value');
  assert.equal(d?.suggestion, 'relu');
  assert.deepEqual([d?.range.line, d?.range.col], [4, 44]);
});

test('wrong types say what was expected', () => {
  const res = parse(`
    model:
      input: [8]
      layers:
        - { type: dense, units: many }
        - { type: dense, units: -3 }
        - { type: dense, units: 2.5 }
        - { type: dropout, rate: 1 }
    train: { epochs: ten, batchSize: 0 }
  `);
  const types = res.diagnostics.filter((d) => d.code === 'type');
  assert.equal(types.length, 6);
  assert.match(types[0]!.message, /'units' must be a positive integer, got 'many'/);
  assert.equal(types[0]!.range.line, 4);
  assert.match(types[1]!.message, /got -3/);
  assert.match(types[2]!.message, /got 2.5/);
  assert.match(types[3]!.message, /'rate' must be a number in \[0, 1\), got 1/);
  assert.match(types[4]!.message, /'epochs' must be a positive integer, got 'ten'/);
});

test('loadModelFile throws a SpecError listing every error as file:line:col', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-spec-'));
  const path = join(dir, 'bad.dynaxx.yaml');
  writeFileSync(path, 'model:\n  input: [4]\n  layers:\n    - { type: dense, unts: 3 }\ntrain: { epohcs: 3 }\n');
  assert.throws(() => loadModelFile(path), (e: unknown) => {
    assert.ok(e instanceof SpecError);
    assert.ok(e.diagnostics.length >= 3);
    assert.match(e.message, new RegExp(`${path}:4:22: error: unknown key 'unts' in dense layer \\(did you mean 'units'\\?\\)`));
    assert.match(e.message, new RegExp(`${path}:5:10: error: unknown key 'epohcs'`));
    return true;
  });
});

test('parseModelText never throws on odd input', () => {
  for (const text of ['', '42', '- a\n- b', 'model: 3', 'model:\n  layers: 7', 'model: { input: [0], layers: [] }', '{{{', 'a: *x']) {
    const res = parse(text || ' ');
    assert.equal(res.model, undefined, text);
    assert.ok(errors(res).length > 0, text);
  }
});
