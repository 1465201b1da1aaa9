// `RunOverrides.stabilize: 'auto'` ("Train stabilized" in the editor): the run gets the same resolved block as a
// file that says `stabilize: auto`, because it is that file: the line is appended to the model text (the text
// stored with the run says it too), like `modularity: on` for "Discover subnetworks"; a file's own block is
// kept; no override, no block.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../spec';
import { applyOverrides, modelWithOverrides } from '../trainer/run/overrides';

const TEXT = 'name: x\nmodel:\n  input: [4]\n  layers:\n    - { type: dense, units: 8 }\n    - { type: residual, repeat: 3, layers: [{ type: dense, units: 8 }] }\n    - { type: dense, units: 2 }\n';
const parse = (text: string) => parseModelText(text, 'x.dynaxx.yaml').model!;
const run = (text: string, o: Parameters<typeof modelWithOverrides>[2]) => modelWithOverrides(text, 'x.dynaxx.yaml', o);

test('stabilize: auto as an override resolves as the file would', () => {
  assert.equal(run(TEXT, {}).model.stabilize, undefined);
  assert.equal(run(TEXT, {}).text, TEXT);
  const over = run(TEXT, { stabilize: 'auto' });
  assert.deepEqual(over.model.stabilize, parse(`${TEXT}stabilize: auto\n`).stabilize);
  assert.ok(over.model.stabilize!.auto && over.model.stabilize!.choices.length > 0);
  assert.equal(over.text, `${TEXT}stabilize: auto\n`, 'the stored text says what the run trained');
});

test("a file's own stabilize block is kept", () => {
  const ownText = `${TEXT}stabilize:\n  spectral: false\n`;
  const own = run(ownText, { stabilize: 'auto' });
  assert.deepEqual(own.model.stabilize, parse(ownText).stabilize);
  assert.equal(own.text, ownText);
  assert.equal(own.model.stabilize!.spectral.enabled, false);
});

test('"Train stabilized" and "Discover subnetworks" turn techniques on the same way; the other overrides patch the model', () => {
  const mlp = 'name: m\nmodel:\n  input: [4]\n  layers:\n    - { type: dense, units: 8, activation: relu }\n    - { type: dense, units: 8, activation: relu }\n    - { type: dense, units: 2 }\n';
  const both = run(mlp, { stabilize: 'auto', modularity: 'on', epochs: 3 });
  assert.equal(both.text, `${mlp}stabilize: auto\nmodularity: on\n`);
  assert.ok(both.model.stabilize && both.model.modularity);
  assert.equal(both.model.train.epochs, 3);
  // applyOverrides alone (resume, eval) leaves the techniques to the text
  assert.equal(applyOverrides(parse(TEXT), { stabilize: 'auto' }).stabilize, undefined);
});
