// Code lenses, document symbols and document links over a real connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeLens, DocumentLink, DocumentSymbol } from 'vscode-languageserver';
import { LANDED_FEATURES, LensCommands } from '../protocol/lsp-ext';
import { fixture, FIXTURES, TestClient } from './test-client';

let client: TestClient;
let uri: string;
before(async () => {
  client = await TestClient.start({ debounceMs: 0 });
  uri = await client.open(fixture('residual.dynaxx.yaml'));
  await client.waitForDiagnostics(uri);
});
after(async () => { await client.stop(); });

test('code lenses: exactly the landed features, Train, Train stabilized, Discover subnetworks, Prune and Dashboard at the top', async () => {
  const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(LANDED_FEATURES, ['train', 'stabilize', 'discover', 'prune', 'dashboard', 'sweep']);
  assert.equal(lenses.length, 5);
  assert.deepEqual(lenses[0], {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    command: { title: '▶ Train', command: LensCommands.train, arguments: [{ uri }] },
  });
  assert.equal(lenses[1]!.command!.title, '▶ Train stabilized');
  assert.equal(lenses[1]!.command!.command, LensCommands.trainStabilized);
  assert.equal(lenses[2]!.command!.title, '◆ Discover subnetworks');
  assert.equal(lenses[2]!.command!.command, LensCommands.discover);
  assert.equal(lenses[3]!.command!.title, '✂ Prune (Pareto sweep)');
  assert.equal(lenses[3]!.command!.command, LensCommands.prune);
  assert.equal(lenses[4]!.command!.title, '📈 Dashboard');
  assert.equal(lenses[4]!.command!.command, LensCommands.openDashboard);
  const unlanded = Object.entries(LensCommands).filter(([k]) => !['train', 'trainStabilized', 'discover', 'prune', 'openDashboard'].includes(k)).map(([, v]) => v);
  assert.ok(!lenses.some((l) => unlanded.includes(l.command!.command as never)));
});

test('document symbols: sections, layers by id and type, residual bodies nested', async () => {
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.deepEqual(symbols.map((s) => s.name), ['name', 'data', 'model', 'train']);
  const layers = symbols.find((s) => s.name === 'model')!.children!.find((s) => s.name === 'layers')!.children!;
  assert.deepEqual(layers.map((s) => [s.name, s.detail]), [
    ['stem', 'dense [784] → [512]'],
    ['blocks[0..3]', 'residual ×4 [512] → [512]'],
    ['logits', 'dense [512] → [10]'],
  ]);
  const body = layers[1]!.children!;
  assert.deepEqual(body.map((s) => [s.name, s.detail]), [['blocks[k].norm', 'layerNorm [512] → [512]'], ['blocks[k].dense', 'dense [512] → [512]']]);
  assert.equal(body[1]!.range.start.line, 17);
  assert.equal(layers[1]!.range.end.line, 17);
});

test('document links: data.path and data.labels resolve against the file folder', async () => {
  const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: await client.open(fixture('links.dynaxx.yaml')) } });
  assert.deepEqual(links.map((l) => l.target), [
    pathToFileURL(`${FIXTURES}/data/features.npy`).href,
    pathToFileURL(`${FIXTURES}/data/labels.npy`).href,
  ]);
  // `  path: ./data/features.npy`, and the quoted labels without their quotes
  assert.deepEqual(links[0]!.range, { start: { line: 3, character: 8 }, end: { line: 3, character: 27 } });
  assert.deepEqual(links[1]!.range, { start: { line: 4, character: 11 }, end: { line: 4, character: 26 } });
});

test('a model.json model (read from disk): the modelJson link and its layers in the outline', async () => {
  const imported = await client.open(fixture('imported.dynaxx.yaml'));
  const { params } = await client.waitForDiagnostics(imported);
  assert.deepEqual(params.diagnostics, []);
  const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri: imported } });
  assert.deepEqual(links.map((l) => l.target), [pathToFileURL(`${FIXTURES}/keras/model.json`).href]);
  const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: imported } });
  const layers = symbols.find((s) => s.name === 'model')!.children!.find((s) => s.name === 'modelJson')!.children!;
  assert.deepEqual(layers.map((s) => [s.name, s.detail]), [['hidden', 'dense [784] → [64]'], ['logits', 'dense [64] → [10]']]);
});
