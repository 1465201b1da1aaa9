import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanStaleTemps, isPidAlive, isTempName, tempPathFor, writeFileAtomic, writeJsonAtomic } from './atomic';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dynaxx-atomic-'));

test('writeFileAtomic replaces the file and leaves no temp file behind', () => {
  const dir = tmp();
  const file = path.join(dir, 'run.json');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, new Uint8Array([116, 119, 111]));
  assert.equal(fs.readFileSync(file, 'utf8'), 'two');
  writeJsonAtomic(file, { a: 1 });
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { a: 1 });
  assert.deepEqual(fs.readdirSync(dir), ['run.json']);
  assert.throws(() => writeFileAtomic(path.join(dir, 'missing', 'x.json'), 'x'), /ENOENT/);
});

test('temp names are hidden, recognisable, and cleaned only when their writer is dead', () => {
  const dir = tmp();
  const t = tempPathFor(path.join(dir, 'metrics.jsonl'));
  assert.match(path.basename(t), new RegExp(`^\\.metrics\\.jsonl\\.tmp-${process.pid}-[0-9a-f]{8}$`));
  assert.ok(isTempName(path.basename(t)));
  assert.ok(!isTempName('step-00000001'));
  fs.writeFileSync(t, 'mine');
  fs.mkdirSync(path.join(dir, '.step-00000002.tmp-999999999-abcd'));
  fs.writeFileSync(path.join(dir, 'keep.json'), '{}');
  assert.deepEqual(cleanStaleTemps(dir), ['.step-00000002.tmp-999999999-abcd']);
  assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(t), 'keep.json'].sort());
  assert.ok(isPidAlive(process.pid));
  assert.ok(!isPidAlive(999999999));
});
