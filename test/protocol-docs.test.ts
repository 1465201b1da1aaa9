/** docs/protocol.md explains every message declared in protocol/trainer.ts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers';

test('every protocol method is documented in docs/protocol.md', () => {
  const src = readFileSync(join(ROOT, 'protocol', 'trainer.ts'), 'utf8');
  const doc = readFileSync(join(ROOT, 'docs', 'protocol.md'), 'utf8');
  const methods = [...src.matchAll(/export const method = '([^']+)'/g)].map((m) => m[1]);
  assert.ok(methods.length >= 8, methods.join(', '));
  for (const m of [...methods, '$/progress']) assert.ok(doc.includes(`\`${m}\``), `docs/protocol.md does not mention \`${m}\``);
});
