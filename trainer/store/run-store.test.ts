import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PARETO_REPORT, type ReportName, type SweepResult } from '../../protocol/reports';
import { RunStore } from './run-store';
import { fakeModel, weightsForStep } from './fixtures/fake-data';
import { listEventFiles, readEventFile } from './tensorboard';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-runs-'));
const opts = { backend: 'cpu', device: 'test', totalSteps: 100 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

test('create, open (by id and unique prefix), list newest first, delete', () => {
  const root = path.join(tmp(), '.dynaxx', 'runs');
  const store = new RunStore(root);
  const model = fakeModel('My MLP / v2');
  const a = store.create(model, { ...opts, sourceText: 'name: mlp\n' });
  assert.match(a.id, /^\d{8}-\d{6}-my-mlp-v2-[0-9a-f]{4}$/);
  assert.equal(a.dir, path.join(root, a.id));
  const b = store.create(fakeModel('cnn'), { ...opts, name: 'second' });
  // same second: order by createdAt then id
  const m = a.meta();
  assert.equal(m.status, 'running');
  assert.equal(m.pid, process.pid);
  assert.equal(m.name, 'My MLP / v2');
  assert.equal(m.modelFile, model.file);
  assert.equal(fs.readFileSync(path.join(a.dir, 'model.dynaxx.yaml'), 'utf8'), 'name: mlp\n');
  assert.deepEqual(a.readSpec(), model);

  assert.equal(store.open(a.id).id, a.id);
  assert.equal(store.open(b.id.slice(0, -2)).id, b.id); // ids differ in their random tail
  assert.throws(() => store.open('20'), /ambiguous/);
  assert.throws(() => store.open('nope'), (e: Error) => e.message.includes('known runs:') && e.message.includes(a.id) && e.message.includes(b.id));
  assert.throws(() => store.open('../x'), /invalid run id/);

  const updated = a.updateMeta({ step: 50, best: { accuracy: 0.9 } });
  assert.equal(updated.step, 50);
  assert.ok(updated.updatedAt >= m.updatedAt);
  assert.deepEqual(store.open(a.id).meta().best, { accuracy: 0.9 });

  const list = store.list();
  assert.equal(list.length, 2);
  assert.ok(list[0].createdAt >= list[1].createdAt);
  assert.equal(new RunStore(root).list().length, 2);

  assert.throws(() => store.delete(a.id), /still running/);
  a.updateMeta({ status: 'completed', final: { accuracy: 0.91 } });
  store.delete(a.id);
  assert.deepEqual(store.ids(), [b.id]);
  store.delete(b.id, { force: true });
  assert.deepEqual(store.list(), []);
});

test('a running run whose pid is dead reads as interrupted; a broken run.json as corrupt', () => {
  const store = new RunStore(tmp());
  const run = store.create(fakeModel('m'), opts);
  run.updateMeta({ pid: deadPid() });
  assert.equal(store.open(run.id).meta().status, 'interrupted');
  assert.equal(store.list()[0].status, 'interrupted');
  run.updateMeta({ status: 'running', pid: process.pid }); // resumed
  assert.equal(store.list()[0].status, 'running');

  const broken = store.create(fakeModel('broken'), opts);
  fs.writeFileSync(path.join(broken.dir, 'run.json'), '{"id": "x", "stat');
  fs.mkdirSync(path.join(store.runsDir, 'no-meta-at-all')); // not a run: not listed
  const list = store.list();
  assert.equal(list.length, 2);
  const corrupt = list.filter((r) => r.status === 'corrupt');
  assert.deepEqual(corrupt.map((r) => r.id), [broken.id]);
  assert.match(corrupt[0].error!, /run\.json is damaged: not valid JSON/);
  assert.throws(() => store.open(broken.id).updateMeta({ step: 1 }), /cannot update run/);
  store.delete(broken.id);
});

test('metrics are buffered, flushed by the timer, and a torn last line is tolerated', async () => {
  const store = new RunStore(tmp(), { flushIntervalMs: 100 });
  const run = store.create(fakeModel('m'), opts);
  const file = path.join(run.dir, 'metrics.jsonl');
  // The first append after creation flushes only if the interval has passed; force a known state.
  run.flush();
  run.appendMetrics({ step: 1, time: 1, split: 'train', loss: 2.5 });
  run.appendMetrics({ step: 1, time: 1, split: 'validation', loss: NaN, accuracy: 0.5, phase: 'warmup' });
  assert.equal(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', '', 'records stay in memory until a flush');
  await sleep(250);
  assert.equal(fs.readFileSync(file, 'utf8').split('\n').length, 3, 'the timer flushed both records');

  // A writer killed mid-line leaves a torn tail: readers skip it...
  fs.appendFileSync(file, '{"step": 2, "time": 2, "spl');
  const recs = run.readMetrics();
  assert.equal(recs.length, 2);
  assert.ok(Number.isNaN(recs[1].loss as number));
  assert.equal(recs[1].phase, 'warmup');
  // ...and the next writer trims it before appending, so it never ends up mid-file.
  const again = store.open(run.id);
  again.appendMetrics({ step: 2, time: 2, split: 'train', loss: 1 });
  again.flush();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.deepEqual(lines.slice(-2), ['{"step":2,"time":2,"split":"train","loss":1}', '']);
  assert.equal(again.readMetrics().length, 3);

  for (let s = 3; s <= 10; s++) again.appendMetrics({ step: s, time: s, split: 'train', loss: 1 / s });
  again.truncateMetricsAfter(5);
  assert.deepEqual(again.readMetrics().map((r) => r.step), [1, 1, 2, 3, 4, 5]);
  again.appendMetrics({ step: 6, time: 6, split: 'train', loss: 0 });
  again.close();
  assert.deepEqual(again.readMetrics().map((r) => r.step), [1, 1, 2, 3, 4, 5, 6]);
  run.close();
});

test('alerts, reports and TensorBoard writers live in the run directory', () => {
  const store = new RunStore(tmp());
  const run = store.create(fakeModel('m'), opts);
  run.appendAlert({ kind: 'gradient-explosion', step: 3, layer: 'layers[2]' });
  // on disk at once, no flush needed
  assert.equal(fs.readFileSync(path.join(run.dir, 'alerts.jsonl'), 'utf8').trim().split('\n').length, 1);
  assert.deepEqual(run.readAlerts(), [{ kind: 'gradient-explosion', step: 3, layer: 'layers[2]' }]);

  // reports by the names of protocol/reports.ts only (a file name, a path or an unknown name is refused)
  const pareto = { points: [{ params: 10, accuracy: 0.8 }] } as unknown as SweepResult;
  run.writeReport(PARETO_REPORT, pareto);
  assert.ok(fs.existsSync(path.join(run.dir, 'reports', 'pareto.json')));
  assert.deepEqual(run.readReport(PARETO_REPORT), pareto);
  assert.deepEqual(run.listReports(), ['pareto']);
  for (const bad of ['../escape', 'pareto.json', 'nonsense']) {
    assert.throws(() => run.writeReport(bad as ReportName, {} as never), /invalid report name/, bad);
    assert.throws(() => run.readReport(bad as ReportName), /invalid report name/, bad);
  }

  run.eventWriter('train').scalar('loss', 1, 1);
  run.eventWriter('validation').scalar('loss', 2, 1);
  run.close();
  for (const split of ['train', 'validation']) {
    const [file] = listEventFiles(path.join(run.dir, 'tb', split));
    assert.equal(readEventFile(file).length, 2);
  }
  const info = run.writeCheckpoint(7, weightsForStep(7));
  assert.deepEqual(run.meta().checkpoint, { step: 7, dir: path.join('checkpoints', 'step-00000007') });
  assert.equal(run.readCheckpoint()!.dir, info.dir);
});

test('a trainer killed with SIGKILL leaves a readable, resumable run directory', async () => {
  const root = tmp();
  const script = path.join(import.meta.dirname, 'fixtures', 'crash-writer.ts');
  for (const killAfterCkpts of [3, 6]) {
    const child = spawn(process.execPath, ['--import', 'tsx', script, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`crash-writer exited early with ${code}: ${out}`)));
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/^ckpt /gm) ?? []).length >= killAfterCkpts) resolve();
      });
    });
    child.removeAllListeners('exit');
    // Kill at an arbitrary point of the next checkpoint cycle, then wait until the process is reaped.
    await sleep(Math.random() * 15);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    const id = /^run (\S+)$/m.exec(out)![1];
    const store = new RunStore(root);
    const run = store.open(id);
    const meta = run.meta();
    assert.equal(meta.status, 'interrupted');
    assert.ok(meta.checkpoint, 'run.json records a checkpoint');

    const ck = run.readCheckpoint()!;
    assert.ok(ck.step >= 5 && ck.step % 5 === 0);
    assert.deepEqual(ck.warnings, []);
    const want = weightsForStep(ck.step);
    for (const [i, a] of want.weights.entries()) assert.deepEqual(ck.weights[i].data, a.data);
    assert.deepEqual(ck.state, want.state);
    assert.ok(run.meta().checkpoint!.step <= ck.step);

    // Metrics up to the checkpoint were flushed before it was written; resuming drops the rest.
    const metrics = run.readMetrics();
    assert.ok(metrics.length >= ck.step);
    run.truncateMetricsAfter(ck.step);
    assert.deepEqual(run.readMetrics().map((r) => r.step), Array.from({ length: ck.step }, (_, i) => i + 1));
    for (const file of listEventFiles(path.join(run.dir, 'tb', 'train'))) readEventFile(file, { tolerateTruncatedTail: true });
    // keep: 2, and older checkpoints are deleted only after the new one is in place, so a kill between the rename
    // and the pruning leaves at most one extra; the next checkpoint written prunes back to 2
    const kept = () => fs.readdirSync(path.join(run.dir, 'checkpoints')).filter((n) => n.startsWith('step-')).length;
    assert.ok(kept() <= 3, `${kept()} checkpoints kept`);
    run.writeCheckpoint(ck.step + 5, weightsForStep(ck.step + 5), { keep: 2 });
    assert.equal(kept(), 2);
  }
  assert.equal(new RunStore(root).list().length, 2);
});
