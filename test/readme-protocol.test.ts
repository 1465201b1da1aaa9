/** README.md's "The trainer process" section names every message declared in protocol/trainer.ts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers';

test('README.md\'s trainer-process section names every protocol method', () => {
  const src = readFileSync(join(ROOT, 'protocol', 'trainer.ts'), 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The trainer process'), readme.indexOf('\n## ', readme.indexOf('## The trainer process') + 1));
  assert.ok(section.length > 100, 'README.md has no "## The trainer process" section');
  const methods = [...src.matchAll(/export const method = '([^']+)'/g)].map((m) => m[1]!);
  assert.ok(methods.length >= 8, methods.join(', '));
  for (const m of [...methods, '$/progress']) assert.ok(section.includes(`\`${m}\``), `README.md's "The trainer process" does not name \`${m}\``);
});
