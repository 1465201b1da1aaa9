/**
 * Sweeps on a BullMQ queue with a real redis-server (test/redis-server.ts) and real `dynaxx worker` processes:
 * two workers finish a sweep, every point once; a worker SIGKILLed mid-run, Redis SIGKILLed and restarted
 * mid-sweep, a poisoned payload, a cancel, and a password that never shows up anywhere. Plus the queue URL's rules.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Queue } from 'bullmq';
import type { SweepEvent, SweepJob, SweepRecord } from '../protocol/sweep';
import { specLimits } from '../spec/limits';
import { UserError } from '../trainer/errors';
import { RunStore } from '../trainer/store/run-store';
import { runSweep } from '../trainer/sweep/driver';
import { QUEUE_NAME, QUEUE_PREFIX, QueueExecutor } from '../trainer/sweep/queue';
import { parseRedisUrl, redactUrl, resolveQueueUrl } from '../trainer/sweep/redis-url';
import { blobsModel, exited, runCli, spawnCli, tempDir } from './helpers';
import { RedisServer, redisSkipReason } from '../bench/sweep/redis-server';

const skip = redisSkipReason();
if (skip) console.log(`# ${skip}`);

/** A sweep over `train.seed` of the blobs model, written to `dir`. */
function sweepFile(dir: string, o: { seeds: number; steps: number; checkpointEvery?: number }): string {
  writeFileSync(join(dir, 'tiny.dynaxx.yaml'), blobsModel({ steps: o.steps, checkpointEvery: o.checkpointEvery ?? 20 }));
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1).join(', ');
  const file = join(dir, 'tiny.sweep.yaml');
  writeFileSync(file, `model: tiny.dynaxx.yaml\naxes:\n  train.seed: [${seeds}]\nmetric: { name: valAccuracy, goal: max }\n`);
  return file;
}

interface WorkerProc { proc: ChildProcess; pid: number; out(): string }

function startWorker(url: string, runsDir: string, dataDir: string, extra: string[] = []): WorkerProc {
  const proc = spawnCli(['worker', '--queue', url, '--runs-dir', runsDir, '--data-dir', dataDir, ...extra]);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  return { proc, pid: proc.pid!, out: () => out };
}

async function stopWorkers(ws: WorkerProc[]): Promise<void> {
  await Promise.all(ws.map(async (w) => {
    if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
    const done = exited(w.proc);
    w.proc.kill('SIGTERM');
    const t = setTimeout(() => w.proc.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(t);
  }));
}

/** The runs of a sweep in a runs dir, by point. */
function runsByPoint(runsDir: string, sweepId: string): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const r of new RunStore(runsDir).list()) {
    if (r.sweep?.id !== sweepId) continue;
    m.set(r.sweep.point, [...(m.get(r.sweep.point) ?? []), r.id]);
  }
  return m;
}

function assertEveryPointOnce(record: SweepRecord, runsDir: string, points: number): void {
  assert.equal(record.results.length, points);
  assert.deepEqual(record.results.map((r) => r.point).sort(), Array.from({ length: points }, (_, i) => i));
  for (const r of record.results) assert.equal(r.status, 'completed', `point ${r.point}: ${r.status} ${r.error ?? ''}`);
  const runs = runsByPoint(runsDir, record.def.id);
  for (let p = 0; p < points; p++) assert.equal(runs.get(p)?.length, 1, `point ${p} has runs ${runs.get(p)?.join(', ') ?? 'none'}`);
  assert.equal(new Set(record.results.map((r) => r.runId)).size, points, JSON.stringify(record.results.map((r) => [r.point, r.runId, r.status, r.attempts])));
}

