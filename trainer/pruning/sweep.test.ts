/** The pruning sweep end to end on a small model: every criterion × target is a smaller, fine-tuned model with its numbers. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadModelText } from '../../spec';
import { initBackend } from '../backend/backends';
import { readExport } from '../surgery/export';
import { RunStore } from '../store/run-store';
import { formatOutcome } from '../cli/prune-table';
import { runPrune } from '../run/prune';
import { PARETO_REPORT, ROUTING_REPORT } from './command';
import type { SweepResult } from './sweep';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-prune-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = `name: tiny
data: { source: synthetic, kind: blobs, samples: 1200, classes: 4, features: 16, validation: 0.2 }
model:
  input: [16]
  layers:
    - { type: dense, name: h1, units: 24, activation: relu }
    - { type: batchNorm }
    - { type: dense, name: h2, units: 16, activation: relu }
    - { type: dense, name: logits, units: 4 }
train: { epochs: 2, batchSize: 32, seed: 5, backend: cpu, optimizer: { type: adam, lr: 0.01 } }
prune:
  criteria: [random, l1, wanda, taylor, agf]
  targets: [50]
  finetuneSteps: 10
  scoreSteps: 12
  agfWindow: 6
  agfPhase: 3
  seeds: 2
  latencyBatch: 32
route: { target: 50, thresholds: 5 }
`;

test('dynaxx prune: a trained model file, five criteria at -50% FLOPs, two seeds, routing; results and exports stored', async () => {
  await initBackend('cpu');
  const file = join(dir, 'tiny.dynaxx.yaml');
  writeFileSync(file, MODEL);
  const logs: string[] = [];
  const out = await runPrune(file, {}, { runsDir: dir, events: { onLog: (_l, m) => logs.push(m) } });
  const s = out.sweep;
  assert.equal(s.points.length, 5 * 2);
  const dense = loadModelText(MODEL, file);
  for (const p of s.points) {
    assert.ok(p.flopReduction >= 0.5 - 1e-9, `${p.criterion}: ${p.flopReduction}`);
    assert.ok(p.flops < dense.flops && p.params < dense.params);
    assert.ok(p.accuracyMean > 0.25 && p.accuracyMean <= 1, `${p.criterion} accuracy ${p.accuracyMean}`);
    assert.ok(p.speedup > 0 && Number.isFinite(p.latencyMs));
    // every group keeps at least one channel, indices valid
    for (const [g, keep] of Object.entries(p.kept)) assert.ok(keep.length >= 1 && keep.every((c) => c >= 0 && c < (g === 'h1' ? 24 : 16)));
  }
  // one export per point, its model file is the pruned size
  const first = s.points.find((p) => p.criterion === 'l1' && p.seed === 5)!;
  const ex = readExport(join(out.runDir, 'export', 'pruned', 'l1-50-s5'));
  assert.equal(loadModelText(ex.yaml, file).params, first.params);
  // stability across the two seeds: random varies, magnitude is deterministic on the same weights only if training agrees
  assert.ok(s.stability.random!['50']! >= 0 && s.stability.random!['50']! <= 1);
  // routing: endpoints route none and all
  const r = out.routing!;
  assert.equal(r.points[0]!.shareFull, 0);
  assert.equal(r.points[r.points.length - 1]!.shareFull, 1);
  assert.ok(Math.abs(r.points[0]!.expectedCost - r.prunedCost) < 1e-9);
  // stored with the run
  const stored = new RunStore(dir).open(out.runId);
  assert.equal((stored.readReport(PARETO_REPORT) as SweepResult).points.length, 10);
  assert.ok(stored.readReport(ROUTING_REPORT));
  assert.ok(existsSync(join(out.runDir, 'export', 'pruned', 'agf-50-s6')));
  const text = formatOutcome(out);
  assert.match(text, /agf\s+\d+\.\d%/);
  assert.match(text, /no-loss point/);
  assert.ok(logs.some((l) => /dense reference/.test(l)));
});

test('bad targets and unknown criteria are user errors', async () => {
  const file = join(dir, 'bad.dynaxx.yaml');
  writeFileSync(file, MODEL);
  const runs = new RunStore(dir).list();
  const id = runs.find((x) => x.status === 'completed')!.id;
  await assert.rejects(runPrune(id, { targets: [100] }, { runsDir: dir }), /targets 100: prune.targets must be an integer in \[1, 99\]/);
  await assert.rejects(runPrune(id, { criteria: ['magnitude'] }, { runsDir: dir }), /magnitude/);
});

test('a cancelled sweep stops with an error and stores nothing new', async () => {
  const runs = new RunStore(dir).list();
  const id = runs.find((x) => x.status === 'completed')!.id;
  const controller = new AbortController();
  controller.abort();
  const before = new RunStore(dir).open(id).readReport(PARETO_REPORT) as SweepResult;
  await assert.rejects(runPrune(id, { criteria: ['l1'], targets: [50] }, { runsDir: dir, signal: controller.signal }), /cancel/);
  const after = new RunStore(dir).open(id).readReport(PARETO_REPORT) as SweepResult;
  assert.deepEqual(after.points.length, before.points.length, 'the stored sweep is untouched');
});

test('a model file with nothing to prune, or with character data, is refused before anything is trained', async () => {
  const unprunable = join(dir, 'routed.dynaxx.yaml');
  writeFileSync(unprunable, [
    'name: routed',
    'data: { source: synthetic, kind: blobs, samples: 256, classes: 3, features: 64, validation: 0.2, shape: [8, 8, 1] }',
    'model:',
    '  input: [8, 8, 1]',
    '  layers:',
    '    - { type: patchEmbed, patch: 2, dim: 8 }',
    '    - { type: dna, hops: 2, heads: 2 }',
    '    - { type: tokenPool }',
    '    - { type: dense, name: logits, units: 3 }',
    'train: { steps: 2, batchSize: 32, seed: 1, backend: cpu }',
    '',
  ].join('\n'));
  const runsDir = join(dir, 'refused-runs');
  await assert.rejects(runPrune(unprunable, {}, { runsDir }), /no layer can lose channels.*nothing was trained[\s\S]*logits:/);
  const text = join(dir, 'text.txt');
  writeFileSync(text, 'abc abd abe '.repeat(100));
  const char = join(dir, 'char.dynaxx.yaml');
  writeFileSync(char, [
    'name: char',
    `data: { source: text, path: ${text}, context: 8 }`,
    'model:',
    '  input: [8]',
    '  layers:',
    '    - { type: embedding, inputDim: 8, outputDim: 8 }',
    '    - { type: dense, units: 16, activation: relu }',
    '    - { type: dense, units: 6 }',
    'train: { steps: 2, batchSize: 8, seed: 1, backend: cpu }',
    '',
  ].join('\n'));
  await assert.rejects(runPrune(char, {}, { runsDir }), /one label per sample/);
  assert.equal(existsSync(runsDir) ? new RunStore(runsDir).list().length : 0, 0, 'no run was started');
});
