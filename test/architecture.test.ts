/**
 * The architecture as a test: dependency-cruiser with the rules in .dependency-cruiser.cjs (no import cycles, type
 * imports included; front ends → run assembly → techniques → surgery/engine/store/data/backends → spec, protocol,
 * nothing importing upward; the extension talks to the trainer over the protocol only).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers';

test('no import cycles and no import against the layering (dependency-cruiser)', () => {
  const bin = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, 'protocol', 'spec', 'trainer', 'server', 'extension', 'webviews', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /no dependency violations found/);
});
