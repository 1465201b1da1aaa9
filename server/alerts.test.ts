// Run alerts over a real connection: a diagnostic on the layer's line, quick fixes, clearing, stale layers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import type { RunAlertsParams } from '../protocol/lsp-ext';
import { fixture, TestClient } from './test-client';

let client: TestClient;
let uri: string;
const path = fixture('residual.dynaxx.yaml');
before(async () => {
  client = await TestClient.start({ debounceMs: 0 });
  uri = await client.open(path);
  await client.waitForDiagnostics(uri);
});
after(async () => { await client.stop(); });

const gradAlert = (runId: string, layerId = 'blocks[3].dense'): RunAlertsParams => ({
  uri, runId,
  alerts: [{ kind: 'grad-norm', step: 120, layerId, value: 5200, threshold: 310, severity: 'warning', message: 'exceeds 100× the median over layers' }],
});

test('an alert on blocks[3].dense becomes a diagnostic on that layer line, with value and threshold', async () => {
  const from = client.published.length;
  await client.notify('dynaxx/runAlerts', gradAlert('20261125-run'));
  const { params } = await client.waitForDiagnostics(uri, (d) => d.length === 1, from);
  const d = params.diagnostics[0]!;
  // line 18: `        - { type: dense, name: dense, units: 512, activation: gelu }`
  assert.equal(d.range.start.line, 17);
  assert.equal(d.range.end.line, 17);
  assert.equal(d.severity, 2);
  assert.equal(d.code, 'grad-norm');
  assert.equal(d.message, 'gradient norm 5.2e3 at step 120 (threshold 310) on blocks[3].dense: exceeds 100× the median over layers [run 20261125-run]');

  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.deepEqual(actions.map((a) => a.title), [
    'Lower the learning rate to 0.0001', 'Enable gradient clipping (train.clipNorm: 1.0)', 'Enable stabilization for this stack (stabilize: auto)',
  ]);
  assert.equal(actions[2]!.edit!.changes![uri]![0]!.newText.trim(), 'stabilize: auto', 'stabilize has landed');
  const lr = actions[0]!.edit!.changes![uri]![0]!;
  assert.equal(lr.newText, '0.0001');
  assert.deepEqual(lr.range.start.line, 21);
  const clip = actions[1]!.edit!.changes![uri]![0]!;
  assert.equal(clip.newText, '\n  clipNorm: 1.0');

  // an empty list clears that run's alerts
  const before = client.published.length;
  await client.notify('dynaxx/runAlerts', { uri, runId: '20261125-run', alerts: [] });
  const cleared = await client.waitForDiagnostics(uri, () => true, before);
  assert.deepEqual(cleared.params.diagnostics, []);
});

test('two runs keep their own alerts; a layer that no longer exists is dropped', async () => {
  const from = client.published.length;
  await client.notify('dynaxx/runAlerts', gradAlert('run-a', 'blocks[1].norm'));
  await client.notify('dynaxx/runAlerts', gradAlert('run-b', 'stem'));
  await client.waitForDiagnostics(uri, (d) => d.length === 2, from);

  // repeat: 4 -> 2: blocks[3] is gone, blocks[1] and stem stay
  const version = await client.change(uri, readFileSync(path, 'utf8').replace('repeat: 4', 'repeat: 2'));
  await client.notify('dynaxx/runAlerts', gradAlert('run-c', 'blocks[3].dense'));
  const { params } = await client.waitForDiagnostics(uri, (_, p) => p.version === version && p.diagnostics.length >= 2, client.published.length - 1);
  const msgs = params.diagnostics.map((d: Diagnostic) => d.message as string);
  assert.equal(msgs.length, 2, msgs.join('\n'));
  assert.ok(msgs.some((m) => m.includes('blocks[1].norm')) && msgs.some((m) => m.includes('on stem')));
  for (const runId of ['run-a', 'run-b', 'run-c']) await client.notify('dynaxx/runAlerts', { uri, runId, alerts: [] });
  await client.waitForDiagnostics(uri, (d) => d.length === 0, client.published.length - 1);
});

