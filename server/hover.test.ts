// Hovers over a real connection: layer shapes, parameters and FLOPs; repeated blocks; key docs; live run stats.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Hover, MarkupContent } from 'vscode-languageserver';
import type { RunStatsParams } from '../protocol/lsp-ext';
import { fixture, TestClient } from './test-client';

let client: TestClient;
let uri: string;
before(async () => {
  client = await TestClient.start({ debounceMs: 0 });
  uri = await client.open(fixture('residual.dynaxx.yaml'));
  await client.waitForDiagnostics(uri);
});
after(async () => { await client.stop(); });

const hoverAt = async (line: number, character: number): Promise<string> => {
  const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  return h ? (h.contents as MarkupContent).value : '';
};

test('a dense layer shows its type, id, shapes, parameters and FLOPs', async () => {
  // line 11: `    - { type: dense, name: stem, units: 512, activation: relu }`, on the value `dense`
  const text = await hoverAt(10, 16);
  assert.match(text, /\*\*dense\*\* `stem`/);
  assert.match(text, /\[784\] → \[512\]/);
  assert.match(text, /401,920 \(402K\) params/); // 784·512 + 512
  assert.match(text, /803,840 \(804K\) FLOPs/); // 2·784·512 + 512 + relu 512
});

test('a residual block shows its repeat count and totals', async () => {
  const text = await hoverAt(12, 8); // `      name: blocks`
  assert.match(text, /\*\*residual\*\* `blocks\[0\.\.3\]` · repeat 4 · scale 0\.5/);
  assert.match(text, /each: \[512\] → \[512\] · 263,680/);
  assert.match(text, /total: 1,054,720 \(1\.05M\) params/);
});

test('a key shows its description from the schema', async () => {
  const text = await hoverAt(20, 3); // `  epochs: 2`
  assert.match(text, /`epochs`: Passes over the training set/);
});

test('while a run is live, the hover shows its latest per-layer statistics', async () => {
  const stats: RunStatsParams = {
    uri, runId: 'run-42', step: 120, status: 'running',
    layers: [
      { layerId: 'blocks[0].dense', gradNorm: 0.5, updateNorm: 0.001, weightNorm: 12.5, activationMean: 0, activationVar: 1.25 },
      { layerId: 'blocks[3].dense', gradNorm: 5200, updateNorm: 0.25, weightNorm: 13, activationMean: 0, activationVar: 40 },
    ],
  };
  await client.notify('dynaxx/runStats', stats);
  const text = await hoverAt(17, 20); // the body's dense layer
  assert.match(text, /Run run-42, step 120/);
  assert.match(text, /\| `blocks\[0\]\.dense` \| 0\.5 \| 0\.001 \| 12\.5 \| 1\.25 \|/);
  assert.match(text, /`blocks\[3\]\.dense` \(largest grad norm\) \| 5\.2e3/);

  await client.notify('dynaxx/runStats', { ...stats, status: 'completed' });
  assert.doesNotMatch(await hoverAt(17, 20), /Run run-42/);
});

test('while the file has errors, hovers use the last model without errors', async () => {
  const text = readFileSync(fixture('residual.dynaxx.yaml'), 'utf8');
  const version = await client.change(uri, text.replace('units: 10 }', 'units: 10, unitz: 3 }'));
  await client.waitForDiagnostics(uri, (_, p) => p.version === version);
  const hover = await hoverAt(10, 16);
  assert.match(hover, /\[784\] → \[512\]/);
  assert.match(hover, /last version of the file without errors/);
  await client.change(uri, text);
});
