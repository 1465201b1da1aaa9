import assert from 'node:assert/strict';
import test from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LANDED_FEATURES, LensCommands } from '../../protocol/lsp-ext';
import { codeLenses } from '../codelens';
import { parseDocument } from '../documents';

const URI = 'file:///tmp/two-task.dynaxx.yaml';
const doc = (text: string) => parseDocument(TextDocument.create(URI, 'dynaxx', 1, text), true);
const MODEL = 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 8, activation: relu }\n    - { type: dense, units: 2 }\n';

test('discover has landed: a file without a modularity block gets "◆ Discover subnetworks" at the top', () => {
  assert.ok(LANDED_FEATURES.includes('discover'));
  const lenses = codeLenses(doc(MODEL), ['discover']);
  assert.equal(lenses.length, 1);
  assert.equal(lenses[0]!.command!.title, '◆ Discover subnetworks');
  assert.equal(lenses[0]!.command!.command, LensCommands.discover);
  assert.deepEqual(lenses[0]!.command!.arguments, [{ uri: URI }]);
  assert.deepEqual(lenses[0]!.range.start, { line: 0, character: 0 });
});

test('no discover lens when the file already has a modularity block (plain Train discovers then)', () => {
  assert.deepEqual(codeLenses(doc(`${MODEL}modularity: on\n`), ['discover']), []);
  assert.deepEqual(codeLenses(doc(`${MODEL}modularity:\n  subnetworks: 4\n`), ['discover']), []);
});
