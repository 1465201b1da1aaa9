// Restricted Mode over a real connection: `modelJson:` outside the workspace folders (directly or through a
// symbolic link) is refused with what to do; trust granted later, or the folder added, lets it through; no
// diagnostic or hover ever shows the bytes of a file that is not JSON; an open model.json wins over the disk.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, Hover, MarkupContent } from 'vscode-languageserver';
import { fixture, TestClient } from './test-client';

const SECRET = 'SECRET-TOKEN-8472';
let dir: string;
let ws: string;
let outside: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dynaxx-restricted-'));
  ws = join(dir, 'ws');
  outside = join(dir, 'outside');
  mkdirSync(join(ws, 'keras'), { recursive: true });
  mkdirSync(outside);
  copyFileSync(fixture('keras/model.json'), join(ws, 'keras', 'model.json'));
  copyFileSync(fixture('keras/model.json'), join(outside, 'model.json'));
  symlinkSync(join(outside, 'model.json'), join(ws, 'link.json'));
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const model = (target: string): string => `name: m\nmodel:\n  modelJson: ${target}\ntrain: { epochs: 1 }\n`;
const open = (client: TestClient, name: string, target: string): Promise<string> => client.open(join(ws, `${name}.dynaxx.yaml`), model(target));
/** The hovers on `modelJson` and on its value. */
const hoverText = async (client: TestClient, uri: string): Promise<string> => {
  const at = (character: number) => client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 2, character } });
  const hovers = await Promise.all([at(4), at(16)]);
  return hovers.map((h) => (h ? (h.contents as MarkupContent).value : '')).join('\n');
};
const modelJsonError = (diagnostics: Diagnostic[]): Diagnostic | undefined => diagnostics.find((d) => d.code === 'model-json');

test('in Restricted Mode, modelJson outside the workspace folders is refused with what to do, until trust is granted', async () => {
  const client = await TestClient.start({ debounceMs: 0, folders: [ws] });
  try {
    const inside = await open(client, 'inside', './keras/model.json');
    assert.deepEqual((await client.waitForDiagnostics(inside)).params.diagnostics, []);

    const out = await open(client, 'outside', '../outside/model.json');
    const refused = modelJsonError((await client.waitForDiagnostics(out)).params.diagnostics);
    assert.match(refused!.message as string, /cannot read \.\.\/outside\/model\.json: it is outside the workspace folders, and in Restricted Mode/);
    assert.match(refused!.message as string, /trust the workspace/);

    const link = await open(client, 'link', './link.json');
    assert.match(modelJsonError((await client.waitForDiagnostics(link)).params.diagnostics)!.message as string, /outside the workspace folders/);

    const secret = await open(client, 'secret', '../outside/secret.txt');
    const d = modelJsonError((await client.waitForDiagnostics(secret)).params.diagnostics)!;
    assert.doesNotMatch(d.message as string, /SECRET/);
    assert.doesNotMatch(await hoverText(client, secret), /SECRET/);

    // trust granted: every open model is checked again
    const from = client.published.length;
    await client.notify('dynaxx/workspaceTrust', { trusted: true });
    assert.deepEqual((await client.waitForDiagnostics(out, () => true, from)).params.diagnostics, []);
    assert.deepEqual((await client.waitForDiagnostics(link, () => true, from)).params.diagnostics, []);
    const notJson = modelJsonError((await client.waitForDiagnostics(secret, () => true, from)).params.diagnostics)!;
    assert.match(notJson.message as string, /not valid JSON \(its contents are not shown\)/);
    assert.doesNotMatch(notJson.message as string, /SECRET/);
    assert.doesNotMatch(await hoverText(client, secret), /SECRET/);
  } finally {
    await client.stop();
  }
});

test('in Restricted Mode, a workspace folder added later may be read', async () => {
  const client = await TestClient.start({ debounceMs: 0, folders: [ws] });
  try {
    const out = await open(client, 'outside', '../outside/model.json');
    assert.ok(modelJsonError((await client.waitForDiagnostics(out)).params.diagnostics));
    const from = client.published.length;
    await client.notify('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: pathToFileURL(outside).href, name: 'outside' }], removed: [] } });
    assert.deepEqual((await client.waitForDiagnostics(out, () => true, from)).params.diagnostics, []);
  } finally {
    await client.stop();
  }
});

test('an open model.json wins over the file on disk', async () => {
  const client = await TestClient.start({ debounceMs: 0, folders: [ws] });
  try {
    const jsonPath = join(ws, 'keras', 'model.json');
    await client.open(jsonPath, readFileSync(jsonPath, 'utf8').replace('"units": 64', '"units": 48'));
    const uri = await open(client, 'edited', './keras/model.json');
    assert.deepEqual((await client.waitForDiagnostics(uri)).params.diagnostics, []);
    const symbols = await client.request<Array<{ name: string; children?: Array<{ name: string; children?: Array<{ name: string; detail?: string }> }> }>>('textDocument/documentSymbol', { textDocument: { uri } });
    const layers = symbols.find((s) => s.name === 'model')!.children!.find((s) => s.name === 'modelJson')!.children!;
    assert.match(layers.find((l) => l.name === 'hidden')!.detail!, /\[48\]/);
  } finally {
    await client.stop();
  }
});
