/**
 * Only folders of the runs directory that hold a run.json are runs: listing, opening and deleting never touch
 * anything else, deleting takes the exact id, and a run whose run.json is damaged is deleted only when its folder
 * holds nothing but what a run writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../errors';
import { RunStore } from './run-store';
import { fakeModel } from './fixtures/fake-data';

const opts = { backend: 'cpu', device: 'test', totalSteps: 10 };
const runsDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-what-is-a-run-'));
const userError = (pattern: RegExp) => (e: Error) => e instanceof UserError && pattern.test(e.message);

test('folders without run.json are not runs: not listed, not opened, never deleted', () => {
  const store = new RunStore(runsDir());
  const run = store.create(fakeModel('real'), opts);
  run.updateMeta({ status: 'completed', pid: undefined });
  for (const name of ['notarun', 'dist', 'node_modules']) {
    fs.mkdirSync(path.join(store.runsDir, name));
    fs.writeFileSync(path.join(store.runsDir, name, 'data.csv'), 'precious\n');
  }
  assert.deepEqual(store.list().map((r) => r.id), [run.id]);
  assert.throws(() => store.open('notarun'), userError(/no run 'notarun'/));
  assert.throws(() => store.delete('notarun'), userError(/'notarun' .* is not a run \(it has no run\.json\); nothing was deleted/));
  assert.equal(fs.readFileSync(path.join(store.runsDir, 'notarun', 'data.csv'), 'utf8'), 'precious\n');
  assert.throws(() => store.delete('../x'), userError(/invalid run id/));
});

test('delete takes the exact id; readers may use a unique prefix', () => {
  const store = new RunStore(runsDir());
  const run = store.create(fakeModel('real'), opts);
  run.updateMeta({ status: 'completed', pid: undefined });
  const prefix = run.id.slice(0, 10);
  assert.equal(store.open(prefix).id, run.id);
  assert.throws(() => store.delete(prefix), userError(/no run '.*' in .* \(run\/delete needs the exact id\); known runs: /));
  assert.ok(fs.existsSync(run.dir));
  store.delete(run.id);
  assert.equal(fs.existsSync(run.dir), false);
});

test('a run with a damaged run.json is listed as corrupt; deleted only when its folder looks like a run', () => {
  const store = new RunStore(runsDir());
  const plain = store.create(fakeModel('plain'), opts);
  fs.writeFileSync(path.join(plain.dir, 'metrics.jsonl'), '{"step":1}\n');
  fs.mkdirSync(path.join(plain.dir, 'checkpoints'));
  fs.writeFileSync(path.join(plain.dir, 'run.json'), 'garbage');

  // a folder someone else made, with a run.json of its own and other files: listed, but never deleted
  const foreign = path.join(store.runsDir, 'my-project');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'run.json'), JSON.stringify({ hello: 'world' }));
  fs.writeFileSync(path.join(foreign, 'thesis.docx'), 'years of work');

  const list = store.list();
  assert.deepEqual(list.map((r) => r.status), ['corrupt', 'corrupt']);
  assert.match(list.find((r) => r.id === 'my-project')!.error!, /run\.json is damaged: 'name' is missing or not a string/);
  assert.match(list.find((r) => r.id === plain.id)!.error!, /run\.json is damaged: not valid JSON/);

  assert.throws(() => store.delete('my-project'), userError(/holds files a run does not have \(thesis\.docx\); nothing was deleted/));
  assert.ok(fs.existsSync(path.join(foreign, 'thesis.docx')));
  store.delete(plain.id);
  assert.equal(fs.existsSync(plain.dir), false);
});

test('run.json content never appears in the listing', () => {
  const store = new RunStore(runsDir());
  const dir = path.join(store.runsDir, 'leaky');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'run.json'), 'root:x:0:0:root:/root:/bin/bash\n');
  const [meta] = store.list();
  assert.equal(meta.status, 'corrupt');
  assert.doesNotMatch(JSON.stringify(meta), /root:x/);
});
