// The 'stabilize' feature's lens: "▶ Train stabilized" beside "▶ Train" once the feature has landed, on files
// without a `stabilize:` block (a file with one trains stabilized with the plain Train).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LANDED_FEATURES, LensCommands } from '../../protocol/lsp-ext';
import { codeLenses } from '../codelens';
import { parseDocument } from '../documents';

const URI = 'file:///tmp/deep.dynaxx.yaml';
const doc = (text: string) => parseDocument(TextDocument.create(URI, 'dynaxx', 1, text), true);
const MODEL = 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 2 }\n';

test('with stabilize landed, a file without the block gets "▶ Train stabilized"', () => {
  assert.ok(LANDED_FEATURES.includes('stabilize'));
  const lenses = codeLenses(doc(MODEL), ['train', 'stabilize']);
  assert.deepEqual(lenses.map((l) => l.command?.title), ['▶ Train', '▶ Train stabilized']);
  const stab = lenses[1]!;
  assert.equal(stab.command!.command, LensCommands.trainStabilized);
  assert.deepEqual(stab.command!.arguments, [{ uri: URI }]);
  assert.deepEqual(stab.range.start, { line: 0, character: 0 });
});

test('no stabilized lens when the file has a stabilize block, or before the feature lands', () => {
  assert.deepEqual(codeLenses(doc(`${MODEL}stabilize: auto\n`), ['train', 'stabilize']).map((l) => l.command?.title), ['▶ Train']);
  assert.deepEqual(codeLenses(doc(`${MODEL}stabilize:\n  spectral: false\n`), ['train', 'stabilize']).map((l) => l.command?.title), ['▶ Train']);
  assert.deepEqual(codeLenses(doc(MODEL), ['train']).map((l) => l.command?.title), ['▶ Train']);
  assert.deepEqual(codeLenses(doc(MODEL), ['stabilize']).map((l) => l.command?.title), ['▶ Train stabilized']);
});