test('an alert without a layer (NaN loss) sits on train: and offers the same fixes', async () => {
  const from = client.published.length;
  await client.notify('dynaxx/runAlerts', { uri, runId: 'r', alerts: [{ kind: 'nan', step: 7, severity: 'error', message: 'training loss became NaN' }] });
  const { params } = await client.waitForDiagnostics(uri, (d) => d.length === 1, from);
  const d = params.diagnostics[0]!;
  assert.equal(d.range.start.line, 19);
  assert.equal(d.severity, 1);
  assert.match(d.message as string, /^NaN at step 7: training loss became NaN \[run r\]$/);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.equal(actions.length, 3);
  await client.notify('dynaxx/runAlerts', { uri, runId: 'r', alerts: [] });
});

test('a grouped alert is one diagnostic on its first layer, "and N more layers", the others as related information', async () => {
  const from = client.published.length;
  await client.notify('dynaxx/runAlerts', {
    uri, runId: 'g',
    alerts: [{
      kind: 'nan', step: 50, layerId: 'stem', value: 'NaN', severity: 'error', message: 'gradient norm of stem is NaN at step 50: training has diverged.',
      others: [{ layerId: 'blocks[0].dense', value: 'NaN' }, { layerId: 'logits', value: 'Infinity' }, { layerId: 'gone' }],
    }],
  });
  const { params } = await client.waitForDiagnostics(uri, (d) => d.length === 1, from);
  const d = params.diagnostics[0]!;
  assert.equal(d.range.start.line, 10);
  // a layer that no longer exists in the file is left out, as a lone alert on it would be
  assert.equal(d.message, 'NaN NaN at step 50 on stem and 2 more layers (blocks[0].dense, logits): gradient norm of stem is NaN at step 50: training has diverged. [run g]');
  assert.deepEqual(d.relatedInformation!.map((i) => [i.location.uri, i.location.range.start.line, i.message]), [
    [uri, 17, 'NaN NaN on blocks[0].dense at step 50'],
    [uri, 18, 'NaN Infinity on logits at step 50'],
  ]);
  await client.notify('dynaxx/runAlerts', { uri, runId: 'g', alerts: [] });
  await client.waitForDiagnostics(uri, (x) => x.length === 0, client.published.length - 1);
});

test('alerts of one kind and step on several layers, one per layer (an older alerts.jsonl), are grouped the same way', async () => {
  const from = client.published.length;
  const one = (layerId: string, value: number) => ({ kind: 'grad-norm' as const, step: 20, layerId, value, threshold: 40, severity: 'warning' as const, message: `gradient norm of ${layerId} is ${value}` });
  await client.notify('dynaxx/runAlerts', { uri, runId: 'old', alerts: [one('logits', 900), one('blocks[1].dense', 500), one('stem', 700), { ...one('stem', 80), step: 30 }] });
  const { params } = await client.waitForDiagnostics(uri, (d) => d.length === 2, from);
  const [first, second] = params.diagnostics;
  // the first in the file (stem) carries the group of step 20, whatever the order the alerts came in
  assert.equal(first!.range.start.line, 10);
  assert.match(first!.message as string, /^gradient norm 700 at step 20 \(threshold 40\) on stem and 2 more layers \(blocks\[1\]\.dense, logits\): gradient norm of stem is 700/);
  assert.deepEqual(first!.relatedInformation!.map((i) => i.message), ['gradient norm 500 on blocks[1].dense at step 20', 'gradient norm 900 on logits at step 20']);
  assert.equal(second!.relatedInformation, undefined);
  assert.match(second!.message as string, /^gradient norm 80 at step 30 \(threshold 40\) on stem: /);
  await client.notify('dynaxx/runAlerts', { uri, runId: 'old', alerts: [] });
  await client.waitForDiagnostics(uri, (x) => x.length === 0, client.published.length - 1);
});
