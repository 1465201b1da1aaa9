// The bundle the extension runs (`node dist/server.js --stdio`) finds its parse worker beside it
// (dist/server-parse-worker.js): models parse, a parse past the time limit is stopped, /dev/zero is refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Hover, MarkupContent } from 'vscode-languageserver';
import { fixture, ROOT, TestClient } from './test-client';

const built = existsSync(join(ROOT, 'dist', 'server.js')) && existsSync(join(ROOT, 'dist', 'server-parse-worker.js'));
const SLOW = '__dynaxx_bundle_slow__';

test('dist/server.js parses in its bundled worker', { skip: !built && 'dist/ has no server bundle; run npm run build' }, async () => {
  const client = await TestClient.start({ bundled: true, debounceMs: 0, init: { parseTimeoutMs: 1000, workspaceTrusted: true }, env: { DYNAXX_TEST_SLOW_PARSE: SLOW } });
  try {
    const uri = await client.open(fixture('residual.dynaxx.yaml'));
    assert.deepEqual((await client.waitForDiagnostics(uri)).params.diagnostics, []);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 10, character: 16 } });
    assert.match((h!.contents as MarkupContent).value, /\*\*dense\*\* `stem`/);

    const slow = await client.open(fixture('bundle-slow.dynaxx.yaml'), `# ${SLOW}\nmodel: {}\n`);
    assert.equal((await client.waitForDiagnostics(slow)).params.diagnostics[0]!.code, 'parse-timeout');
    const zero = await client.open(fixture('bundle-zero.dynaxx.yaml'), 'model:\n  modelJson: /dev/zero\n');
    assert.equal((await client.waitForDiagnostics(zero)).params.diagnostics[0]!.code, 'model-json');
  } finally {
    await client.stop();
  }
});
