// The CLI's last word on an error: user errors as their message (exit 2), file-system errors in words (exit 2),
// anything else one line and a pointer to DYNAXX_DEBUG (exit 1), never a stack unless asked for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from '../../spec/types';
import { UserError } from '../errors';
import { DEBUG_HINT, internalError, reportError, UsageError } from './report-error';

function report(e: unknown, usage = ''): { code: number; text: string } {
  let text = '';
  const code = reportError(e, usage, (t) => (text += t));
  return { code, text };
}

test('user errors: the message, exit 2, escaped', () => {
  assert.deepEqual(report(new UserError('run x\u202e is busy')), { code: 2, text: 'run x\\u202e is busy\n' });
  const spec = new SpecError([{ range: { file: 'a.yaml', line: 3, col: 5, endLine: 3, endCol: 6 }, severity: 'error', code: 'type', message: 'bad' }]);
  assert.deepEqual(report(spec), { code: 2, text: 'a.yaml:3:5: error: bad\n' });
  assert.deepEqual(report(new UsageError('unknown command'), 'usage: ...'), { code: 2, text: 'dynaxx: unknown command\n\nusage: ...' });
});

test('file-system errors: the path and what is wrong, exit 2', () => {
  const e = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', path: '/tmp/x' });
  assert.deepEqual(report(e), { code: 2, text: 'dynaxx: /tmp/x: is a directory, not a file\n' });
});

test('anything else: one line and the hint, exit 1; the stack only with DYNAXX_DEBUG=1', () => {
  const e = new RangeError('Invalid typed array length: 4294967297\nsecond line');
  const r = report(e);
  assert.equal(r.code, 1);
  assert.equal(r.text, `dynaxx: Invalid typed array length: 4294967297\n${DEBUG_HINT}\n`);
  assert.doesNotMatch(r.text, /^\s+at /m);
  assert.match(internalError(e, { DYNAXX_DEBUG: '1' }), /^\s+at /m);
  assert.equal(report('a thrown string').code, 1);
});
