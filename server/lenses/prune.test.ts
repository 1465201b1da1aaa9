/** The prune lens's tooltip names the criteria from the spec's list (no copy of its own), or the file's own. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LensCommands } from '../../protocol/lsp-ext';
import { PRUNE_CRITERIA } from '../../spec/prune-spec';
import { codeLenses } from '../codelens';
import { parseDocument } from '../documents';

const URI = 'file:///tmp/cnn.dynaxx.yaml';
const doc = (text: string) => parseDocument(TextDocument.create(URI, 'dynaxx', 1, text), true);
const MODEL = 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 8, activation: relu }\n    - { type: dense, units: 2 }\n';

test('the prune lens lists every criterion the spec knows, or the ones prune.criteria selects', () => {
  const all = codeLenses(doc(MODEL), ['prune'])[0]!.command!;
  assert.equal(all.command, LensCommands.prune);
  assert.ok(all.tooltip!.includes(`(${PRUNE_CRITERIA.ids.join(', ')})`), all.tooltip);
  assert.ok(PRUNE_CRITERIA.ids.includes('agf'));
  const some = codeLenses(doc(`${MODEL}prune:\n  criteria: [wanda, agf]\n`), ['prune'])[0]!.command!;
  assert.match(some.tooltip!, /prune with each criterion \(wanda, agf\) at each FLOP target/);
});
