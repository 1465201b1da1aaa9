// The language-model tools' registration, against the vscode stub: skipped cleanly where the editor has no
// `vscode.lm` (the stub, like code-server builds without it), registered where it has, and declared in package.json
// with the same names and input schemas.
import './test/register-vscode';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunDashboardParams, RunSummary } from '../protocol/trainer';
import type { DashboardData } from '../protocol/webview';
import { Config } from './config';
import { LM_TOOLS, lmApiOf, registerLmTools, type LmToolsCtx } from './lm-tools';
import { Output } from './output';
import { fakeHost } from './test/fake-host';
import * as stubModule from './test/vscode-stub';
import { stub } from './test/vscode-stub';

const RUN: RunSummary = {
  id: 'r2', name: 'deep', modelFile: '/ws/deep.dynaxx.yaml', status: 'diverged', backend: 'cpu', device: 'CPU',
  createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:01:00Z', step: 56, totalSteps: 300,
};

function setup() {
  stub.reset();
  const requests: Array<{ method: string; params: unknown }> = [];
  const host = fakeHost();
  Object.assign(host, {
    remoteAddress: undefined,
    request: async (type: { method: string }, params: unknown) => {
      requests.push({ method: type.method, params });
      if (type.method === 'run/list') return { runs: [{ ...RUN, id: 'r1', createdAt: '2026-11-30T10:00:00Z' }, RUN] };
      const p = params as RunDashboardParams;
      const data: DashboardData = {
        runs: [p.runId, ...(p.compare ?? [])].map((runId) => ({
          runId, name: 'deep', status: 'diverged', metrics: [], layerStats: [],
          alerts: [{ kind: 'grad-norm', step: 10, layerId: 'blocks[2].dense', value: 1e6, threshold: 50, severity: 'warning', message: 'gradient norm of blocks[2].dense is 1e+6' }],
        })),
        generatedAt: '2026-12-01T10:02:00Z', standalone: false,
      };
      return data;
    },
  });
  const ctx: LmToolsCtx = { host, config: new Config(), output: new Output() };
  return { ctx, requests };
}

/** An editor module with the 1.95 API: records the registered tools. */
function editorWithLm() {
  const tools = new Map<string, any>();
  class LanguageModelTextPart { constructor(readonly value: string) {} }
  class LanguageModelToolResult { constructor(readonly content: LanguageModelTextPart[]) {} }
  const mod = {
    ...stubModule,
    LanguageModelTextPart,
    LanguageModelToolResult,
    lm: { registerTool: (name: string, tool: unknown) => (tools.set(name, tool), new stubModule.Disposable(() => tools.delete(name))) },
  };
  return { mod, tools };
}

test('without vscode.lm the tools are skipped with one log line, and nothing throws', () => {
  const { ctx } = setup();
  assert.equal(lmApiOf(stubModule), undefined);
  assert.equal(lmApiOf(undefined), undefined);
  assert.equal(lmApiOf({ lm: {} }), undefined);
  assert.equal(lmApiOf({ lm: { registerTool: () => undefined } }), undefined, 'no result classes: skipped too');
  assert.deepEqual(registerLmTools(ctx, stubModule), []);
  const log = stub.output.join('');
  assert.match(log, /language-model tools: .*no vscode\.lm\.registerTool.*skipped/);
  assert.equal(log.match(/language-model tools/g)?.length, 1);
});

test('with vscode.lm the three tools are registered and answer from run/dashboard', async () => {
  const { ctx, requests } = setup();
  const { mod, tools } = editorWithLm();
  const disposables = registerLmTools(ctx, mod);
  assert.deepEqual([...tools.keys()].sort(), LM_TOOLS.map((t) => t.name).sort());

  const explain = tools.get('dynaxx_explainLayer');
  assert.match(explain.prepareInvocation({ input: { layerId: 'blocks[2].dense' } }).invocationMessage, /blocks\[2\]\.dense/);
  const result = await explain.invoke({ input: { layerId: 'blocks[2].dense' } }, {});
  const text: string = result.content[0].value;
  assert.match(text, /Layer `blocks\[2\]\.dense` in run deep \(r2/, 'the newest run by default');
  assert.match(text, /grad-norm/);
  assert.deepEqual(requests.map((r) => r.method), ['run/list', 'run/dashboard']);

  const compare = await tools.get('dynaxx_compareRuns').invoke({ input: {} }, {});
  assert.match(compare.content[0].value, /Comparing 2 run/);
  assert.deepEqual((requests.at(-1)!.params as RunDashboardParams).compare, ['r1'], 'the newest run and the other run of its model file');

  for (const d of disposables) d.dispose();
  assert.equal(tools.size, 0);
});

test('a trainer failure is text for the model, with the detail in the output channel', async () => {
  const { ctx } = setup();
  Object.assign(ctx.host, { request: async () => { throw new Error('run nope not found'); } });
  const { mod, tools } = editorWithLm();
  registerLmTools(ctx, mod);
  const r = await tools.get('dynaxx_summarizeRun').invoke({ input: { runId: 'nope' } }, {});
  assert.match(r.content[0].value, /Could not read run nope from the Dynaxx trainer: run nope not found/);
  assert.match(stub.output.join(''), /dynaxx_summarizeRun \(nope\): run nope not found/);
});

test('package.json declares the registered tools with the same names and input schemas', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  const declared: Array<{ name: string; inputSchema: unknown; modelDescription: string; displayName: string; toolReferenceName: string }> = pkg.contributes.languageModelTools;
  assert.deepEqual(declared.map((t) => t.name), LM_TOOLS.map((t) => t.name));
  for (const spec of LM_TOOLS) {
    const d = declared.find((t) => t.name === spec.name)!;
    assert.deepEqual(d.inputSchema, spec.inputSchema, spec.name);
    assert.ok(d.modelDescription.length > 80 && d.displayName && d.toolReferenceName, spec.name);
  }
});
