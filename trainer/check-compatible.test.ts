/** checkCompatible against text data: [T, V] or T·V outputs, and embeddings that cover the vocabulary. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseModelText } from '../spec';
import { SpecError } from '../spec/types';
import { loadDataset } from './data/load';
import { checkCompatible } from './session';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-compat-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'corpus.txt'), 'hello world\n'.repeat(40)); // 9 distinct characters: \n, space, d, e, h, l, o, r, w

function check(layers: string): SpecError | undefined {
  const text = `data: { source: text, path: corpus.txt, context: 6 }\nmodel:\n  layers:\n${layers}\n`;
  const r = parseModelText(text, join(dir, 'm.dynaxx.yaml'));
  assert.ok(r.model, JSON.stringify(r.diagnostics));
  const dataset = loadDataset(r.model.data, { seed: 0 });
  try {
    checkCompatible(r.model, dataset);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof SpecError, String(e));
    return e;
  }
}

test('text data: an output of [T, V] or T·V fits; anything else says what the data needs', () => {
  assert.equal(check('    - { type: embedding, inputDim: 9, outputDim: 4 }\n    - { type: dense, units: 9 }'), undefined);
  assert.equal(check('    - { type: embedding, inputDim: 12, outputDim: 4 }\n    - { type: flatten }\n    - { type: dense, units: 54 }'), undefined);
  const e = check('    - { type: embedding, inputDim: 9, outputDim: 4 }\n    - { type: dense, units: 7 }');
  assert.match(e!.message, /output is \[6,7\] but text \(.*corpus\.txt\) needs \[6, 9\] logits: task 'next-char' has 9 classes \(9 distinct characters\) at each of 6 positions; end the model with a dense layer of 9 units/);
  assert.equal(e!.diagnostics[0]!.range.line, 5, 'at the last layer');
});

test('text data: an embedding smaller than the vocabulary is an error at the layer, saying what to set', () => {
  const e = check('    - { type: embedding, name: emb, inputDim: 5, outputDim: 4 }\n    - { type: dense, units: 9 }');
  assert.equal(e!.diagnostics.length, 1);
  assert.match(e!.message, /embedding 'emb' has inputDim 5, but text \(.*\) has 9 distinct characters \(token ids 0\.\.8\); set inputDim: 9/);
  assert.equal(e!.diagnostics[0]!.range.line, 4);
});
