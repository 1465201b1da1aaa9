import './test/register-vscode';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunProgress } from './progress';
import { stub } from './test/vscode-stub';

test('$/progress begin/report/end becomes one cancellable notification with increments from absolute percentages', async () => {
  stub.reset();
  let cancels = 0;
  const p = new RunProgress(() => cancels++);
  p.handle({ kind: 'begin', title: 'Training m', cancellable: true, message: 'cpu · CPU', percentage: 10 });
  p.handle({ kind: 'report', message: 'step 25/100', percentage: 25 });
  p.handle({ kind: 'report', message: 'step 25/100 again', percentage: 25 });
  p.handle({ kind: 'report', message: 'step 60/100', percentage: 60 });
  p.handle({ kind: 'report', percentage: 100 });
  assert.equal(stub.progress.length, 1);
  const rec = stub.progress[0];
  assert.equal(rec.title, 'Training m');
  assert.equal(rec.cancellable, true);
  assert.deepEqual(rec.reports.map((r) => r.increment), [10, 15, undefined, 35, 40]);
  rec.cancel();
  assert.equal(cancels, 1);
  p.handle({ kind: 'end', message: 'completed' });
  await new Promise((r) => setImmediate(r));
  assert.equal(rec.done, true);
  p.handle({ kind: 'begin', title: 'again' }); // a stray begin after the end opens nothing
  assert.equal(stub.progress.length, 1);
});
