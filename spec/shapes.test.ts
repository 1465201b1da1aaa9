/** Shape inference errors: both layers named, positioned at the second one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, parse } from './test-helpers';

test('conv2d after a flat input names both layers and their shapes, at the second layer', () => {
  const res = parse(`
    model:
      input: [784]
      layers:
        - { type: dense, name: hidden, units: 256 }
        - { type: conv2d, filters: 8 }
  `);
  const [d] = errors(res);
  assert.ok(d);
  assert.equal(d.code, 'shape-mismatch');
  assert.match(d.message, /'layers\[1\]' \(conv2d\)/);
  assert.match(d.message, /'hidden' \(dense\), which outputs \[256\]/);
  assert.match(d.message, /\[H, W, C\]/);
  assert.equal(d.range.line, 5);
});

test('the model input counts as the first layer', () => {
  const d = errors(parse(`
    model: { input: [784], layers: [{ type: maxPool2d }] }
  `))[0]!;
  assert.equal(d.code, 'shape-mismatch');
  assert.match(d.message, /'input' \(model input\), which outputs \[784\]/);
});

test('dense on [T, D] acts on the last axis; flatten is not required', () => {
  const res = parse(`
    data: { source: synthetic, kind: sequence }
    model:
      input: [12]
      layers:
        - { type: embedding, inputDim: 50, outputDim: 8 }
        - { type: dense, units: 16, useBias: false }
  `);
  assert.deepEqual(errors(res), []);
  const dense = res.model!.layers[1]!;
  assert.deepEqual(dense.outputShape, [12, 16]);
  assert.equal(dense.params, 8 * 16);
  assert.equal(dense.flops, 12 * 2 * 8 * 16);
});

test('pooling bigger than its input', () => {
  const d = errors(parse(`
    model:
      input: [4, 4, 3]
      layers:
        - { type: conv2d, name: c, filters: 4, kernelSize: 3, padding: valid }
        - { type: avgPool2d, name: p, poolSize: 3 }
  `))[0]!;
  assert.equal(d.code, 'shape-mismatch');
  assert.match(d.message, /'p' \(avgPool2d\).*'c' \(conv2d\), which outputs \[2, 2, 4\].*3x3 is bigger than the 2x2 input/);
});

test('heads must divide D', () => {
  const d = errors(parse(`
    model:
      input: [10]
      layers:
        - { type: embedding, name: emb, inputDim: 20, outputDim: 30 }
        - { type: transformer, name: t, heads: 4 }
  `))[0]!;
  assert.equal(d.code, 'shape-mismatch');
  assert.match(d.message, /'t' \(transformer\).*'emb' \(embedding\), which outputs \[10, 30\].*D = 30 and heads = 4/);
});

test('a residual body that changes the shape names the block and the layers', () => {
  const res = parse(`
    model:
      input: [64]
      layers:
        - type: residual
          name: blocks
          repeat: 100
          layers:
            - { type: dense, name: up, units: 128 }
            - { type: layerNorm }
  `);
  const errs = errors(res);
  assert.equal(errs.length, 1, 'reported once, not per repetition');
  const d = errs[0]!;
  assert.equal(d.code, 'shape-mismatch');
  assert.match(d.message, /residual block 'blocks\[0\]' must keep its input shape \[64\], but its body outputs \[128\]/);
  assert.match(d.message, /'blocks\[0\]\.up' \(dense\) maps \[64\] -> \[128\]/);
  assert.equal(d.range.line, 4);
});

test('a later error in a broken model is still found, config errors once per template', () => {
  const res = parse(`
    model:
      input: [8]
      layers:
        - type: residual
          repeat: 50
          layers: [{ type: dense, units: 8, activaton: relu }]
        - { type: dropout, rate: 2 }
  `);
  const errs = errors(res);
  assert.deepEqual(errs.map((d) => d.code), ['unknown-key', 'type']);
});

test('the output must match the data: a warning, the model is still returned', () => {
  const res = parse(`
    data: { source: fashion-mnist }
    model: { input: [784], layers: [{ type: dense, units: 12 }] }
  `);
  assert.ok(res.model);
  assert.equal(res.diagnostics[0]?.code, 'output-shape');
  assert.equal(res.diagnostics[0]?.severity, 'warning');
});

test('fashion-mnist with a wrong input size is an error', () => {
  const res = parse(`
    data: { source: fashion-mnist }
    model: { input: [100], layers: [{ type: dense, units: 10 }] }
  `);
  assert.equal(errors(res)[0]?.code, 'shape-mismatch');
});
