// Layer ids to places in the model file: against the language server's outline names, and by walking the text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsetInText, symbolRangeOf } from './layer-location';

const TEXT = [
  'model:',                                           // 0
  '  input: [8]',                                     // 1
  '  layers:',                                        // 2
  '    - { type: dense, name: stem, units: 8 }',      // 3
  '    - type: residual',                             // 4
  '      repeat: 2',                                  // 5
  '      layers:',                                    // 6
  '        - { type: dense, units: 8 }',              // 7
  '        - type: residual',                         // 8
  '          layers:',                                // 9
  '            - { type: dense, name: inner, units: 8 }', // 10
  '    - { type: dense, units: 2 }',                  // 11
  'train: { steps: 1 }',                              // 12
  '',
].join('\n');
const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : TEXT.slice(0, offset).split('\n').length - 1);

test('offsetInText walks model.layers by name or index, through residual bodies and repetitions', () => {
  assert.equal(lineOf(offsetInText(TEXT, 'stem')), 3);
  assert.equal(lineOf(offsetInText(TEXT, 'layers[1][0]')), 4);
  assert.equal(lineOf(offsetInText(TEXT, 'layers[1][1].layers[0]')), 7);
  assert.equal(lineOf(offsetInText(TEXT, 'layers[1][0].layers[1][0].inner')), 10);
  assert.equal(lineOf(offsetInText(TEXT, 'layers[2]')), 11);
  assert.equal(offsetInText(TEXT, 'nothing'), undefined);
  // a broken file: the name is still found in the text
  assert.equal(lineOf(offsetInText(`${TEXT}  bad: [\n`, 'x.inner')), 10);
  // layers imported from a model.json sit on the modelJson line
  assert.equal(offsetInText('model:\n  modelJson: m.json\n', 'dense_1'), 'model:\n  '.length);
});

test('symbolRangeOf matches ids against the outline names (repetitions as [0..N-1] and [k])', () => {
  const symbols = [
    { name: 'train', range: 'train-section' },
    { name: 'model', range: 'model', children: [{ name: 'layers', range: 'list', children: [
      { name: 'train', range: 'layer-named-train' },
      { name: 'layers[1][0..1]', range: 'block', children: [
        { name: 'layers[1][k].layers[0]', range: 'body0' },
        { name: 'layers[1][k].layers[1][0]', range: 'nested', children: [{ name: 'layers[1][k].layers[1][0].inner', range: 'inner' }] },
      ] },
    ] }] },
  ];
  assert.equal(symbolRangeOf(symbols, 'train'), 'layer-named-train');
  assert.equal(symbolRangeOf(symbols, 'layers[1][1]'), 'block');
  assert.equal(symbolRangeOf(symbols, 'layers[1][1].layers[0]'), 'body0');
  assert.equal(symbolRangeOf(symbols, 'layers[1][0].layers[1][0].inner'), 'inner');
  assert.equal(symbolRangeOf(symbols, 'layers[1]'), undefined);
  assert.equal(symbolRangeOf(symbols, 'missing'), undefined);
});