/** How many times a worker log says a point of the sweep started (by point). */
function startsIn(logs: string, sweepId: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const x of logs.matchAll(new RegExp(`point (\\d+) of sweep ${sweepId.replace(/[.]/g, '\\.')} started`, 'g'))) m.set(Number(x[1]), (m.get(Number(x[1])) ?? 0) + 1);
  return m;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('queue URLs', () => {
  test('redis:// and rediss:// with user, password and db; the password from the environment', () => {
    const a = parseRedisUrl('redis://bob:s%40cret@queue.lab:6380/3', {});
    assert.equal(a.options.host, 'queue.lab');
    assert.equal(a.options.port, 6380);
    assert.equal(a.options.db, 3);
    assert.equal(a.options.username, 'bob');
    assert.equal(a.options.password, 's@cret');
    assert.equal(a.options.maxRetriesPerRequest, null);
    assert.equal(a.options.tls, undefined);
    assert.equal(a.redacted, 'redis://bob:***@queue.lab:6380/3');
    assert.equal(a.scrub('WRONGPASS s@cret and s%40cret'), 'WRONGPASS *** and ***');
    const b = parseRedisUrl('rediss://10.0.0.2', { DYNAXX_QUEUE_PASSWORD: 'envpw' });
    assert.equal(b.options.port, 6379);
    assert.equal(b.options.password, 'envpw');
    assert.deepEqual(b.options.tls, { servername: '10.0.0.2' });
    assert.equal(b.scrub('envpw'), '***');
    assert.ok([1, 2, 3, 10, 100].every((n) => (b.options.retryStrategy(n) ?? 0) > 0 && b.options.retryStrategy(n) <= 5000));
    assert.equal(resolveQueueUrl(undefined, { DYNAXX_QUEUE_URL: 'redis://h:1' }), 'redis://h:1');
  });

  test('redactUrl hides only the password', () => {
    assert.equal(redactUrl('redis://user:pw@h:1/2'), 'redis://user:***@h:1/2');
    assert.equal(redactUrl('redis://:pw@h:1'), 'redis://:***@h:1');
    assert.equal(redactUrl('redis://h:1'), 'redis://h:1');
    assert.equal(redactUrl('redis://u:p@ss@h:1'), 'redis://u:***@h:1');
    assert.equal(redactUrl('u:pw@h'), 'u:***@h');
    assert.equal(parseRedisUrl('redis://:pw@h', {}).scrub('cannot reach redis://:pw@h: ECONNREFUSED'), 'cannot reach redis://:***@h: ECONNREFUSED');
  });

  test('bad URLs: a UserError with the expected form, never the password', () => {
    for (const bad of ['http://u:topsecret@h:1', 'redis://u:topsecret@h:99999', 'redis://u:topsecret@h:1/x', 'redis://u:topsecret@:1', 'u:topsecret@h']) {
      assert.throws(() => parseRedisUrl(bad, {}), (e: Error) => {
        assert.ok(e instanceof UserError, `${bad}: ${e.name}`);
        assert.match(e.message, /redis:\/\/\[user:password@\]host:port\[\/db\]/);
        assert.doesNotMatch(e.message, /topsecret/);
        return true;
      });
    }
    assert.throws(() => resolveQueueUrl(undefined, {}), /DYNAXX_QUEUE_URL/);
  });
});

