/**
 * Property-based fuzzing of the model-file reader (fast-check): random model-like documents built from the file
 * vocabulary, and random edits of the real examples. Whatever the text, parsing never throws, never reports an
 * internal error, positions every diagnostic inside the text, keeps messages short and printable, and gives a
 * model exactly when there is no error. A failure prints the shrunk counterexample: add it to the corpus.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseModelText } from '../../spec';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const FILE = join(EXAMPLES, 'fuzz.dynaxx.yaml');
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** The properties every parse must have, whatever the text. */
function checkParse(text: string): void {
  const t0 = performance.now();
  const r = parseModelText(text, FILE);
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `parsing took ${ms.toFixed(0)} ms`);
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const d of r.diagnostics) {
    assert.notEqual(d.code, 'internal', d.message);
    assert.ok(d.range.line >= 1 && d.range.line <= lines + 1 && d.range.col >= 1, `${d.range.line}:${d.range.col} outside ${lines} lines: ${d.message}`);
    assert.ok(d.range.endLine >= d.range.line, `range ends before it starts: ${JSON.stringify(d.range)}`);
    assert.ok(d.message.length > 0 && d.message.length <= 2000, `a ${d.message.length}-character message`);
    assert.ok(!UNPRINTABLE.test(d.message), `unprintable characters in: ${JSON.stringify(d.message.slice(0, 200))}`);
  }
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(r.model !== undefined, errors.length === 0, `model ${r.model ? 'given' : 'missing'} with ${errors.length} errors`);
}

const KEYS = [
  'name', 'data', 'model', 'train', 'stabilize', 'modularity', 'prune', 'route', 'dna', 'input', 'layers', 'modelJson',
  'type', 'units', 'activation', 'repeat', 'scale', 'filters', 'kernelSize', 'strides', 'padding', 'rate', 'heads',
  'source', 'samples', 'features', 'classes', 'kind', 'epochs', 'steps', 'batchSize', 'optimizer', 'lr', 'schedule',
  'clipNorm', 'seed', 'backend', 'hops', 'mlp', 'attention', 'identity', '__proto__', 'constructor',
];
const VALUES = [
  'dense', 'conv2d', 'residual', 'flatten', 'dropout', 'layerNorm', 'attention', 'transformer', 'dna', 'moe', 'relu',
  'softmax', 'synthetic', 'fashion-mnist', 'text', 'auto', 'adam', 'cpu', 'same', 'valid', 'on', 'off',
];
const scalar = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.integer({ min: -3, max: 70000 }),
  fc.constantFrom(0, 1, 2, 4, 10, 784, 1e9, 1e12, 2 ** 53, -1, 0.5, 1e-300, Number.MAX_VALUE),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 5 }),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('node'), { maxKeys: 6 }),
})).map;

test('random model-like documents: no throw, positioned short printable diagnostics, a model iff no errors', () => {
  fc.assert(fc.property(tree, fc.boolean(), (doc, flow) => {
    checkParse(stringify(doc, { flowLevel: flow ? 1 : undefined, aliasDuplicateObjects: false } as never));
  }), { numRuns: 400, seed: 14 });
});

const examples = readdirSync(EXAMPLES).filter((n) => n.endsWith('.dynaxx.yaml')).map((n) => readFileSync(join(EXAMPLES, n), 'utf8'));
const EDIT_CHARS = ['[', ']', '{', '}', ':', '-', '&a ', '*a', '!!', '\n', '\t', '  ', '"', "'", '#', '---\n', '1e308', '\u0000', '\u202e', '<<: '];
const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 12 }), insert: fc.oneof(fc.constantFrom(...EDIT_CHARS), fc.string({ maxLength: 6 })) });

test('random edits of the examples: the same properties', () => {
  fc.assert(fc.property(fc.constantFrom(...examples), fc.array(edit, { minLength: 1, maxLength: 6 }), (text, edits) => {
    let t = text;
    for (const e of edits) {
      const at = e.at % (t.length + 1);
      t = t.slice(0, at) + e.insert + t.slice(at + e.cut);
    }
    checkParse(t);
  }), { numRuns: 600, seed: 14 });
});

test('every example parses cleanly (the properties hold on real files too)', () => {
  for (const text of examples) {
    checkParse(text);
    assert.ok(parseModelText(text, FILE).model);
  }
});
