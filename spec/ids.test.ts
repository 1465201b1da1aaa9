/** Layer ids as documented on LayerNode.id; repeat: 1000 is fast; duplicate ids are errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, parse } from './test-helpers';
import { walkLayers } from './walk';

test('repeat: 1000 gives 1000 nodes named <name>[k] with inner <name>[k].<inner>, quickly', () => {
  const text = `
    data: { source: synthetic }
    model:
      input: [32]
      layers:
        - { type: dense, units: 32 }
        - { type: dropout, rate: 0.1 }
        - { type: layerNorm }
        - type: residual
          name: blocks
          repeat: 1000
          layers:
            - { type: layerNorm, name: norm }
            - { type: dense, name: dense, units: 32, activation: gelu }
        - { type: dense, units: 4 }
  `;
  const t0 = performance.now();
  const { model, diagnostics } = parse(text);
  const ms = performance.now() - t0;
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
  const blocks = model.layers.filter((n) => n.type === 'residual');
  assert.equal(blocks.length, 1000);
  assert.equal(blocks[0]!.id, 'blocks[0]');
  assert.equal(blocks[999]!.id, 'blocks[999]');
  assert.equal(blocks[3]!.body![1]!.id, 'blocks[3].dense');
  assert.equal(model.layers[model.layers.length - 1]!.id, 'layers[4]');
  assert.equal(model.depth, 1 + 1000 + 1);
  assert.equal([...walkLayers(model.layers)].length, 4 + 1000 * 3);
  assert.equal(new Set([...walkLayers(model.layers)].map((n) => n.id)).size, 4 + 1000 * 3);
  // every repetition shares the template's range
  assert.deepEqual(blocks[500]!.range, blocks[0]!.range);
});

test('unnamed residual blocks: layers[i][k] and layers[i][k].layers[j]', () => {
  const { model } = parse(`
    model:
      input: [8]
      layers:
        - { type: dense, units: 8 }
        - type: residual
          layers: [{ type: dense, units: 8 }, { type: dense, units: 8 }]
        - type: residual
          repeat: 3
          layers:
            - type: residual
              name: inner
              layers: [{ type: dense, units: 8 }]
  `);
  assert.ok(model);
  const ids = [...walkLayers(model.layers)].map((n) => n.id);
  assert.deepEqual(ids.slice(0, 4), ['layers[0]', 'layers[1][0]', 'layers[1][0].layers[0]', 'layers[1][0].layers[1]']);
  assert.ok(ids.includes('layers[2][2].inner[0].layers[0]'));
});

test('duplicate names are an error at the second layer', () => {
  const res = parse(`
    model:
      input: [8]
      layers:
        - { type: dense, name: fc, units: 8 }
        - { type: dense, name: fc, units: 8 }
  `);
  const [d] = errors(res);
  assert.equal(d?.code, 'duplicate-id');
  assert.match(d!.message, /'fc'.*line 4/);
  assert.equal(d?.range.line, 5);
});

test('duplicate names inside a repeated block are reported once', () => {
  const res = parse(`
    model:
      input: [8]
      layers:
        - type: residual
          name: b
          repeat: 200
          layers: [{ type: dense, name: fc, units: 8 }, { type: dense, name: fc, units: 8 }]
  `);
  assert.equal(errors(res).length, 1);
});

test('names with dots or brackets are rejected', () => {
  const d = errors(parse(`
    model: { input: [8], layers: [{ type: dense, name: a.b, units: 8 }] }
  `))[0]!;
  assert.equal(d.code, 'type');
  assert.match(d.message, /without spaces, dots or brackets/);
});