describe('sweeps on a BullMQ queue (real redis-server)', { skip }, () => {
  test('two workers run a 4-point sweep: every point exactly once, each run tagged with the sweep', async () => {
    const redis = await RedisServer.start();
    const dir = tempDir('dynaxx-queue-');
    const runs = join(dir, 'runs');
    const ws = [startWorker(redis.url(), runs, dir), startWorker(redis.url(), runs, dir)];
    try {
      const events: SweepEvent[] = [];
      const record = await runSweep(sweepFile(dir, { seeds: 4, steps: 60 }), { runsDir: runs, queue: redis.url(), onEvent: (e) => events.push(e) });
      assert.equal(record.status, 'completed');
      assert.equal(record.executor, redis.url());
      assertEveryPointOnce(record, runs, 4);
      for (const r of record.results) {
        assert.match(r.worker ?? '', /^[^:]+:\d+$/);
        assert.ok(ws.some((w) => r.worker!.endsWith(`:${w.pid}`)), `worker ${r.worker}`);
        assert.equal(r.attempts, 1);
        assert.equal(typeof r.metric, 'number');
        assert.ok((r.queueMs ?? -1) >= 0 && (r.runMs ?? 0) > 0);
      }
      assert.ok(events.some((e) => e.kind === 'progress'), 'live progress through the queue');
      const starts = startsIn(ws.map((w) => w.out()).join('\n'), record.def.id);
      assert.deepEqual([...starts.entries()].sort(), [[0, 1], [1, 1], [2, 1], [3, 1]]);
    } finally {
      await stopWorkers(ws);
      await redis.stop();
    }
  });

  test('a worker SIGKILLed mid-run: its point is taken over by the other worker, every point exactly once', async () => {
    const redis = await RedisServer.start();
    const dir = tempDir('dynaxx-queue-');
    const runs = join(dir, 'runs');
    const a = startWorker(redis.url(), runs, dir, ['--stall-s', '2']);
    let b: WorkerProc | undefined;
    try {
      let killedPoint = -1;
      const record = await runSweep(sweepFile(dir, { seeds: 4, steps: 400, checkpointEvery: 20 }), {
        runsDir: runs, queue: redis.url(),
        onEvent: (e) => {
          if (killedPoint >= 0) return;
          if (e.kind === 'progress' && e.step >= 60) {
            killedPoint = e.point;
            a.proc.kill('SIGKILL');
            b = startWorker(redis.url(), runs, dir, ['--stall-s', '2']);
          }
        },
      });
      assert.ok(killedPoint >= 0, 'a point was running on the killed worker');
      assertEveryPointOnce(record, runs, 4);
      const taken = record.results.find((r) => r.point === killedPoint)!;
      assert.ok(taken.worker?.endsWith(`:${b!.pid}`), `point ${killedPoint} finished on ${taken.worker}`);
      assert.ok(taken.attempts >= 2, `attempts ${taken.attempts}`);
      const starts = startsIn(a.out() + b!.out(), record.def.id);
      for (let p = 0; p < 4; p++) assert.equal(starts.get(p), p === killedPoint ? 2 : 1, `point ${p} starts`);
      assert.match(b!.out(), /started \(try 2\)/);
    } finally {
      await stopWorkers(b ? [a, b] : [a]);
      await redis.stop();
    }
  });

  test('redis-server SIGKILLed and restarted mid-sweep: the sweep completes, nothing lost or done twice', async () => {
    const redis = await RedisServer.start();
    const dir = tempDir('dynaxx-queue-');
    const runs = join(dir, 'runs');
    const ws = [startWorker(redis.url(), runs, dir), startWorker(redis.url(), runs, dir)];
    try {
      let restart: Promise<void> | undefined;
      const record = await runSweep(sweepFile(dir, { seeds: 4, steps: 200 }), {
        runsDir: runs, queue: redis.url(),
        onEvent: (e) => {
          if (!restart && e.kind === 'point' && e.result.status === 'completed') restart = redis.restart();
        },
      });
      assert.ok(restart, 'redis was restarted mid-sweep');
      await restart;
      assertEveryPointOnce(record, runs, 4);
      const starts = startsIn(ws.map((w) => w.out()).join('\n'), record.def.id);
      assert.deepEqual([...starts.values()], [1, 1, 1, 1]);
      for (const w of ws) assert.equal(w.proc.exitCode, null, 'the workers survive the restart');
    } finally {
      await stopWorkers(ws);
      await redis.stop();
    }
  });

  test('a poisoned payload fails alone with its error, without retries; a good job beside it runs', async () => {
    const redis = await RedisServer.start();
    const dir = tempDir('dynaxx-queue-');
    const runs = join(dir, 'runs');
    const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port }, prefix: QUEUE_PREFIX });
    const w = startWorker(redis.url(), runs, dir);
    try {
      const good: SweepJob = { sweepId: 'poison-test', point: 0, jobId: 'poison-test.p0', modelName: 'tiny.dynaxx.yaml', modelText: blobsModel(), command: 'train' };
      const opts = { attempts: 3, backoff: { type: 'fixed', delay: 100 } };
      await q.add('train', { ...good, point: 1, jobId: 'poison-test.p1', modelName: '../../etc/passwd.dynaxx.yaml' }, { ...opts, jobId: 'poison-test.p1' });
      await q.add('train', { ...good, point: 2, jobId: 'poison-test.p2', modelText: 'x'.repeat(specLimits().maxModelBytes + 1) }, { ...opts, jobId: 'poison-test.p2' });
      await q.add('train', good, { ...opts, jobId: good.jobId });
      const states = async () => Promise.all(['poison-test.p0', 'poison-test.p1', 'poison-test.p2'].map(async (id) => (await q.getJob(id))!.getState()));
      const end = Date.now() + 30_000;
      while ((await states()).some((s) => s !== 'completed' && s !== 'failed')) {
        assert.ok(Date.now() < end, `jobs still ${(await states()).join(', ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(await states(), ['completed', 'failed', 'failed']);
      const p1 = (await q.getJob('poison-test.p1'))!;
      const p2 = (await q.getJob('poison-test.p2'))!;
      assert.match(p1.failedReason, /'modelName' must be a bare file name/);
      assert.match(p2.failedReason, /'modelText' is .* bytes: too large/);
      assert.equal(p1.attemptsMade, 1);
      assert.equal(p2.attemptsMade, 1);
      assert.equal(runsByPoint(runs, 'poison-test').size, 1, 'only the good job made a run');
      assert.match(w.out(), /job poison-test\.p1 refused: .*modelName/);
    } finally {
      await q.close();
      await stopWorkers([w]);
      await redis.stop();
    }
  });

  test('cancel: queued points dropped, the running one stops with a checkpoint, its run marked cancelled', async () => {
    const redis = await RedisServer.start();
    const dir = tempDir('dynaxx-queue-');
    const runs = join(dir, 'runs');
    const w = startWorker(redis.url(), runs, dir);
    try {
      const ac = new AbortController();
      let running = -1;
      const record = await runSweep(sweepFile(dir, { seeds: 4, steps: 2000, checkpointEvery: 20 }), {
        runsDir: runs, queue: redis.url(), signal: ac.signal,
        onEvent: (e) => {
          if (running < 0 && e.kind === 'progress' && e.step >= 40) {
            running = e.point;
            ac.abort();
          }
        },
      });
      assert.ok(running >= 0);
      assert.equal(record.status, 'cancelled');
      for (const r of record.results) assert.equal(r.status, 'cancelled', `point ${r.point}: ${r.status}`);
      const byPoint = runsByPoint(runs, record.def.id);
      assert.deepEqual([...byPoint.keys()], [running], 'only the running point has a run');
      const meta = new RunStore(runs).list().find((r) => r.id === byPoint.get(running)![0])!;
      assert.equal(meta.status, 'cancelled');
      assert.ok((meta.step ?? 0) >= 40 && (meta.step ?? 0) < 2000, `stopped at step ${meta.step}`);
      assert.match(w.out(), new RegExp(`point ${running} of sweep \\S+ cancelled`));
      assert.equal(w.proc.exitCode, null, 'the worker goes on serving');
      // The queue keeps the cancel: the running point's job failed as 'cancelled', once.
      const q = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port }, prefix: QUEUE_PREFIX });
      const job = await q.getJob(record.results[running]!.jobId);
      assert.equal(job?.failedReason, 'cancelled');
      assert.equal(job?.attemptsMade, 1);
      await q.close();
    } finally {
      await stopWorkers([w]);
      await redis.stop();
    }
  });

  test('credentials: a password-protected Redis works through the URL, and the password shows up nowhere', async () => {
    const secret = 'secret123';
    const redis = await RedisServer.start({ password: secret });
    const dir = tempDir('dynaxx-queue-');
    const runs = join(dir, 'runs');
    const url = redis.url();
    assert.ok(url.includes(secret));
    const ws = [startWorker(url, runs, dir), startWorker(url, runs, dir)];
    try {
      const r = runCli(['sweep', sweepFile(dir, { seeds: 2, steps: 40 }), '--queue', url, '--runs-dir', runs], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout + r.stderr, /redis:\/\/:\*\*\*@127\.0\.0\.1/);
      const wrong = runCli(['sweep', '--cancel', 'nothing-here', '--queue', redis.url().replace(secret, 'wrongpass')], dir);
      assert.notEqual(wrong.code, 0);
      assert.doesNotMatch(wrong.stdout + wrong.stderr, /wrongpass/);
      await stopWorkers(ws);
      for (const [what, text] of [['driver', r.stdout + r.stderr], ['worker 1', ws[0]!.out()], ['worker 2', ws[1]!.out()]]) {
        assert.ok(!text.includes(secret), `${what} printed the password:\n${text}`);
      }
      for (const f of filesUnder(runs)) assert.ok(!readFileSync(f).includes(secret), `${f} holds the password`);
      for (const f of filesUnder(redis.dir)) assert.ok(!readFileSync(f).includes(secret), `Redis' data ${f} holds the password`);
      // The queue's record of the sweep is readable with the password from the environment instead.
      const sweepId = readdirSync(join(runs, '.sweeps'))[0]!;
      const loaded = await QueueExecutor.loadSweep(redis.url(false), sweepId, { env: { DYNAXX_QUEUE_PASSWORD: secret } });
      assert.equal(loaded.jobs.length, 2);
      assert.ok(!JSON.stringify(loaded).includes(secret));
    } finally {
      await stopWorkers(ws);
      await redis.stop();
    }
  });
});
