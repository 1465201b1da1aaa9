/**
 * `dynaxx sweep` end to end with the embedded local pool (no Redis): every point a normal run tagged with the
 * sweep; a poisoned point fails alone with its position in the sweep file; a driver killed mid-sweep is picked up
 * with `--attach`, finished points kept and the interrupted one resumed from its checkpoint (never trained twice);
 * and the example sweep on a BullMQ queue served by two `dynaxx worker` processes gives the local pool's table.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SweepRecord } from '../protocol/sweep';
import { blobsModel, exited, ROOT, runCli, spawnCli, tempDir, waitFor } from './helpers';
import { RedisServer, redisSkipReason } from '../bench/sweep/redis-server';

function sweepDir(o: { steps?: number; axes?: string; checkpointEvery?: number } = {}) {
  const dir = tempDir('dynaxx-sweep-');
  writeFileSync(join(dir, 'blobs.dynaxx.yaml'), blobsModel({ steps: o.steps ?? 40, checkpointEvery: o.checkpointEvery ?? 20 }));
  const file = join(dir, 'tiny.sweep.yaml');
  writeFileSync(file, `# a tiny sweep\nname: tiny\nmodel: blobs.dynaxx.yaml\naxes:\n${o.axes ?? '  train.optimizer.lr: [0.01, 0.003]\n  train.seed: [1, 2]\n'}metric: { name: valAccuracy, goal: max }\n`);
  return { dir, file, runs: join(dir, 'runs') };
}

function runMetas(runs: string): Array<{ id: string; status: string; sweep?: { id: string; point: number; job: string }; final?: Record<string, number> }> {
  if (!existsSync(runs)) return [];
  // a run's folder exists a moment before its run.json (the store writes it next): such a run is not there yet
  return readdirSync(runs).filter((n) => !n.startsWith('.') && existsSync(join(runs, n, 'run.json'))).map((id) => JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8')));
}

function record(runs: string): SweepRecord {
  const ids = readdirSync(join(runs, '.sweeps'));
  assert.equal(ids.length, 1);
  return JSON.parse(readFileSync(join(runs, '.sweeps', ids[0]!, 'sweep.json'), 'utf8')) as SweepRecord;
}

test('a local sweep: every point once, each run tagged with the sweep, the tables at the end', () => {
  const s = sweepDir();
  const r = runCli(['sweep', s.file, '--runs-dir', s.runs, '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  const metas = runMetas(s.runs);
  assert.equal(metas.length, 4);
  const rec = record(s.runs);
  assert.equal(rec.status, 'completed');
  assert.deepEqual(metas.map((m) => m.sweep!.point).sort(), [0, 1, 2, 3]);
  for (const m of metas) {
    assert.equal(m.status, 'completed');
    assert.equal(m.sweep!.id, rec.def.id);
  }
  for (const p of rec.results) assert.equal(typeof p.metric, 'number', `point ${p.point} has its metric`);
  assert.match(r.stdout, /Per axis/);
  assert.match(r.stdout, /lr\s+0\.01\s/);
  // the report again, from the stored record
  const rep = runCli(['sweep', '--report', rec.def.id, '--runs-dir', s.runs, '--json']);
  assert.equal(rep.code, 0, rep.stderr);
  const j = JSON.parse(rep.stdout) as { report: string };
  assert.match(readFileSync(j.report, 'utf8'), /<html/i);
});

test('a poisoned point fails alone, with its place in the sweep file; the others run', () => {
  const s = sweepDir({ axes: '  train.optimizer.lr: [0.01, -1]\n' });
  const r = runCli(['sweep', s.file, '--runs-dir', s.runs]);
  assert.equal(r.code, 1);
  const rec = record(s.runs);
  const bad = rec.results.find((p) => p.point === 1)!;
  assert.equal(bad.status, 'failed');
  assert.match(bad.error!, /tiny\.sweep\.yaml:5:\d+: .*lr/);
  assert.equal(rec.results.find((p) => p.point === 0)!.status, 'completed');
  assert.equal(runMetas(s.runs).length, 1, 'the poisoned point never started a run');
  assert.match(r.stdout, /failed/);
});

test('a bad sweep file: file:line:col and exit 2, nothing run', () => {
  const s = sweepDir();
  writeFileSync(s.file, 'model: blobs.dynaxx.yaml\naxes:\n  train.optimizer.lrr: [0.1]\n');
  const r = runCli(['sweep', s.file, '--runs-dir', s.runs]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /tiny\.sweep\.yaml:3:\d+: error: .*did you mean 'train\.optimizer\.lr'/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('the driver killed mid-sweep: --attach finishes it, nothing trained twice', async () => {
  const s = sweepDir({ steps: 120, checkpointEvery: 10, axes: '  train.seed: [1, 2, 3]\n' });
  const driver = spawnCli(['sweep', s.file, '--runs-dir', s.runs, '--workers', '1']);
  let err = '';
  driver.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  // kill it while point 1 runs, past a checkpoint
  await waitFor(() => /point 1 running/.test(err), 120_000, 'point 1 to start');
  await waitFor(() => runMetas(s.runs).some((m) => m.sweep?.point === 1 && (JSON.parse(readFileSync(join(s.runs, m.id, 'run.json'), 'utf8')) as { checkpoint?: unknown }).checkpoint), 60_000, 'a checkpoint of point 1');
  driver.kill('SIGKILL');
  await exited(driver);
  const id = record(s.runs).def.id;
  await waitFor(() => runMetas(s.runs).every((m) => m.status !== 'running'), 30_000, 'the orphaned point to stop');
  const r = runCli(['sweep', '--attach', id, '--runs-dir', s.runs]);
  assert.equal(r.code, 0, r.stderr);
  const metas = runMetas(s.runs);
  assert.equal(metas.length, 3, 'one run per point: the interrupted point resumed its run');
  assert.ok(metas.every((m) => m.status === 'completed'));
  assert.equal(record(s.runs).status, 'completed');
});

test('examples/mlp-lr.sweep.yaml: the same table from the local pool and from a queue with two `dynaxx worker`s', async (t) => {
  const skip = redisSkipReason();
  if (skip) return t.skip(skip);
  const redis = await RedisServer.start();
  const dir = tempDir('dynaxx-sweep-eq-');
  const example = join(ROOT, 'examples', 'mlp-lr.sweep.yaml');
  const qruns = join(dir, 'qruns');
  const workers = [1, 2].map(() => spawnCli(['worker', '--queue', redis.url(), '--runs-dir', qruns, '--data-dir', join(ROOT, 'examples')]));
  try {
    const local = runCli(['sweep', example, '--runs-dir', join(dir, 'runs'), '--json']);
    assert.equal(local.code, 0, local.stderr);
    const queued = runCli(['sweep', example, '--runs-dir', qruns, '--queue', redis.url(), '--json']);
    assert.equal(queued.code, 0, queued.stderr);
    // the table without who ran what: every point's values, status and metric, and the per-axis summary
    const table = (out: string) => {
      const j = JSON.parse(out) as { rows: Array<Record<string, unknown>>; perAxis: unknown; configurations: unknown };
      return { rows: j.rows.map(({ worker: _w, runId: _r, ...rest }) => rest), perAxis: j.perAxis, configurations: j.configurations };
    };
    const a = table(local.stdout);
    assert.equal(a.rows.length, 4);
    assert.deepEqual(table(queued.stdout), a);
    const losses = (runs: string) => Object.fromEntries(runMetas(runs).map((m) => [m.sweep!.point, m.final!.valLoss]));
    assert.deepEqual(losses(qruns), losses(join(dir, 'runs')), 'the same final losses');
    assert.equal(new Set(record(qruns).results.map((p) => p.worker)).size, 2, 'both workers took points');
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map(exited));
    await redis.stop();
  }
});

test('a prune sweep compares the pruned models on validation and keeps every run\'s Pareto points', () => {
  const dir = tempDir('dynaxx-sweep-prune-');
  writeFileSync(join(dir, 'blobs.dynaxx.yaml'), blobsModel({ steps: 60, extra: 'prune: { criteria: [l1], targets: [50], finetuneSteps: 20, scoreSteps: 5 }\n' }));
  const file = join(dir, 'p.sweep.yaml');
  writeFileSync(file, 'model: blobs.dynaxx.yaml\ncommand: prune\naxes:\n  prune.criteria: [[l1], [taylor]]\n');
  const runs = join(dir, 'runs');
  const r = runCli(['sweep', file, '--runs-dir', runs]);
  assert.equal(r.code, 0, r.stderr);
  const rec = record(runs);
  assert.deepEqual(rec.def.metric, { name: 'prunedValAccuracy', goal: 'max' });
  for (const p of rec.results) {
    assert.equal(p.status, 'completed');
    assert.equal(typeof p.metric, 'number');
    assert.equal(p.metric, p.final!.prunedValAccuracy50, 'one target: the mean is that target\'s');
    assert.equal(typeof p.final!.prunedTestAccuracy, 'number');
    assert.deepEqual(p.pareto!.map((q) => [q.criterion, q.target]), [[p.point === 0 ? 'l1' : 'taylor', 50]]);
  }
  assert.notEqual(rec.results[0]!.metric, rec.results[1]!.metric, 'the criteria differ, not the dense run');
  assert.match(r.stdout, /prunedValAccuracy/);
});

test('Ctrl-C cancels a local sweep (running points stop with a checkpoint, exit 130); --attach later finishes it from there', async () => {
  const s = sweepDir({ steps: 400, checkpointEvery: 10, axes: '  train.seed: [1, 2, 3]\n' });
  const driver = spawnCli(['sweep', s.file, '--runs-dir', s.runs, '--workers', '2']);
  let err = '';
  driver.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  await waitFor(() => runMetas(s.runs).filter((m) => (JSON.parse(readFileSync(join(s.runs, m.id, 'run.json'), 'utf8')) as { checkpoint?: unknown }).checkpoint).length >= 2, 120_000, 'two running points past a checkpoint');
  driver.kill('SIGINT');
  assert.equal(await exited(driver), 130, err);
  assert.match(err, /cancelling the sweep/);
  const rec = record(s.runs);
  assert.equal(rec.status, 'cancelled');
  const metas = runMetas(s.runs);
  assert.equal(metas.length, 2, 'the third point never started');
  for (const m of metas) assert.equal(m.status, 'cancelled');
  assert.deepEqual(rec.results.map((r) => r.status).sort(), ['cancelled', 'cancelled', 'cancelled']);
  const r = runCli(['sweep', '--attach', rec.def.id, '--runs-dir', s.runs]);
  assert.equal(r.code, 0, r.stderr);
  const after = runMetas(s.runs);
  assert.equal(after.length, 3, 'the cancelled points resumed their runs');
  assert.ok(after.every((m) => m.status === 'completed'));
});
