// Completion over a real connection: a layer's keys follow its type; enum values with their docs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CompletionItem, CompletionList, MarkupContent } from 'vscode-languageserver';
import { fixture, TestClient } from './test-client';

let client: TestClient;
before(async () => { client = await TestClient.start({ debounceMs: 0 }); });
after(async () => { await client.stop(); });

const TEXT = `model:
  input: [16]
  layers:
    - type: dense
      units: 8
      
    - type: conv2d
      activation: 
train:
  optimizer: { type: adam, lr: 0.01 }
  
`;

async function complete(uri: string, line: number, character: number): Promise<CompletionItem[]> {
  const r = await client.request<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
  return Array.isArray(r) ? r : r?.items ?? [];
}

test('inside a dense layer: its keys not yet written, with documentation', async () => {
  const uri = await client.open(fixture('completion.dynaxx.yaml'), TEXT.replace('units: 8', 'name: h'));
  const labels = (await complete(uri, 5, 6)).map((i) => i.label);
  assert.ok(labels.includes('units'), labels.join());
  assert.ok(labels.includes('activation'));
  assert.ok(labels.includes('useBias'));
  assert.ok(!labels.includes('type') && !labels.includes('name'), 'keys already present are left out');
  assert.ok(!labels.includes('filters'), 'conv2d keys are not offered in a dense layer');
  const units = (await complete(uri, 5, 6)).find((i) => i.label === 'units')!;
  assert.match((units.documentation as MarkupContent).value, /output features/);
});

test('a partial key completes to the keys of the layer type', async () => {
  const uri = await client.open(fixture('completion2.dynaxx.yaml'), TEXT.replace('units: 8', 'name: h').replace('      \n', '      un\n'));
  const items = await complete(uri, 5, 8);
  const units = items.find((i) => i.label === 'units');
  assert.ok(units, items.map((i) => i.label).join());
  assert.deepEqual(units.textEdit, { range: { start: { line: 5, character: 6 }, end: { line: 5, character: 8 } }, newText: 'units: ' });
});

test('after `activation:` the activations, and layer types after `type:`', async () => {
  const uri = await client.open(fixture('completion3.dynaxx.yaml'), TEXT);
  const acts = (await complete(uri, 7, 18)).map((i) => i.label);
  for (const a of ['relu', 'gelu', 'linear', 'softmax', 'leakyRelu']) assert.ok(acts.includes(a), acts.join());
  const types = await complete(uri, 3, 12);
  assert.ok(types.some((i) => i.label === 'residual'));
  const dense = types.find((i) => i.label === 'dense')!;
  assert.match((dense.documentation as MarkupContent).value, /Fully connected/);
});

test('top-level, train and flow-mapping keys; optimizer types', async () => {
  const uri = await client.open(fixture('completion4.dynaxx.yaml'), TEXT);
  const top = (await complete(uri, 11, 0)).map((i) => i.label);
  assert.deepEqual(top.sort(), ['data', 'dna', 'modularity', 'name', 'prune', 'route', 'stabilize'].sort());
  const train = (await complete(uri, 10, 2)).map((i) => i.label);
  assert.ok(train.includes('clipNorm') && train.includes('batchSize') && !train.includes('optimizer'), train.join());
  // inside `{ type: adam, lr: 0.01 }`: the optimizer's keys; and its `type:` values
  const line = TEXT.split('\n')[9]!;
  const flow = (await complete(uri, 9, line.indexOf('lr'))).map((i) => i.label);
  assert.ok(flow.includes('beta1') && flow.includes('weightDecay'), flow.join());
  const types = (await complete(uri, 9, line.indexOf('adam') + 4)).map((i) => i.label);
  assert.deepEqual(types, ['sgd', 'momentum', 'adam', 'adamw']);
});
