// The parse pool on its own: a job past the time limit ends as `timeout` and its worker is replaced; one slow
// document never holds up another; a newer job for a document replaces its queued one.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ParseJob } from './parse-job';
import { ParsePool, type ParseOutcome } from './parse-pool';
import { TRUSTED } from './safe-read';

const SLOW = '__dynaxx_pool_test_slow__';
process.env.DYNAXX_TEST_SLOW_PARSE = SLOW; // workers copy the environment when they start

const pool = new ParsePool({ timeoutMs: 800, maxWorkers: 2 });
after(() => pool.dispose());

const job = (text: string): Omit<ParseJob, 'id'> => ({ text, file: '/tmp/pool.dynaxx.yaml', openJson: {}, policy: TRUSTED });
const GOOD = 'model:\n  input: [4]\n  layers:\n    - { type: dense, units: 2 }\n';
const codes = (o: ParseOutcome): string[] => (o.kind === 'done' ? o.result.diagnostics.map((d) => d.code) : [o.kind]);

test('a job past the time limit ends as timeout; the next job runs in a fresh worker', async () => {
  const t0 = performance.now();
  const slow = await pool.run('a', job(`# ${SLOW}\n${GOOD}`));
  assert.deepEqual(slow, { kind: 'timeout', ms: 800 });
  assert.ok(performance.now() - t0 < 800 + 5000);
  const next = await pool.run('a', job(GOOD));
  assert.equal(next.kind, 'done');
  assert.ok(next.kind === 'done' && next.result.model, 'parsed');
});

test('while one document parses forever, another document is parsed in the other worker', async () => {
  await pool.run('warm', job(GOOD)); // both workers started
  await new Promise((r) => setTimeout(r, 500));
  const slow = pool.run('slow', job(`# ${SLOW}\n${GOOD}`));
  const t0 = performance.now();
  const other = await pool.run('other', job(GOOD));
  assert.equal(other.kind, 'done');
  assert.ok(performance.now() - t0 < 400, `the other document waited ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal((await slow).kind, 'timeout');
});

test('a newer job for a document replaces its queued one; jobs of one document never run side by side', async () => {
  const first = pool.run('doc', job(`# ${SLOW}\n${GOOD}`)); // running
  const second = pool.run('doc', job('model: [')); // queued behind it
  const third = pool.run('doc', job(GOOD)); // replaces the second
  assert.deepEqual(await second, { kind: 'superseded' });
  assert.equal((await first).kind, 'timeout');
  assert.deepEqual(codes(await third), []);
});
