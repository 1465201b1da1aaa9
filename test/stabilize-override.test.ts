// `RunOverrides.stabilize: 'auto'` ("Train stabilized" in the editor): the run gets the same resolved block as a
// file that says `stabilize: auto`; a file's own block is kept; no override, no block.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../spec';
import { applyOverrides } from '../trainer/session';

const TEXT = 'name: x\nmodel:\n  input: [4]\n  layers:\n    - { type: dense, units: 8 }\n    - { type: residual, repeat: 3, layers: [{ type: dense, units: 8 }] }\n    - { type: dense, units: 2 }\n';
const parse = (text: string) => parseModelText(text, 'x.dynaxx.yaml').model!;

test('stabilize: auto as an override resolves as the file would', () => {
  const plain = parse(TEXT);
  assert.equal(applyOverrides(plain, {}).stabilize, undefined);
  const over = applyOverrides(plain, { stabilize: 'auto' });
  assert.deepEqual(over.stabilize, parse(`${TEXT}stabilize: auto\n`).stabilize);
  assert.ok(over.stabilize!.auto && over.stabilize!.choices.length > 0);
});

test("a file's own stabilize block is kept", () => {
  const own = parse(`${TEXT}stabilize:\n  spectral: false\n`);
  assert.equal(applyOverrides(own, { stabilize: 'auto' }).stabilize, own.stabilize);
  assert.equal(own.stabilize!.spectral.enabled, false);
});
