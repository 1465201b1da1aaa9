// Diagnostics over a real connection: an unknown key with its did-you-mean and quick fix; edits re-publish.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { fixture, TestClient } from './test-client';

let client: TestClient;
before(async () => { client = await TestClient.start({ debounceMs: 50 }); });
after(async () => { await client.stop(); });

test('an unknown key is reported at its 0-based range with a did-you-mean and a quick fix', async () => {
  const uri = await client.open(fixture('unknown-key.dynaxx.yaml'));
  const { params } = await client.waitForDiagnostics(uri);
  assert.equal(params.version, 1);
  assert.equal(params.diagnostics.length, 1);
  const d = params.diagnostics[0]!;
  // line 13 of the file: `      activaton: relu`
  assert.deepEqual(d.range, { start: { line: 12, character: 6 }, end: { line: 12, character: 15 } });
  assert.equal(d.source, 'dynaxx');
  assert.equal(d.code, 'unknown-key');
  assert.match(d.message as string, /did you mean 'activation'/);
  assert.deepEqual(d.data, { kind: 'spec', suggestion: 'activation' });

  const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] },
  });
  assert.equal(actions.length, 1);
  assert.equal(actions[0]!.title, "Change to 'activation'");
  assert.deepEqual(actions[0]!.edit!.changes![uri], [{ range: d.range, newText: 'activation' }]);
});

test('an unknown value gets its suggestion too', async () => {
  const text = readFileSync(fixture('unknown-key.dynaxx.yaml'), 'utf8').replaceAll('activaton', 'activation').replace('source: synthetic', 'source: synthetc');
  const uri = await client.open(fixture('unknown-value.dynaxx.yaml'), text);
  const { params } = await client.waitForDiagnostics(uri);
  const d = params.diagnostics.find((x) => x.code === 'unknown-value')!;
  assert.deepEqual(d.range, { start: { line: 3, character: 10 }, end: { line: 3, character: 18 } });
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.equal(actions[0]!.edit!.changes![uri]![0]!.newText, 'synthetic');
});

test('didChange re-publishes after the debounce, for the new version', async () => {
  const path = fixture('unknown-key.dynaxx.yaml');
  const uri = await client.open(path);
  await client.waitForDiagnostics(uri, (d) => d.length === 1);
  const from = client.published.length;
  const t0 = performance.now();
  const version = await client.change(uri, readFileSync(path, 'utf8').replaceAll('activaton', 'activation'));
  const fixed = await client.waitForDiagnostics(uri, (_, p) => p.version === version, from);
  assert.deepEqual(fixed.params.diagnostics, []);
  const elapsed = fixed.at - t0;
  assert.ok(elapsed >= 40 && elapsed < 2000, `published after ${elapsed.toFixed(0)} ms (debounce 50 ms)`);

  // several quick edits: one parse, for the last version
  const before = client.published.length;
  let last = 0;
  for (const word of ['activ', 'activat', 'activaton']) last = await client.change(uri, readFileSync(path, 'utf8').replaceAll('activaton', word));
  const broken = await client.waitForDiagnostics(uri, (_, p) => p.version === last, before);
  assert.equal(broken.params.diagnostics.length, 1);
  const between = client.published.slice(before).filter((p) => p.params.uri === uri);
  assert.equal(between.length, 1, 'edits within the debounce are parsed once');
});

test('a YAML error is a diagnostic, and the server reports itself quiescent when idle', async () => {
  const uri = await client.open(fixture('broken.dynaxx.yaml'), 'model:\n  input: [4\n  layers: []\n');
  const { params } = await client.waitForDiagnostics(uri);
  assert.ok(params.diagnostics.some((d: Diagnostic) => d.code === 'yaml'));
  const status = client.statuses[client.statuses.length - 1]!;
  assert.equal(status.health, 'ok');
  assert.equal(status.quiescent, true);
});
