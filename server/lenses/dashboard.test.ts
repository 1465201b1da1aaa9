// The 'dashboard' feature's lens: "📈 Dashboard" at the top of every model file once the feature has landed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LANDED_FEATURES, LensCommands } from '../../protocol/lsp-ext';
import { codeLenses } from '../codelens';
import { parseDocument } from '../documents';

const URI = 'file:///tmp/deep.dynaxx.yaml';
const doc = (text: string) => parseDocument(TextDocument.create(URI, 'dynaxx', 1, text), true);
const MODEL = 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 2 }\n';

test('dashboard has landed: every model file gets "📈 Dashboard" at the top, last of the lenses', () => {
  assert.ok(LANDED_FEATURES.includes('dashboard'));
  const lenses = codeLenses(doc(MODEL), ['dashboard']);
  assert.equal(lenses.length, 1);
  assert.equal(lenses[0]!.command!.title, '📈 Dashboard');
  assert.equal(lenses[0]!.command!.command, LensCommands.openDashboard);
  assert.deepEqual(lenses[0]!.command!.arguments, [{ uri: URI }]);
  assert.deepEqual(lenses[0]!.range.start, { line: 0, character: 0 });
  assert.equal(codeLenses(doc(MODEL)).at(-1)!.command!.command, LensCommands.openDashboard);
  // files with errors too: the dashboard shows runs, not the file
  assert.equal(codeLenses(doc('model: [\n'), ['dashboard']).length, 1);
});

test('no dashboard lens before the feature lands', () => {
  assert.deepEqual(codeLenses(doc(MODEL), ['train']).map((l) => l.command?.title), ['▶ Train']);
});
