// The walkthrough's "Open an example model": the workspace's examples/fashion-mlp when there is one, else the
// example the extension ships, written once into the folder and never overwritten. Against the vscode stub.
import './test/register-vscode';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseModelText } from '../spec';
import { stub, Uri, workspace } from './test/vscode-stub';
import { BUNDLED_EXAMPLE, BUNDLED_NAME, exampleAction, openExample } from './walkthrough';

const root = join(__dirname, '..');

test('exampleAction: the repository example first, then the bundled one (opened if already written), untitled without a folder', () => {
  assert.deepEqual(exampleAction(undefined, () => true), { kind: 'untitled' });
  assert.deepEqual(exampleAction('/ws', (p) => p === join('/ws', 'examples', 'fashion-mlp.dynaxx.yaml')), { kind: 'open', path: join('/ws', 'examples', 'fashion-mlp.dynaxx.yaml') });
  assert.deepEqual(exampleAction('/ws', () => false), { kind: 'create', path: join('/ws', BUNDLED_NAME) });
  assert.deepEqual(exampleAction('/ws', (p) => p === join('/ws', BUNDLED_NAME)), { kind: 'open', path: join('/ws', BUNDLED_NAME) });
});

test('openExample writes the bundled example into an empty folder, opens it, and keeps an edited copy', async () => {
  stub.reset();
  const ws = mkdtempSync(join(tmpdir(), 'dynaxx-walkthrough-'));
  workspace.workspaceFolders = [{ uri: Uri.file(ws) }];
  await openExample(root);
  const written = join(ws, BUNDLED_NAME);
  assert.equal(readFileSync(written, 'utf8'), readFileSync(join(root, BUNDLED_EXAMPLE), 'utf8'));
  assert.equal(stub.shown.at(-1)?.uri.fsPath, written);
  writeFileSync(written, '# mine\n');
  await openExample(root);
  assert.equal(readFileSync(written, 'utf8'), '# mine\n', 'an existing file is not overwritten');

  mkdirSync(join(ws, 'examples'));
  writeFileSync(join(ws, 'examples', 'fashion-mlp.dynaxx.yaml'), 'name: fashion-mlp\n');
  await openExample(root);
  assert.equal(stub.shown.at(-1)?.uri.fsPath, join(ws, 'examples', 'fashion-mlp.dynaxx.yaml'), 'the repository example wins');
  assert.ok(existsSync(written));
});

test('the bundled example is a valid model that needs no dataset download', () => {
  const text = readFileSync(join(root, BUNDLED_EXAMPLE), 'utf8');
  const parsed = parseModelText(text, BUNDLED_NAME);
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.ok(parsed.model);
  assert.match(text, /source: synthetic/);
});
