// Sweep files (`*.sweep.yaml`) over a real connection: the sweep's own errors where they are written, a point its
// value breaks on that value, the base model's errors on `model:`, the lenses with the point count (none while the
// file has errors), a model file's edit re-checks the sweep, and a hostile sweep stays one bounded error.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CodeLens, Diagnostic } from 'vscode-languageserver';
import { LensCommands } from '../protocol/lsp-ext';
import { ROOT, TestClient } from './test-client';

let client: TestClient;
let dir: string;
const MODEL = readFileSync(join(ROOT, 'examples', 'sweep-mlp.dynaxx.yaml'), 'utf8');
const GOOD = 'model: sweep-mlp.dynaxx.yaml\naxes:\n  train.optimizer.lr: [0.003, 0.001]\n  train.seed: [1, 2, 3]\n';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dynaxx-sweep-lsp-'));
  copyFileSync(join(ROOT, 'examples', 'sweep-mlp.dynaxx.yaml'), join(dir, 'sweep-mlp.dynaxx.yaml'));
  client = await TestClient.start({ debounceMs: 0, folders: [dir], init: { workspaceTrusted: true } });
});
after(async () => {
  await client.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function openSweep(name: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const uri = await client.open(path, text);
  const published = await client.waitForDiagnostics(uri);
  return { uri, diagnostics: published.params.diagnostics };
}

/** A diagnostic's message (plain text here). */
const message = (d: Diagnostic): string => d.message as string;
const lenses = (uri: string) => client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });

test('a valid sweep: no diagnostics, "Run sweep (N points)" and "Run on queue…" at the top, none of the model lenses', async () => {
  const { uri, diagnostics } = await openSweep('good.sweep.yaml', GOOD);
  assert.deepEqual(diagnostics, []);
  const got = await lenses(uri);
  assert.deepEqual(got.map((l) => [l.command!.title, l.command!.command, l.range.start.line]), [
    ['▶ Run sweep (6 points)', LensCommands.runSweep, 0],
    ['Run on queue…', LensCommands.runSweepOnQueue, 0],
  ]);
  assert.deepEqual(got[0]!.command!.arguments, [{ uri }]);
  // a model file keeps its own lenses and never gets the sweep's
  const model = await client.open(join(dir, 'sweep-mlp.dynaxx.yaml'));
  await client.waitForDiagnostics(model);
  const modelLenses = await lenses(model);
  assert.ok(modelLenses.some((l) => l.command!.command === LensCommands.train));
  assert.ok(!modelLenses.some((l) => l.command!.command === LensCommands.runSweep));
  // model-file features answer nothing in a sweep file
  assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 4 } }), null);
});

test('an unknown key: an error on the key with its did-you-mean, and no lens', async () => {
  const { uri, diagnostics } = await openSweep('typo.sweep.yaml', `${GOOD}metrik: loss\n`);
  assert.equal(diagnostics.length, 1);
  const d = diagnostics[0]!;
  assert.equal(d.code, 'unknown-key');
  assert.deepEqual(d.range, { start: { line: 4, character: 0 }, end: { line: 4, character: 6 } });
  assert.match(message(d), /unknown key 'metrik'.*did you mean 'metric'/);
  assert.deepEqual(await lenses(uri), []);
});

test('a poisoned value: one error on that axis value naming the point, and no lens', async () => {
  const text = 'model: sweep-mlp.dynaxx.yaml\naxes:\n  train.optimizer.lr: [0.003, -1]\n  train.seed: [1, 2]\n';
  const { uri, diagnostics } = await openSweep('poisoned.sweep.yaml', text);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  const d = diagnostics[0]!;
  assert.equal(d.code, 'sweep-point');
  const col = text.split('\n')[2]!.indexOf('-1');
  assert.deepEqual(d.range, { start: { line: 2, character: col }, end: { line: 2, character: col + 2 } });
  assert.match(message(d), /^point 2 \(train\.optimizer\.lr: -1, train\.seed: 1\): 'lr' must be a number > 0.*1 more point with this value fails too/);
  assert.deepEqual(await lenses(uri), []);
});

