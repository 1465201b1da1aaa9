/** Every examples/*.dynaxx.yaml parses without errors or warnings; the schema file is up to date. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseModelText } from './parse';
import { schemaText } from './schema';

const dir = new URL('../examples/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.dynaxx.yaml'));

test('there are examples', () => {
  assert.ok(files.length >= 5);
});

for (const f of files) {
  test(`examples/${f} parses cleanly`, () => {
    const path = join(dir, f);
    const res = parseModelText(readFileSync(path, 'utf8'), path);
    assert.deepEqual(res.diagnostics, []);
    assert.ok(res.model);
    assert.equal(`${res.model.name}.dynaxx.yaml`, f);
  });
}

test('deep-residual has 1000 blocks and 1002 weight layers', () => {
  const path = join(dir, 'deep-residual.dynaxx.yaml');
  const m = parseModelText(readFileSync(path, 'utf8'), path).model!;
  assert.equal(m.layers.filter((n) => n.type === 'residual').length, 1000);
  assert.equal(m.depth, 1002);
  assert.equal(m.stabilize?.auto, true);
  assert.equal(m.extra.stabilize, undefined);
});

test('spec/dynaxx.schema.json matches the field tables (regenerate: node --import tsx spec/write-schema.ts)', () => {
  const onDisk = readFileSync(new URL('./dynaxx.schema.json', import.meta.url), 'utf8');
  assert.equal(onDisk, schemaText());
});
