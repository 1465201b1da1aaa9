/** data: source text: path required, context against the model input, keys that do not apply. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownTasks } from './data-spec';
import { errors, parse } from './test-helpers';

const model = (data: string, input = '') => `
  data: ${data}
  model:${input ? `\n    input: ${input}` : ''}
    layers:
      - { type: embedding, inputDim: 40, outputDim: 8 }
      - { type: dense, units: 40 }
`;

test('text: context sets the model input, or comes from a [T] input, or defaults to 64', () => {
  const a = parse(model('{ source: text, path: corpus.txt, context: 32 }'));
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.model!.inputShape, [32]);
  assert.equal(a.model!.data.context, 32);
  assert.equal(a.model!.data.path, '/models/corpus.txt');
  assert.deepEqual(a.model!.layers.at(-1)!.outputShape, [32, 40]);
  assert.deepEqual(knownTasks(a.model!.data), ['next-char']);
  const b = parse(model('{ source: text, path: corpus.txt, testFraction: 0.2 }', '[16]'));
  assert.deepEqual(errors(b), []);
  assert.equal(b.model!.data.context, 16);
  assert.equal(b.model!.data.testFraction, 0.2);
  const c = parse(model('{ source: text, path: corpus.txt }'));
  assert.deepEqual(c.model!.inputShape, [64]);
  assert.equal(c.model!.data.testFraction, undefined, 'the loader applies the 0.1 default');
});

test('text: positioned errors for a missing path, a bad context or testFraction, and keys that do not apply', () => {
  const noPath = errors(parse(model('{ source: text, context: 8 }')));
  assert.equal(noPath.length, 1);
  assert.match(noPath[0]!.message, /data source 'text' needs 'path'/);
  assert.equal(noPath[0]!.range.line, 1);
  const small = errors(parse(model('{ source: text, path: c.txt, context: 1 }', '[8]')));
  assert.equal(small.length, 1);
  assert.equal(small[0]!.code, 'type');
  assert.match(small[0]!.message, /'context' must be an integer >= 2, got 1/);
  assert.deepEqual([small[0]!.range.line, small[0]!.range.col], [1, 45]);
  const frac = errors(parse(model('{ source: text, path: c.txt, testFraction: 1 }')));
  assert.equal(frac[0]!.code, 'type');
  const mismatch = errors(parse(model('{ source: text, path: c.txt, context: 8 }', '[16]')));
  assert.equal(mismatch[0]!.code, 'shape-mismatch');
  assert.match(mismatch[0]!.message, /data\.context \(8\) differs from the model input \[16\]/);
  const rank = errors(parse(model('{ source: text, path: c.txt }', '[4, 4]')));
  assert.match(rank[0]!.message, /text samples are \[context\] character ids, but the model input is \[4, 4\]/);
  const shape = errors(parse(model('{ source: text, path: c.txt, shape: [8] }')));
  assert.equal(shape[0]!.code, 'not-applicable');
  const nz = errors(parse(model('{ source: text, path: c.txt, normalize: 255 }')));
  assert.equal(nz[0]!.code, 'not-applicable');
  assert.match(nz[0]!.message, /'normalize' does not apply to source text/);
  assert.deepEqual(errors(parse(model('{ source: text, path: c.txt, normalize: 1 }'))), []);
  const other = errors(parse(model('{ source: synthetic, kind: sequence, context: 8, testFraction: 0.1 }', '[16]')));
  assert.deepEqual(other.map((d) => d.code), ['not-applicable', 'not-applicable']);
  assert.match(other[0]!.message, /'context' applies to source text only \(this data is synthetic\)/);
});
