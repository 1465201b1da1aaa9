// One parse job without a worker: the nesting check before the YAML parser, open model.json documents under the
// same Restricted Mode rule as the disk, and the workspace check through symbolic links.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runParseJob } from './parse-job';
import { insideRoots, TRUSTED } from './safe-read';
import { fixture } from './test-client';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const JSON_TEXT = readFileSync(fixture('keras/model.json'), 'utf8');

test('a text nested past the limit is refused before the YAML parser sees it, in block style too', () => {
  for (const text of [`a: ${'['.repeat(5000)}${']'.repeat(5000)}`, `model:\n  layers:\n    ${'- '.repeat(5000)}x\n`]) {
    const r = runParseJob({ id: 1, text, file: '/tmp/deep.dynaxx.yaml', openJson: {}, policy: TRUSTED });
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['limit']);
    assert.ok(r.diagnostics[0]!.range.line > 1 || r.diagnostics[0]!.range.col > 60, 'positioned where the nesting passes the limit');
    assert.match(r.diagnostics[0]!.message, /nest too deep .*set DYNAXX_MAX_NESTING to raise it/);
  }
});

test('an open model.json is read instead of the disk, but in Restricted Mode only inside the workspace', () => {
  const file = join(dir, 'ws', 'm.dynaxx.yaml');
  const text = 'name: m\nmodel:\n  modelJson: /elsewhere/model.json\ntrain: { epochs: 1 }\n';
  const openJson = { '/elsewhere/model.json': JSON_TEXT };
  assert.ok(runParseJob({ id: 1, text, file, openJson, policy: TRUSTED }).model);
  const restricted = runParseJob({ id: 2, text, file, openJson, policy: { trusted: false, roots: [join(dir, 'ws')] } });
  assert.match(restricted.diagnostics[0]!.message, /outside the workspace folders, and in Restricted Mode/);
});

test('the workspace check follows symbolic links', () => {
  mkdirSync(join(dir, 'root'));
  symlinkSync('/etc', join(dir, 'root', 'etc'));
  assert.equal(insideRoots(join(dir, 'root', 'a.json'), [join(dir, 'root')]), true);
  assert.equal(insideRoots(join(dir, 'root', 'etc', 'hostname'), [join(dir, 'root')]), false);
  assert.equal(insideRoots(join(dir, 'root-other', 'a.json'), [join(dir, 'root')]), false);
});