test('the base model\'s errors: one error on model:\'s value naming file:line:col; an edit of the open model file re-checks the sweep', async () => {
  const { uri } = await openSweep('base.sweep.yaml', GOOD);
  const model = await client.open(join(dir, 'sweep-mlp.dynaxx.yaml'));
  const from = client.published.length;
  await client.change(model, MODEL.replace('units: 64', 'unitz: 64'));
  const broken = await client.waitForDiagnostics(uri, (d) => d.length > 0, from);
  const d = broken.params.diagnostics[0]!;
  assert.equal(d.code, 'sweep-base-model');
  assert.deepEqual(d.range, { start: { line: 0, character: 7 }, end: { line: 0, character: 28 } });
  assert.match(message(d), /the base model sweep-mlp\.dynaxx\.yaml has \d+ errors?: sweep-mlp\.dynaxx\.yaml:11:\d+: /);
  assert.deepEqual(await lenses(uri), []);
  const again = client.published.length;
  await client.change(model, MODEL);
  await client.waitForDiagnostics(uri, (x) => x.length === 0, again);
  assert.equal((await lenses(uri)).length, 2);
});

test('hostile sweeps stay bounded: a huge file is one error at 1:1, a grid over the point cap is refused, a base model that is no model file is not read', async () => {
  const huge = await openSweep('huge.sweep.yaml', `model: sweep-mlp.dynaxx.yaml\n# ${"x".repeat(5 * 1024 * 1024)}\n`);
  assert.equal(huge.diagnostics.length, 1);
  assert.equal(huge.diagnostics[0]!.code, 'limit');
  assert.ok(message(huge.diagnostics[0]!).length < 400);

  const values = `[${Array.from({ length: 200 }, (_, i) => i + 1).join(', ')}]`;
  const bomb = await openSweep('bomb.sweep.yaml', `model: sweep-mlp.dynaxx.yaml\naxes:\n  train.seed: ${values}\n  train.steps: ${values}\n  train.batchSize: ${values}\n`);
  assert.ok(bomb.diagnostics.some((d) => d.severity === 1 && /points/.test(message(d))), JSON.stringify(bomb.diagnostics));
  assert.deepEqual(await lenses(bomb.uri), []);

  const secret = await openSweep('secret.sweep.yaml', 'model: /etc/passwd\naxes:\n  train.seed: [1, 2]\n');
  assert.equal(secret.diagnostics.length, 1);
  assert.match(message(secret.diagnostics[0]!), /must be a \*\.dynaxx\.yaml model file/);
  assert.doesNotMatch(message(secret.diagnostics[0]!), /root:/);
});

test('Restricted Mode: a base model outside the workspace folders is not read, and the error says why', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'dynaxx-sweep-outside-'));
  const inside = mkdtempSync(join(tmpdir(), 'dynaxx-sweep-ws-'));
  copyFileSync(join(ROOT, 'examples', 'sweep-mlp.dynaxx.yaml'), join(outside, 'm.dynaxx.yaml'));
  const restricted = await TestClient.start({ debounceMs: 0, folders: [inside], init: { workspaceTrusted: false } });
  try {
    const path = join(inside, 'r.sweep.yaml');
    const text = `model: ${join(outside, 'm.dynaxx.yaml')}\naxes:\n  train.seed: [1, 2]\n`;
    writeFileSync(path, text);
    const uri = await restricted.open(path, text);
    const d = (await restricted.waitForDiagnostics(uri)).params.diagnostics;
    assert.equal(d.length, 1);
    assert.equal(d[0]!.code, 'sweep-base-model');
    assert.match(message(d[0]!), /cannot read the base model .*Restricted Mode/);
  } finally {
    await restricted.stop();
    rmSync(outside, { recursive: true, force: true });
    rmSync(inside, { recursive: true, force: true });
  }
});
