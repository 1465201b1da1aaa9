/**
 * Every request's params are checked against the schema declared with it (protocol/trainer.ts): a wrong type is
 * JSON-RPC InvalidParams (-32602) with a message that names the request, the field and what was expected, and
 * shows the value found cut, never whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import * as protocol from '../protocol/trainer';
import { inProcessTrainer } from './in-process-trainer';
import { tempDir } from './helpers';

function invalid(pattern: RegExp) {
  return (e: ResponseError<void>) => {
    assert.equal(e.code, -32602, e.message);
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\n\s+at /, 'no stack');
    return true;
  };
}

test('a param of the wrong type is -32602 naming the request, the field and what was expected', async () => {
  const t = inProcessTrainer(tempDir());
  const send = (method: string, params: unknown) => t.client.sendRequest(method, params);
  try {
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', overrides: null }), invalid(/^run\/start: 'overrides' must be an object, got null$/));
    await assert.rejects(send('run/delete', { runId: 123 }), invalid(/^run\/delete: 'runId' must be a non-empty string of at most 256 characters, got 123$/));
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', modelText: 123 }), invalid(/^run\/start: 'modelText' must be a string, got 123$/));
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', overrides: { batchSize: '32' } }), invalid(/'overrides\.batchSize' must be a number, got "32"/));
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', overrides: { batchsize: 32 } }), invalid(/unknown field 'overrides\.batchsize'; the fields are backend, epochs, steps, batchSize/));
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', overrides: { backend: 'gpu' } }), invalid(/'overrides\.backend' must be one of 'auto', 'tensorflow', 'webgpu', 'wasm', 'cpu', got "gpu"/));
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', monitors: 'grad-norm' }), invalid(/'monitors' must be a list of monitor ids/));
    await assert.rejects(send('run/start', { modelFile: 'm.dynaxx.yaml', metricsIntervalMs: 0 }), invalid(/'metricsIntervalMs' must be a number ≥ 1, got 0/));
    await assert.rejects(send('run/resume', {}), invalid(/^run\/resume: 'runId' is missing; it must be a non-empty string/));
    await assert.rejects(send('run/list', { runsDir: 5 }), invalid(/^run\/list: 'runsDir' must be a non-empty string, got 5$/));
    await assert.rejects(send('modularity/extract', { runId: 'r', subnetworks: [1, -1] }), invalid(/'subnetworks\[1\]' must be an integer ≥ 0, got -1/));
    await assert.rejects(send('prune/sweep', { target: 'r', route: 'yes' }), invalid(/'route' must be true or false, got "yes"/));
    await assert.rejects(send('run/cancel', [1, 2]), invalid(/^run\/cancel: params must be an object, got a list \(2 items\)$/));
  } finally {
    t.close();
  }
});

test('the value in the message is cut and escaped, never echoed whole', async () => {
  const t = inProcessTrainer(tempDir());
  try {
    const huge = `\u202e${'x'.repeat(1_000_000)}`;
    await assert.rejects(t.client.sendRequest('run/delete', { runId: huge }), (e: ResponseError<void>) => {
      assert.equal(e.code, -32602);
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      assert.match(e.message, /got a string of 1,000,001 characters \("\\u202exxx/);
      return true;
    });
    await assert.rejects(t.client.sendRequest('run/start', { modelFile: 'm.dynaxx.yaml', overrides: { ['k'.repeat(10_000)]: 1 } }), (e: ResponseError<void>) => {
      assert.equal(e.code, -32602);
      assert.ok(e.message.length < 400, `${e.message.length} characters`);
      return true;
    });
  } finally {
    t.close();
  }
});

test('every request declared in protocol/trainer.ts has a params schema, and the trainer checks it', async () => {
  const requests = (Object.values(protocol) as unknown[]).filter((x): x is { method: string; type: unknown; params?: unknown } =>
    typeof x === 'object' && x !== null && 'method' in x && 'type' in x && (x as { type: object }).type.constructor.name.startsWith('RequestType'));
  assert.ok(requests.length >= 12, requests.map((r) => r.method).join(', '));
  const t = inProcessTrainer(tempDir());
  try {
    for (const r of requests) {
      assert.ok(r.params, `${r.method} has no params schema`);
      if (r.method === 'initialize') continue; // checked too, after the token
      await assert.rejects(t.client.sendRequest(r.method, { runId: 42, modelFile: 42, target: 42, runsDir: 42 }), invalid(new RegExp(`^${r.method.replace('/', '\\/')}: '`)));
    }
  } finally {
    t.close();
  }
});
