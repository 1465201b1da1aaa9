/** "Discover subnetworks" (the editor's lens, `dynaxx train --discover`): a file without a modularity block trains modular. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initBackend } from '../backend/backends';
import { startRun } from '../session';
import { RunStore } from '../store/run-store';
import type { ModularityReport } from './report';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-discover-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('modularity: on override widens the hidden layers, clusters during the run and stores the report', async () => {
  await initBackend('cpu');
  const file = join(dir, 'plain.dynaxx.yaml');
  const text = [
    'name: plain',
    'data: { source: synthetic, kind: two-task, samples: 1024, classes: 4, features: 16, validation: 0.2 }',
    'model:',
    '  input: [16]',
    '  layers:',
    '    - { type: dense, name: hidden, units: 16, activation: relu }',
    '    - { type: dense, name: logits, units: 8 }',
    'train: { steps: 60, batchSize: 32, seed: 3, backend: cpu }',
    '',
  ].join('\n');
  writeFileSync(file, text);
  const run = await startRun(file, { modularity: 'on' }, { runsDir: dir });
  assert.ok(run.model.modularity, 'the run is modular');
  assert.equal(run.model.layers[0]!.outputShape[0], 32, 'hidden widened 2x (the seed default)');
  const result = await run.run();
  assert.equal(result.status, 'completed');
  const stored = new RunStore(dir).open(run.runId);
  assert.match(readFileSync(join(run.runDir, 'model.dynaxx.yaml'), 'utf8'), /\nmodularity: on\n$/, 'the stored text says what ran');
  const report = stored.readReport('modularity') as ModularityReport;
  assert.equal(report.k, 16);
  assert.equal(report.layers.find((l) => l.id === 'hidden')!.labels.length, 32);
  assert.ok(report.subnetworks.every((s) => s.accuracyDrop.length === 2));
  const history = stored.readReport('modularity-history') as { clusterings: unknown[] };
  assert.ok(history.clusterings.length >= 1);

  // a file that has its own block keeps it
  const own = join(dir, 'own.dynaxx.yaml');
  writeFileSync(own, `${text}modularity: { subnetworks: 3, band: [2, 3], overparameterize: 1.5 }\n`);
  const run2 = await startRun(own, { modularity: 'on', steps: 1 }, { runsDir: dir });
  assert.equal(run2.model.modularity!.subnetworks, 3);
  assert.equal(run2.model.layers[0]!.outputShape[0], 24);
  await run2.run();
});
