/**
 * A run whose trainer was killed reads back as 'interrupted' at once: right after `kill -9` the process is a zombie
 * until its parent reaps it (a parent blocked in spawnSync, a busy editor), and a zombie is not a running trainer.
 * A pid reused by another process is not the trainer either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPidAlive, processStartTime } from './atomic';
import { RunStore } from './run-store';
import { fakeModel } from './fixtures/fake-data';

const linux = process.platform === 'linux';
const opts = { backend: 'cpu', device: 'test', totalSteps: 10 };

/** Waits without returning to the event loop (which would reap the child). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('right after kill -9, before the parent reaps it, the run is interrupted', { skip: !linux && 'needs /proc' }, async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-killed-')));
  const run = store.create(fakeModel('m'), opts);
  run.updateMeta({ pid: child.pid });
  assert.equal(store.open(run.id).meta().status, 'running');

  child.kill('SIGKILL');
  // everything below runs in this tick: the child cannot be reaped before the assertions
  const stat = () => fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  for (let i = 0; i < 200 && !/\) Z /.test(stat()); i++) sleepSync(10);
  assert.match(stat(), /\) Z /, 'the killed child is a zombie');
  assert.equal(isPidAlive(child.pid!), false);
  assert.equal(store.open(run.id).meta().status, 'interrupted');
  assert.equal(store.list()[0].status, 'interrupted');
});

test('a live process that reused the pid is not the trainer', { skip: !linux && 'needs /proc' }, () => {
  const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-killed-')));
  const run = store.create(fakeModel('m'), opts);
  const start = processStartTime(process.pid);
  assert.equal(typeof start, 'number');
  assert.equal(run.meta().pidStart, start);
  assert.equal(store.open(run.id).meta().status, 'running');
  // the same pid with another start time: the process that wrote it is gone
  fs.writeFileSync(path.join(run.dir, 'run.json'), JSON.stringify({ ...run.meta(), pidStart: start! - 1 }));
  assert.equal(store.open(run.id).meta().status, 'interrupted');
});
