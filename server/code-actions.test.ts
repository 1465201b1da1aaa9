// Quick fixes and the edits behind them, without a server: feature gating, and setting values in every style.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiagnosticSeverity, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { AlertDiagnosticData } from './alerts';
import { codeActions } from './code-actions';
import { codeLenses } from './codelens';
import { parseDocument } from './documents';
import { setValueEdit } from './yaml-edit';

const URI = 'file:///tmp/model.dynaxx.yaml';
const doc = (text: string) => parseDocument(TextDocument.create(URI, 'dynaxx', 1, text), true);
const apply = (text: string, edit: TextEdit | undefined): string => {
  assert.ok(edit, 'an edit');
  return TextDocument.applyEdits(TextDocument.create(URI, 'dynaxx', 1, text), [edit]);
};

const MODEL = 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 2 }\n';
const alert = (kind: AlertDiagnosticData['alertKind']): Diagnostic => ({
  range: { start: { line: 3, character: 6 }, end: { line: 3, character: 33 } },
  severity: DiagnosticSeverity.Warning,
  message: 'x',
  data: { kind: 'run-alert', runId: 'r', alertKind: kind, layerId: 'layers[0]' } satisfies AlertDiagnosticData,
});

test('stabilization is offered only once the feature has landed', () => {
  const titles = (landed: Parameters<typeof codeActions>[2]) => codeActions(doc(MODEL), [alert('grad-norm')], landed).map((a) => a.title);
  assert.deepEqual(titles(['train']), ['Lower the learning rate to 0.0001', 'Enable gradient clipping (train.clipNorm: 1.0)']);
  assert.deepEqual(titles(['train', 'stabilize']), [
    'Lower the learning rate to 0.0001', 'Enable gradient clipping (train.clipNorm: 1.0)', 'Enable stabilization for this stack (stabilize: auto)',
  ]);
  const stab = codeActions(doc(MODEL), [alert('grad-norm')], ['train', 'stabilize'])[2]!;
  assert.equal(apply(MODEL, stab.edit!.changes![URI]![0]), `${MODEL}stabilize: auto\n`);
  assert.equal(codeActions(doc(`${MODEL}stabilize: auto\n`), [alert('grad-norm')], ['train', 'stabilize']).length, 2);
});

test('alerts that are not about instability get no training fixes; clipping is not offered when on', () => {
  assert.deepEqual(codeActions(doc(MODEL), [alert('other')]), []);
  const clipped = doc(`${MODEL}train:\n  clipNorm: 0.5\n`);
  assert.deepEqual(codeActions(clipped, [alert('loss-spike')]).map((a) => a.title), ['Lower the learning rate to 0.0001', 'Enable stabilization for this stack (stabilize: auto)']);
  assert.deepEqual(codeActions(clipped, [alert('loss-spike')], ['train']).map((a) => a.title), ['Lower the learning rate to 0.0001']);
});

test('one action for several alerts lists every diagnostic', () => {
  const actions = codeActions(doc(MODEL), [alert('grad-norm'), alert('update-norm')]);
  assert.equal(actions.length, 3);
  assert.equal(actions[0]!.diagnostics!.length, 2);
});

test('lenses come only from landed features with a provider', () => {
  assert.equal(codeLenses(doc(MODEL)).length, 5);
  assert.deepEqual(codeLenses(doc(MODEL), []), []);
  assert.equal(codeLenses(doc(MODEL), ['train', 'route']).length, 1);
});

test('setValueEdit: replace, insert into block and flow mappings, shorthand, missing sections', () => {
  const lr = ['train', 'optimizer', 'lr'];
  const set = (text: string, path: string[], value: string) => apply(text, setValueEdit(doc(text), path, value));
  // replace in a flow mapping
  assert.equal(set('train:\n  optimizer: { type: adam, lr: 0.001 }\n', lr, '0.0001'), 'train:\n  optimizer: { type: adam, lr: 0.0001 }\n');
  // add to a flow mapping
  assert.equal(set('train:\n  optimizer: { type: sgd }\n', lr, '0.01'), 'train:\n  optimizer: { type: sgd, lr: 0.01 }\n');
  // shorthand scalar
  assert.equal(set('train:\n  optimizer: adamw # fast\n', lr, '1e-4'), 'train:\n  optimizer: { type: adamw, lr: 1e-4 } # fast\n');
  // block mappings, nested
  assert.equal(set('train:\n  optimizer:\n    type: adam\n  seed: 1\n', lr, '0.1'), 'train:\n  optimizer:\n    type: adam\n    lr: 0.1\n  seed: 1\n');
  assert.equal(set('train:\n  epochs: 3\nname: x\n', lr, '0.1'), 'train:\n  epochs: 3\n  optimizer:\n    lr: 0.1\nname: x\n');
  // section absent, at the end of a file without a final newline
  assert.equal(set('name: x', ['train', 'clipNorm'], '1.0'), 'name: x\ntrain:\n  clipNorm: 1.0');
  // empty value
  assert.equal(set('train:\nname: x\n', ['train', 'clipNorm'], '1.0'), 'train:\n  clipNorm: 1.0\nname: x\n');
  assert.equal(set('train:\n  clipNorm:\n', ['train', 'clipNorm'], '1.0'), 'train:\n  clipNorm: 1.0\n');
  // a flow section
  assert.equal(set('train: { epochs: 1 }\n', ['train', 'clipNorm'], '1.0'), 'train: { epochs: 1, clipNorm: 1.0 }\n');
  // the edited texts parse, with the value where it belongs
  const edited = set(`${MODEL}train:\n  optimizer: adam\n`, lr, '0.0001');
  assert.equal(doc(edited).result.model?.train.optimizer.lr, 0.0001);
});
