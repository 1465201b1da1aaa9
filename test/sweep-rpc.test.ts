/**
 * Sweeps over the trainer's JSON-RPC (`sweep/start`, `sweep/event`, `sweep/cancel`, `sweep/report`): a two-point local
 * sweep of a tiny model runs to the end with its events streamed; a second sweep is refused while one runs; cancel
 * stops one; the sweep file is checked (only *.sweep.yaml, positioned errors); a queue URL's password never comes back.
 * The points run in child processes of dist/cli.js (build first).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import type { SweepEvent } from '../protocol/sweep';
import {
  SweepCancelRequest, SweepEventNotification, SweepReportRequest, SweepStartRequest, TrainerErrorCodes,
} from '../protocol/trainer';
import { blobsModel, requireBuild, tempDir, writeModel } from './helpers';
import { inProcessTrainer, type InProcess } from './in-process-trainer';

const trainers: InProcess[] = [];
after(() => { for (const t of trainers) t.close(); });

function start(runsDir: string): InProcess & { events: SweepEvent[]; finished: Promise<Extract<SweepEvent, { kind: 'finished' }>> } {
  const t = inProcessTrainer(runsDir);
  trainers.push(t);
  const events: SweepEvent[] = [];
  let done: (e: Extract<SweepEvent, { kind: 'finished' }>) => void = () => undefined;
  const finished = new Promise<Extract<SweepEvent, { kind: 'finished' }>>((r) => (done = r));
  t.client.onNotification(SweepEventNotification.type, (p) => {
    events.push(p.event);
    if (p.event.kind === 'finished') done(p.event);
  });
  return { ...t, events, finished };
}

/** A sweep of `blobsModel` over the seed: `seeds` points of `steps` steps each. */
function sweepFixture(dir: string, steps: number, seeds: number[], name = 'tiny'): string {
  writeModel(dir, 'tiny.dynaxx.yaml', blobsModel({ steps, checkpointEvery: 10 }));
  return writeModel(dir, `${name}.sweep.yaml`, `model: tiny.dynaxx.yaml\naxes:\n  train.seed: [${seeds.join(', ')}]\nmetric: { name: valAccuracy, goal: max }\n`);
}

test('sweep/start runs a two-point local sweep: events stream, every point completes, sweep/report writes the HTML', async () => {
  requireBuild();
  const dir = tempDir();
  const runsDir = join(dir, 'runs');
  const t = start(runsDir);
  const file = sweepFixture(dir, 20, [1, 2]);
  const { sweepId } = await t.client.sendRequest(SweepStartRequest.type, { sweepFile: file, workers: 2, backend: 'cpu' });
  assert.match(sweepId, /tiny/);
  // one sweep at a time per trainer
  await assert.rejects(t.client.sendRequest(SweepStartRequest.type, { sweepFile: file }), (e: ResponseError<void>) =>
    e.code === TrainerErrorCodes.RunActive && /one sweep at a time/.test(e.message));
  const finished = await t.finished;
  assert.deepEqual([finished.status, finished.completed, finished.failed], ['completed', 2, 0]);
  const started = t.events.find((e) => e.kind === 'started');
  assert.deepEqual(started && [started.sweepId, started.points, started.executor], [sweepId, 2, 'local']);
  const completed = t.events.filter((e): e is Extract<SweepEvent, { kind: 'point' }> => e.kind === 'point' && e.result.status === 'completed');
  assert.deepEqual(completed.map((e) => e.result.point).sort(), [0, 1]);
  for (const e of completed) {
    assert.ok(e.result.runId);
    assert.equal(typeof e.result.metric, 'number');
  }
  const report = await t.client.sendRequest(SweepReportRequest.type, { sweepId });
  assert.ok(report.file.startsWith(join(runsDir, '.sweeps', sweepId)));
  assert.ok(existsSync(report.file));
  assert.match(readFileSync(report.file, 'utf8'), /<html/i);
  // the trainer is free again
  await assert.rejects(t.client.sendRequest(SweepCancelRequest.type, { sweepId }), (e: ResponseError<void>) => /not running in this trainer/.test(e.message));
});

test('sweep/cancel stops a running sweep: finished with status cancelled, no point left running', async () => {
  requireBuild();
  const dir = tempDir();
  const t = start(join(dir, 'runs'));
  const file = sweepFixture(dir, 100_000, [1, 2, 3], 'long');
  const { sweepId } = await t.client.sendRequest(SweepStartRequest.type, { sweepFile: file, workers: 1, backend: 'cpu' });
  // wait for the first point to train
  for (let i = 0; i < 600 && !t.events.some((e) => e.kind === 'progress'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(t.events.some((e) => e.kind === 'progress'), 'no progress event within 60 s');
  assert.deepEqual(await t.client.sendRequest(SweepCancelRequest.type, { sweepId }), {});
  const finished = await t.finished;
  assert.equal(finished.status, 'cancelled');
  const last = new Map<number, string>();
  for (const e of t.events) if (e.kind === 'point') last.set(e.result.point, e.result.status);
  assert.ok(![...last.values()].includes('running'), JSON.stringify([...last]));
});

test('sweep/start checks what it is given: a *.sweep.yaml file, without errors; a queue URL\'s password never comes back', async () => {
  const dir = tempDir();
  const t = start(join(dir, 'runs'));
  const model = writeModel(dir, 'tiny.dynaxx.yaml', blobsModel());
  await assert.rejects(t.client.sendRequest(SweepStartRequest.type, { sweepFile: model }), (e: ResponseError<void>) =>
    e.code === TrainerErrorCodes.InvalidRequest && /not a sweep file/.test(e.message));
  const bad = writeModel(dir, 'bad.sweep.yaml', 'model: tiny.dynaxx.yaml\naxes:\n  train.seed: [1, 2]\nmetrik: loss\n');
  await assert.rejects(t.client.sendRequest(SweepStartRequest.type, { sweepFile: bad }), (e: ResponseError<void>) =>
    e.code === TrainerErrorCodes.InvalidModel && /bad\.sweep\.yaml:4:1: .*metrik/.test(e.message));
  const other = writeModel(dir, 'other.sweep.yaml', 'model: /etc/passwd\naxes:\n  train.seed: [1, 2]\n');
  await assert.rejects(t.client.sendRequest(SweepStartRequest.type, { sweepFile: other }), (e: ResponseError<void>) =>
    /not a model file/.test(e.message) && !/root:/.test(e.message));
  const good = writeModel(dir, 'good.sweep.yaml', 'model: tiny.dynaxx.yaml\naxes:\n  train.seed: [1, 2]\n');
  const secret = 's3cret-Pa55';
  for (const queue of [`http://user:${secret}@localhost:1/`, `redis://user:${secret}@localhost:1/x`, `redis://user:${secret}@${'h'.repeat(3000)}:1`]) {
    await assert.rejects(t.client.sendRequest(SweepStartRequest.type, { sweepFile: good, queue }), (e: ResponseError<void>) => {
      assert.ok(!e.message.includes(secret), e.message);
      return true;
    });
  }
  assert.ok(!t.log.join('\n').includes(secret));
  // a remote trainer reads *.sweep.yaml files too (its model-file rule is for the base model)
  const remote = inProcessTrainer(join(dir, 'runs'), { remote: true });
  trainers.push(remote);
  await assert.rejects(remote.client.sendRequest(SweepStartRequest.type, { sweepFile: good, queue: 'http://h:1' }), (e: ResponseError<void>) =>
    /bad queue URL/.test(e.message));
});
