/**
 * Every hostile-input file of the corpus through the three ways in: `dynaxx check` (a real process: exit code,
 * positioned first error, no stack, at most 300 MB and a few seconds), the language server (a positioned
 * diagnostic, while another document keeps answering hover within 200 ms) and `run/start` over the trainer protocol
 * (an error with the position, no stack). expected.json says what each file must give.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { spawn } from 'node:child_process';
import { InitializeRequest, RunStartRequest, TrainerErrorCodes } from '../../protocol/trainer';
import { specLimits } from '../../spec/limits';
import { TestClient } from '../../server/test-client';
import { CLI, requireBuild, ROOT, tempDir, TRAINER } from '../helpers';
import { corpusFiles, expectations, type Expectation } from './corpus';

const BUDGET_MS = 5000; // a generous bound for a process start plus the check; the bombs take about 0.2 s here
const BUDGET_RSS_KB = 300 * 1024;
const STACK = /^\s+at .+[:(]/m;

const files = corpusFiles();
const expected = expectations();

test('every corpus file has an expectation, and every expectation a file', () => {
  assert.deepEqual(Object.keys(files).sort(), Object.keys(expected).sort());
});

test('dynaxx check: the expected exit code and first error position, no stack, bounded time and memory', { timeout: 600_000 }, () => {
  requireBuild();
  const failures: string[] = [];
  for (const [name, path] of Object.entries(files)) {
    const want = expected[name];
    if (!want) continue;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--require', join(__dirname, 'rss-probe.cjs'), CLI, 'check', path], {
      cwd: ROOT, encoding: 'utf8', timeout: 20_000, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], input: '', maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - t0;
    const rssKb = Number(String(r.output[3] ?? '').trim());
    const out = `${r.stdout}${r.stderr}`;
    const problems = judgeCheck(path, want, r.status, out);
    if (ms > BUDGET_MS) problems.push(`took ${ms.toFixed(0)} ms (budget ${BUDGET_MS})`);
    if (!(rssKb > 0 && rssKb < BUDGET_RSS_KB)) problems.push(`peak memory ${(rssKb / 1024).toFixed(0)} MB (budget ${BUDGET_RSS_KB / 1024})`);
    if (problems.length > 0) failures.push(`${name}: ${problems.join('; ')}\n    ${out.slice(0, 400).replace(/\n/g, '\n    ')}`);
  }
  assert.deepEqual(failures, []);
});

function judgeCheck(path: string, want: Expectation, code: number | null, out: string): string[] {
  const problems: string[] = [];
  if (code !== want.exit) problems.push(`exit ${code}, expected ${want.exit}`);
  if (STACK.test(out)) problems.push('prints a stack trace');
  if (want.exit === 2) {
    const first = out.split('\n').find((l) => l.includes(': error: '));
    if (!first) problems.push('no positioned error line');
    else {
      if (want.at && !first.startsWith(`${path}:${want.at}: error: `)) problems.push(`first error not at ${want.at}: ${first.slice(0, 200)}`);
      if (want.message && !new RegExp(want.message).test(first)) problems.push(`first error does not match /${want.message}/`);
    }
  }
  return problems;
}

test('language server: each file gets its positioned diagnostic while another document answers hover within 200 ms', { timeout: 600_000 }, async () => {
  requireBuild();
  const client = await TestClient.start({ bundled: true, debounceMs: 0 });
  try {
    const good = await client.open(join(ROOT, 'examples', 'fashion-mlp.dynaxx.yaml'));
    await client.waitForDiagnostics(good);
    const failures: string[] = [];
    const maxBytes = specLimits().maxModelBytes;
    for (const [name, path] of Object.entries(files)) {
      const want = expected[name]!;
      if (statSync(path).size > maxBytes * 2) continue; // the editor would not send 50 MB; the size cap is tested by check
      const uri = await client.open(path, readFileSync(path, 'utf8'));
      const t0 = performance.now();
      await client.request('textDocument/hover', { textDocument: { uri: good }, position: { line: 7, character: 8 } });
      const hoverMs = performance.now() - t0;
      if (hoverMs > 200) failures.push(`${name}: hover on another document took ${hoverMs.toFixed(0)} ms`);
      const pub = await client.waitForDiagnostics(uri, undefined, 0, 15_000).catch(() => undefined);
      if (!pub) { failures.push(`${name}: no diagnostics within 15 s`); continue; }
      const errors = pub.params.diagnostics.filter((d) => d.severity === 1);
      if (want.exit === 2 && !want.checkOnly && errors.length === 0) failures.push(`${name}: no error diagnostic`);
      for (const d of pub.params.diagnostics) if (STACK.test(String(d.message))) failures.push(`${name}: a stack in a diagnostic`);
      if (want.exit === 2 && want.at && errors[0] && !want.checkOnly) {
        const at = `${errors[0].range.start.line + 1}:${errors[0].range.start.character + 1}`;
        if (at !== want.at) failures.push(`${name}: first error at ${at}, expected ${want.at}: ${String(errors[0].message).slice(0, 120)}`);
      }
      await client.notify('textDocument/didClose', { textDocument: { uri } });
    }
    assert.deepEqual(failures, []);
  } finally {
    await client.stop();
  }
});

test('run/start with each rejected file as modelText: an error with its position, no stack, a bounded message', { timeout: 600_000 }, async () => {
  requireBuild();
  const child = spawn(process.execPath, [TRAINER, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest.type, { clientName: 'fuzz', runsDir: tempDir('dynaxx-fuzz-runs-') });
    const failures: string[] = [];
    const maxBytes = specLimits().maxModelBytes;
    const codes: number[] = [TrainerErrorCodes.InvalidModel, TrainerErrorCodes.InvalidRequest];
    for (const [name, path] of Object.entries(files)) {
      const want = expected[name]!;
      if (want.exit !== 2 || statSync(path).size > maxBytes * 2) continue;
      const text = readFileSync(path, 'utf8');
      const answer = await conn.sendRequest(RunStartRequest.type, { modelFile: path, modelText: text, overrides: { backend: 'cpu' } })
        .then(() => undefined, (e: { code: number; message: string }) => e);
      if (!answer) { failures.push(`${name}: started a run`); continue; }
      if (!codes.includes(answer.code)) failures.push(`${name}: error code ${answer.code}: ${answer.message.slice(0, 160)}`);
      if (STACK.test(answer.message)) failures.push(`${name}: a stack in the error`);
      if (answer.message.length > 8192) failures.push(`${name}: a ${answer.message.length}-character error`);
      if (want.at && !want.checkOnly && !answer.message.includes(`:${want.at}: error: `)) failures.push(`${name}: no error at ${want.at}: ${answer.message.slice(0, 160)}`);
    }
    assert.deepEqual(failures, []);
  } finally {
    conn.dispose();
    child.kill();
  }
});
