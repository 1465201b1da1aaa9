/**
 * What the trainer answers when a request fails: a short message the user can act on, never a stack, a file's
 * content or a whole value. Internal errors are -32603 with one line (the stack goes to the trainer's log); model
 * errors are cut to 20 lines / 4 KB; model files must be regular files within the size limit; run/delete and
 * run/resume refuse what is not a (sound) run with -32004.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { RunStore } from '../trainer/store/run-store';
import { fakeModel } from '../trainer/store/fixtures/fake-data';
import { inProcessTrainer } from './in-process-trainer';
import { blobsModel, tempDir } from './helpers';

const code = (n: number, pattern: RegExp, not?: RegExp) => (e: ResponseError<void>) => {
  assert.equal(e.code, n, e.message);
  assert.match(e.message, pattern);
  assert.doesNotMatch(e.message, /\n\s+at /, 'no stack');
  if (not) assert.doesNotMatch(e.message, not);
  return true;
};

test('an internal error is -32603 with one short line; the stack goes to the trainer log only', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a-file'), 'x');
  const t = inProcessTrainer(dir);
  try {
    await assert.rejects(t.client.sendRequest('run/list', { runsDir: join(dir, 'a-file') }), code(-32603, /^run\/list failed: ENOTDIR.*\(an internal error: the trainer's log has the details\)$/));
    assert.ok(t.log.some((l) => /run\/list failed: .*\n\s+at /.test(l)), t.log.join('\n'));
  } finally {
    t.close();
  }
});

test('model errors are cut to 20 lines and 4 KB; a model text over the size limit is refused by its size', async () => {
  const dir = tempDir();
  const t = inProcessTrainer(join(dir, 'runs'));
  try {
    const many = blobsModel().replace('    - { type: dense, name: logits, units: 4 }', Array.from({ length: 3000 }, (_, i) => `    - { type: dense, name: l${i}, unts: 4 }`).join('\n'));
    await assert.rejects(t.client.sendRequest('run/start', { modelFile: join(dir, 'many.dynaxx.yaml'), modelText: many }), (e: ResponseError<void>) => {
      assert.equal(e.code, -32001);
      assert.ok(e.message.length <= 4200, `${e.message.length} characters`);
      assert.ok(e.message.split('\n').length <= 21);
      assert.match(e.message, /many\.dynaxx\.yaml:\d+:\d+: error: /);
      assert.match(e.message, /\n… and \d+ more lines$/);
      return true;
    });
    const twenty = `name: big\n# ${'x'.repeat(20 * 1024 * 1024)}\n`;
    await assert.rejects(t.client.sendRequest('run/start', { modelFile: 'big.dynaxx.yaml', modelText: twenty }), (e: ResponseError<void>) => {
      assert.equal(e.code, -32602);
      assert.match(e.message, /^run\/start: 'modelText' is 20,971,5\d\d bytes: too large for a model file \(the limit is [\d,]+( bytes)?; set DYNAXX_MAX_MODEL_BYTES to raise it/);
      assert.ok(e.message.length < 300);
      return true;
    });
  } finally {
    t.close();
  }
});

test('a model file must be a regular file within the size limit; a remote trainer reads only *.dynaxx.yaml files', async () => {
  const dir = tempDir();
  const local = inProcessTrainer(join(dir, 'runs'));
  const remote = inProcessTrainer(join(dir, 'runs'), { remote: true });
  try {
    const start = (t: typeof local, modelFile: string) => t.client.sendRequest('run/start', { modelFile });
    await assert.rejects(start(local, '/dev/zero'), code(-32004, /^run\/start: modelFile '\/dev\/zero' is not a regular file \(a device, FIFO or socket\)$/));
    mkdirSync(join(dir, 'folder.dynaxx.yaml'));
    await assert.rejects(start(local, join(dir, 'folder.dynaxx.yaml')), code(-32004, /is not a regular file \(a folder\)/));
    await assert.rejects(start(local, join(dir, 'missing.dynaxx.yaml')), code(-32004, /cannot be read: no such file/));
    const big = join(dir, 'big.dynaxx.yaml');
    writeFileSync(big, '');
    truncateSync(big, 50 * 1024 * 1024);
    await assert.rejects(start(local, big), code(-32004, /is 52,428,800 bytes: too large for a model file \(the limit is/));
    await assert.rejects(start(remote, '/etc/passwd'), code(-32004, /^run\/start: modelFile '\/etc\/passwd' is not a model file: a remote trainer reads only \*\.dynaxx\.yaml files/, /root:/));
    await assert.rejects(remote.client.sendRequest('modularity/transfer', { runId: 'r', dataFile: '/etc/hostname' }), code(-32004, /dataFile '\/etc\/hostname' is not a model file/));
  } finally {
    local.close();
    remote.close();
  }
});

test('run/delete deletes only a run, by its exact id; run/resume of a damaged run says which file', async () => {
  const runsDir = join(tempDir(), 'runs');
  const store = new RunStore(runsDir);
  const run = store.create(fakeModel('m'), { backend: 'cpu', device: 'test', totalSteps: 10 });
  run.updateMeta({ status: 'interrupted', pid: undefined });
  mkdirSync(join(runsDir, 'notarun'));
  writeFileSync(join(runsDir, 'notarun', 'data.csv'), 'precious');
  const t = inProcessTrainer(runsDir);
  try {
    await assert.rejects(t.client.sendRequest('run/delete', { runId: 'notarun' }), code(-32004, /'notarun' in .* is not a run \(it has no run\.json\); nothing was deleted/));
    assert.equal(readFileSync(join(runsDir, 'notarun', 'data.csv'), 'utf8'), 'precious');
    await assert.rejects(t.client.sendRequest('run/delete', { runId: run.id.slice(0, 12) }), code(-32004, /needs the exact id/));
    assert.deepEqual((await t.client.sendRequest('run/list', {}) as { runs: Array<{ id: string }> }).runs.map((r) => r.id), [run.id]);

    // every checkpoint damaged
    mkdirSync(join(run.dir, 'checkpoints', 'step-00000005'), { recursive: true });
    writeFileSync(join(run.dir, 'checkpoints', 'step-00000005', 'model.json'), '{');
    await assert.rejects(t.client.sendRequest('run/resume', { runId: run.id }), code(-32004, /has no readable checkpoint: .*start a new run/s));
    // a damaged spec.json, then a damaged run.json
    writeFileSync(join(run.dir, 'spec.json'), '{"lay');
    await assert.rejects(t.client.sendRequest('run/resume', { runId: run.id }), code(-32004, /spec\.json is damaged: not valid JSON .*start a new run/));
    writeFileSync(join(run.dir, 'run.json'), 'null');
    await assert.rejects(t.client.sendRequest('run/resume', { runId: run.id }), code(-32004, /run\.json is damaged: not a JSON object .*cannot be resumed/));

    assert.deepEqual(await t.client.sendRequest('run/delete', { runId: run.id }), { deleted: true });
    assert.equal(existsSync(run.dir), false);
  } finally {
    t.close();
  }
});
