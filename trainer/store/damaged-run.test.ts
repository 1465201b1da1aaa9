/**
 * A damaged run folder (spec.json, run.json, a report, every checkpoint, lines of metrics.jsonl that are not
 * records) gives a UserError that names the file and says what to do (the CLI prints it without a stack; the
 * trainer answers -32004), or is read around when the damage is only some lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SweepResult } from '../../protocol/reports';
import { UserError } from '../errors';
import { collectDashboardData } from '../report/collect';
import { RunStore } from './run-store';
import { fakeModel, weightsForStep } from './fixtures/fake-data';

const opts = { backend: 'cpu', device: 'test', totalSteps: 10 };
const newRun = () => {
  const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-damaged-')));
  return { store, run: store.create(fakeModel('m'), opts) };
};
const userError = (...patterns: RegExp[]) => (e: Error) => e instanceof UserError && patterns.every((p) => p.test(e.message));

test('a damaged or missing spec.json: which file, and start a new run', () => {
  const { store, run } = newRun();
  fs.writeFileSync(path.join(run.dir, 'spec.json'), '{"name": "m", "lay');
  assert.throws(() => run.readSpec(), userError(/spec\.json is damaged: not valid JSON/, /spec\.json\)/, /start a new run/));
  assert.throws(() => store.open(run.id).checkResumable(), userError(/spec\.json is damaged/));
  fs.writeFileSync(path.join(run.dir, 'spec.json'), 'null');
  assert.throws(() => run.readSpec(), userError(/spec\.json is damaged: not a resolved model/));
  fs.rmSync(path.join(run.dir, 'spec.json'));
  assert.throws(() => run.readSpec(), userError(/spec\.json is missing/));
});

test('a damaged run.json: the run cannot be resumed or updated, with a message, not a stack', () => {
  const { store, run } = newRun();
  fs.writeFileSync(path.join(run.dir, 'run.json'), '{"status": 7}');
  assert.throws(() => store.open(run.id).checkResumable(), userError(/run\.json is damaged/, /cannot be resumed/));
  assert.throws(() => run.updateMeta({ step: 3 }), userError(/cannot update run/, /run\.json is damaged/));
});

test('a damaged report is a UserError naming it', () => {
  const { run } = newRun();
  run.writeReport('pareto', { points: [] } as unknown as SweepResult);
  fs.writeFileSync(path.join(run.dir, 'reports', 'pareto.json'), '{"points": [');
  assert.throws(() => run.readReport('pareto'), userError(/reports\/pareto\.json is damaged/, /run the analysis again/));
});

test('every checkpoint damaged: no readable checkpoint, start a new run', () => {
  const { run } = newRun();
  run.writeCheckpoint(5, weightsForStep(5));
  const ck = path.join(run.dir, 'checkpoints', 'step-00000005');
  fs.writeFileSync(path.join(ck, 'weights.bin'), 'x');
  assert.throws(() => run.readCheckpoint(), userError(/no readable checkpoint/, /weights\.bin has 1 bytes/, /start a new run/));
  // a manifest that points outside its checkpoint is damage too
  fs.writeFileSync(path.join(ck, 'model.json'), JSON.stringify({ format: 'dynaxx-checkpoint', step: 5, weightsManifest: [{ paths: ['../../run.json'], weights: [] }] }));
  assert.throws(() => run.readCheckpoint(), userError(/names a data file outside the checkpoint/));
});

test('lines of metrics.jsonl that are not records (null, numbers, lists) are skipped by readers, resume and report', () => {
  const { store, run } = newRun();
  run.appendMetrics({ step: 1, time: 1, split: 'train', loss: 1 });
  run.appendMetrics({ step: 2, time: 2, split: 'train', loss: 0.5 });
  run.flush();
  const file = path.join(run.dir, 'metrics.jsonl');
  fs.appendFileSync(file, 'null\n42\n[1,2]\n"text"\ntrue\n');
  run.appendMetrics({ step: 3, time: 3, split: 'train', loss: 0.25 });
  run.flush();
  assert.deepEqual(run.readMetrics().map((r) => r.step), [1, 2, 3]);
  run.updateMeta({ status: 'completed', pid: undefined });
  const data = collectDashboardData(store.runsDir, [run.id]);
  assert.deepEqual(data.runs[0]!.metrics.map((r) => r.step), [1, 2, 3]);
  run.truncateMetricsAfter(2); // what a resume does
  assert.deepEqual(run.readMetrics().map((r) => r.step), [1, 2]);
  fs.appendFileSync(path.join(run.dir, 'layer-stats.jsonl'), 'null\n');
  assert.deepEqual(run.readLayerStats(), []);
  run.close();
});
