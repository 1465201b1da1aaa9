/**
 * A DNA run end to end, as a user sees it: character tokens from a text file the test writes, a `dna` layer with the
 * compute loss, routing metrics in metrics.jsonl, reports/dna.json with the path statistics against the initial
 * weights, `dynaxx paths` printing the summary (and re-analysing a checkpoint), and a resumed run continuing the metrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DnaReport } from '../../protocol/dna';
import { initBackend } from '../backend/backends';
import { pathsCommand } from '../cli/paths';
import { startRun } from '../session';
import { RunStore } from '../store/run-store';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-dna-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small corpus with structure: words from a short list, spaces, digits, sentences ending with a period. */
function corpus(): string {
  const words = ['the', 'router', 'picks', 'a', 'module', 'for', 'every', 'token', 'and', 'skips', 'some', 'hops'];
  let s = 1;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: string[] = [];
  for (let i = 0; i < 1400; i++) {
    out.push(words[Math.floor(next() * words.length)]!);
    if (next() < 0.1) out.push(String(Math.floor(next() * 100)));
    if (next() < 0.08) out.push('.\n');
  }
  return out.join(' ');
}

test('a character-level DNA trains, reports its routing and prints path statistics', async () => {
  await initBackend('cpu');
  const text = join(dir, 'corpus.txt');
  writeFileSync(text, corpus());
  const vocab = new Set(readFileSync(text, 'utf8')).size;
  const file = join(dir, 'char.dynaxx.yaml');
  writeFileSync(file, [
    'name: char-dna-test',
    `data: { source: text, path: ${text}, context: 16, validation: 0.1 }`,
    'model:',
    '  input: [16]',
    '  layers:',
    `    - { type: embedding, name: embed, inputDim: ${vocab}, outputDim: 16 }`,
    '    - { type: dna, name: dna, hops: 3, attention: 1, mlp: 2, identity: 1, heads: 2, mlpRatio: 2, causal: true, computeWeight: 0.1 }',
    `    - { type: dense, name: logits, units: ${vocab} }`,
    'train: { steps: 40, batchSize: 16, seed: 5, backend: cpu, optimizer: { type: adam, lr: 0.003 } }',
    '',
  ].join('\n'));
  const run = await startRun(file, undefined, { runsDir: dir, logEvery: 10 });
  const result = await run.run();
  assert.equal(result.status, 'completed', result.error);

  const records = readFileSync(join(run.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
  const trainRecs = records.filter((r) => r.split === 'train');
  assert.ok(trainRecs.length >= 4);
  for (const r of trainRecs) {
    assert.ok((r.flopsPerSample as number) > 0 && (r.flopsShare as number) > 0 && (r.flopsShare as number) <= 1, `routing metrics in ${JSON.stringify(r)}`);
    assert.ok((r.droppedShare as number) >= 0 && (r.identityShare as number) >= 0);
  }

  const report = new RunStore(dir).open(run.runId).readReport('dna') as DnaReport;
  assert.equal(report.step, 40);
  assert.equal(report.tokensPerSample, 16);
  assert.ok(report.flopsPerSample > 0 && report.flopsPerSample <= report.boundFlopsPerSample);
  const [layer] = report.layers;
  assert.equal(layer!.layerId, 'dna');
  assert.deepEqual(layer!.modules.map((m) => m.label), ['attn0', 'mlp0', 'mlp1', 'skip']);
  assert.equal(layer!.modules[3]!.flopsPerToken, 0);
  for (const stats of [layer!.trained, layer!.random]) {
    assert.equal(stats.tokens, report.samples * 16);
    assert.equal(stats.usage.length, 3);
    // top-1: every token's one choice is either processed or dropped by capacity
    stats.usage.forEach((hop, h) => assert.ok(Math.abs(hop.reduce((a, b) => a + b, 0) + stats.dropped[h]! - 1) < 1e-9, `hop ${h}: usage + dropped = 1`));
    assert.ok(stats.distinctPaths >= 1 && stats.topPaths.length >= 1);
    assert.deepEqual(stats.associations.map((a) => a.by), ['char', 'char type']);
  }
  // the analysis ran on different weights: trained and initial routings differ somewhere
  assert.notDeepEqual(layer!.trained.usage, layer!.random.usage);

  const printed = await pathsCommand(dir, run.runId, {});
  assert.match(printed, /dna: 3 hops, top-1 of attn0 mlp0 mlp1 skip/);
  assert.match(printed, /NMI\(path, char type\)/);
  assert.match(printed, /random init/);
  const again = JSON.parse(await pathsCommand(dir, run.runId, { analyze: true, json: true })) as DnaReport;
  assert.deepEqual(again.layers[0]!.trained.usage, layer!.trained.usage, 're-analysing the last checkpoint gives the stored statistics');
});

test('dynaxx paths on a run without routed layers says so', async () => {
  await initBackend('cpu');
  const file = join(dir, 'plain.dynaxx.yaml');
  writeFileSync(file, [
    'name: plain',
    'data: { source: synthetic, kind: blobs, samples: 256, classes: 3, features: 8, validation: 0.2 }',
    'model: { input: [8], layers: [{ type: dense, units: 3 }] }',
    'train: { steps: 2, batchSize: 32, seed: 1, backend: cpu }',
    '',
  ].join('\n'));
  const run = await startRun(file, undefined, { runsDir: dir });
  await run.run();
  await assert.rejects(pathsCommand(dir, run.runId, {}), /has no dna or moe layer/);
});
