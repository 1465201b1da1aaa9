/**
 * One assembly for every run: start, resume and grow build their runs with assembleRun, so a hook the caller
 * passes reaches all three, and a grown run gets what any run of its model gets: layer statistics
 * (layer-stats.jsonl with `train.statsEvery > 0`) and monitor alerts (alerts.jsonl and the caller's onAlert).
 * A model that uses no technique is assembled with nothing added. Small data, cpu.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Alert } from '../../protocol/trainer';
import { parseModelText } from '../../spec';
import { loadDataset } from '../data/load';
import type { TrainingHook } from '../engine/hooks';
import { registerMonitor } from '../monitors/registry';
import { resumeRun, startRun } from '../session';
import { RunStore } from '../store/run-store';
import { startGrowth } from './grow';
import { statsParts } from './stats';
import { RUN_TECHNIQUES } from './techniques';

const PROBE_MONITOR = 'assemble-test-probe';
registerMonitor(PROBE_MONITOR, () => ({
  id: PROBE_MONITOR,
  check: (s) => [{ kind: 'other', step: s.step, severity: 'warning', message: `probe at step ${s.step}` }],
}));

const DATA = (tasks: string) => `data:
  source: synthetic
  kind: multi-task
  parts: 3
  samples: 2048
  classes: 4
  features: 48
${tasks}  validation: 0.1`;

const TRAIN = (extra: string) => `train:
  epochs: 2
  batchSize: 64
  optimizer: { type: adam, lr: 0.002 }
  seed: 1
  backend: cpu
${extra}`;

const LAYERS = `model:
  input: [48]
  layers:
    - { type: dense, name: hidden1, units: 32, activation: relu }
    - { type: dense, name: hidden2, units: 32, activation: relu }
    - { type: dense, name: logits, units: 8 }
`;

const MODULAR = `name: assemble-base
${DATA('  tasks: [t1, t2]\n')}
${LAYERS}${TRAIN('  statsEvery: 5\n')}modularity:
  subnetworks: 4
  band: [2, 6]
  alarms: [2, 8]
`;

const PLAIN = `name: assemble-plain
${DATA('  tasks: [t1, t2]\n')}
${LAYERS}${TRAIN('  steps: 30\n  checkpointEvery: 5\n')}`;

let dir: string;
let runsDir: string;
let parentId: string;
/** How often the probe hook ran, by the entry point that built the run (start, resume, grow). */
const probed = new Map<string, number>();
let current = '';
const probe: TrainingHook = { id: 'assemble-probe', every: 5, onStats: () => void probed.set(current, (probed.get(current) ?? 0) + 1) };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dynaxx-assemble-'));
  runsDir = join(dir, 'runs');
  const file = join(dir, 'base.dynaxx.yaml');
  writeFileSync(file, MODULAR);
  current = 'start';
  const run = await startRun(file, undefined, { runsDir, hooks: [probe] });
  const r = await run.run();
  assert.equal(r.status, 'completed', r.error);
  parentId = run.runId;
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('start, resume and grow take the same assembly: the caller\'s hook reaches all three', async () => {
  assert.ok((probed.get('start') ?? 0) > 0, 'a started run calls the hook');
  const file = join(dir, 'plain.dynaxx.yaml');
  writeFileSync(file, PLAIN);
  const controller = new AbortController();
  const stopAt10: TrainingHook = { id: 'stop', every: 10, onStats: () => controller.abort() };
  const first = await startRun(file, undefined, { runsDir, hooks: [stopAt10], signal: controller.signal });
  assert.equal((await first.run()).status, 'cancelled');
  current = 'resume';
  const resumed = await resumeRun(first.runId, { runsDir, hooks: [probe] });
  assert.ok(resumed.startStep > 0, 'resumed from its checkpoint');
  assert.equal((await resumed.run()).status, 'completed');
  assert.ok((probed.get('resume') ?? 0) > 0, 'a resumed run calls the hook');
  current = 'grow';
  const grown = await startGrowth(parentId, growthData(), { add: 1, steps: 12 }, { runsDir, hooks: [probe] });
  assert.equal((await grown.run()).status, 'completed');
  assert.ok((probed.get('grow') ?? 0) > 0, 'a grown run calls the hook (growth used to build its own loop without it)');
});

test('a grown run has layer statistics and monitor alerts', async () => {
  const alerts: Array<[string, Alert]> = [];
  const stats: string[] = [];
  const grown = await startGrowth(parentId, growthData(), { add: 2, steps: 15 }, {
    runsDir, monitors: [PROBE_MONITOR],
    events: { onAlert: (id, a) => alerts.push([id, a]), onLayerStats: (id) => stats.push(id) },
  });
  assert.equal(grown.model.train.statsEvery, 5, "the parent's statsEvery carries over to the grown model");
  const r = await grown.run();
  assert.equal(r.status, 'completed', r.error);
  const stored = new RunStore(runsDir).open(grown.runId);
  const layerStats = stored.readLayerStats();
  assert.deepEqual(layerStats.map((s) => s.step), [0, 5, 10], 'every 5 of its 15 steps');
  assert.ok(layerStats[0]!.layers.some((l) => l.layerId === 'hidden1'), 'per-layer statistics of the grown layers');
  assert.ok(stats.length === 3 && stats.every((id) => id === grown.runId), 'sent to the caller too');
  const storedAlerts = stored.readAlerts().filter((a) => a.kind === 'other');
  assert.equal(storedAlerts.length, 1, 'the monitor ran (its repeats within 100 steps dropped)');
  assert.ok(alerts.some(([id, a]) => id === grown.runId && a.kind === 'other'), 'alerts reach the caller');
  assert.ok(existsSync(join(grown.runDir, 'reports', 'growth.json')), "growth's own report is still written");
  assert.match(readFileSync(join(grown.runDir, 'model.dynaxx.yaml'), 'utf8'), /statsEvery: 5/);
});

test('a model that uses no technique is assembled with nothing added', () => {
  const model = parseModelText(PLAIN.replace('  checkpointEvery: 5\n', ''), join(dir, 'p.dynaxx.yaml')).model!;
  const dataset = loadDataset(model.data, { seed: 1, baseDir: dir });
  assert.deepEqual(statsParts(model, { runsDir }).hooks, []);
  for (const t of RUN_TECHNIQUES) assert.equal(t.forRun({ model, dataset, sourceText: undefined, log: () => {} }), undefined, t.id);
});

test('the run entry points build runs only through assembleRun', () => {
  const src = (p: string) => readFileSync(join(__dirname, p), 'utf8');
  for (const p of ['../session.ts', './grow.ts', './prune.ts', '../modularity/growth.ts']) {
    assert.doesNotMatch(src(p), /new TrainingLoop\(|\bwire\(/, `${p} builds no loop of its own`);
  }
  for (const p of ['../session.ts', './grow.ts']) assert.match(src(p), /assembleRun\(/, p);
  assert.equal(src('../session.ts').match(/assembleRun\(/g)?.length, 2, 'start and resume');
});

/** A growth data file: the parent's two tasks and one new one. */
function growthData(): string {
  const p = join(dir, 'grow.dynaxx.yaml');
  writeFileSync(p, `name: grow\n${DATA('  tasks: [t1, t2, t3]\n')}\n${LAYERS}${TRAIN('')}`);
  return p;
}
