/**
 * The modularity requests through the trainer's JSON-RPC server (trainer/main.ts over stdio, run from the
 * sources through tsx, as the extension drives dist/trainer.js): run/start on a small modular model, then
 * modularity/report, modularity/extract and modularity/transfer on the finished run; an unknown run id is
 * an error response and the trainer keeps serving.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  ModularityExtractRequest,
  ModularityReportRequest,
  ModularityTransferRequest,
  RunFinishedNotification,
  RunListRequest,
  RunStartRequest,
  TrainerErrorCodes,
  type RunFinishedParams,
} from '../../protocol/trainer';
import type { ModularityReport } from './report';

const ROOT = join(__dirname, '..', '..');

const model = (name: string, taskSeeds: string) => `name: ${name}
data:
  source: synthetic
  kind: two-task
  samples: 2048
  classes: 4
  features: 32
  taskSeeds: ${taskSeeds}
  validation: 0.1
model:
  input: [32]
  layers:
    - { type: dense, name: hidden1, units: 32, activation: relu }
    - { type: dense, name: hidden2, units: 32, activation: relu }
    - { type: dense, name: logits, units: 8 }
train:
  epochs: 2
  batchSize: 64
  optimizer: { type: adam, lr: 0.002 }
  seed: 1
  backend: cpu
modularity:
  subnetworks: 4
  band: [2, 6]
  alarms: [2, 8]
`;

let dir: string;
let runsDir: string;
let conn: MessageConnection;
let child: ReturnType<typeof spawn>;
let stderr = '';
let runId: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dynaxx-modularity-rpc-'));
  runsDir = join(dir, 'runs');
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'trainer', 'main.ts'), '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => { stderr += String(d); });
  conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, { clientName: 'test', runsDir });
});

after(() => {
  conn?.dispose();
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('run/start on a modular model file, then modularity/report has subnetworks and a history', async () => {
  const file = join(dir, 'modular.dynaxx.yaml');
  writeFileSync(file, model('modular-rpc', '[1, 2]'));
  const finished = new Promise<RunFinishedParams>((r) => conn.onNotification(RunFinishedNotification.type, r));
  const started = await conn.sendRequest(RunStartRequest.type, { modelFile: file, metricsIntervalMs: 50 });
  const done = await finished;
  assert.equal(done.runId, started.runId);
  assert.equal(done.status, 'completed', `${done.error ?? ''}\n${stderr}`);
  runId = started.runId;

  const { report, history } = await conn.sendRequest(ModularityReportRequest.type, { runId });
  assert.ok(report, 'no modularity report');
  const r = report as ModularityReport;
  assert.equal(r.k, 4);
  assert.equal(r.subnetworks.length, 4);
  assert.deepEqual(r.tasks.map((t) => t.name), ['left', 'right']);
  assert.ok(r.layers.some((l) => l.masked));
  assert.ok(history !== null && history !== undefined, 'no clustering history');
  assert.ok(Array.isArray(history) ? history.length > 0 : typeof history === 'object');
});

test('modularity/extract of one subnetwork: fewer params than the full model, export written', async () => {
  assert.ok(runId, 'needs the run of the first test');
  const { report } = await conn.sendRequest(ModularityReportRequest.type, { runId });
  const r = report as ModularityReport;
  const masked = r.layers.filter((l) => l.masked);
  // a subnetwork with units in every modular layer (an extracted model needs at least one unit per layer)
  const sub = [...Array(r.k).keys()].find((s) => masked.every((l) => l.labels.includes(s)));
  assert.ok(sub !== undefined, `no subnetwork spans every modular layer: ${JSON.stringify(masked.map((l) => l.labels))}`);
  const outDir = join(dir, 'extracted');
  const ex = await conn.sendRequest(ModularityExtractRequest.type, { runId, subnetworks: [sub], outDir });
  assert.equal(ex.dir, outDir);
  assert.ok(ex.params > 0 && ex.params < ex.fullParams, `params ${ex.params} of ${ex.fullParams}`);
  assert.ok(ex.flops < ex.fullFlops);
  assert.equal(ex.accuracy.length, 2);
  assert.ok(existsSync(outDir) && readdirSync(outDir).length > 0, 'the export directory is empty');
});

test('modularity/transfer on a related task: one keep|retrain row per non-empty subnetwork', async () => {
  assert.ok(runId, 'needs the run of the first test');
  const related = join(dir, 'related.dynaxx.yaml');
  writeFileSync(related, model('related', '[1, 3]'));
  const { report } = await conn.sendRequest(ModularityReportRequest.type, { runId });
  const r = report as ModularityReport;
  const nonEmpty = new Set(r.layers.filter((l) => l.masked).flatMap((l) => l.labels));
  const { rows } = await conn.sendRequest(ModularityTransferRequest.type, { runId, dataFile: related, samples: 128 });
  assert.deepEqual(rows.map((x) => x.subnetwork).sort(), [...nonEmpty].sort());
  for (const row of rows) {
    assert.ok(row.advice === 'keep' || row.advice === 'retrain', row.advice);
    assert.ok(row.units > 0);
    assert.ok(Number.isFinite(row.cosine) && row.cosine >= -1 - 1e-6 && row.cosine <= 1 + 1e-6, `cosine ${row.cosine}`);
    assert.ok(row.ratio >= 0);
  }
});

test('an unknown run id is an error response, and the trainer keeps serving', async () => {
  // the code the protocol gives an unknown run id (TrainerErrorCodes.InvalidRequest), as run/delete does
  const isError = (e: unknown) => {
    assert.ok(e instanceof ResponseError, String(e));
    assert.match(e.message, /no-such-run/);
    assert.equal(e.code, TrainerErrorCodes.InvalidRequest, e.message);
    return true;
  };
  await assert.rejects(conn.sendRequest(ModularityReportRequest.type, { runId: 'no-such-run' }), isError);
  await assert.rejects(conn.sendRequest(ModularityExtractRequest.type, { runId: 'no-such-run', subnetworks: [0] }), isError);
  await assert.rejects(conn.sendRequest(ModularityTransferRequest.type, { runId: 'no-such-run', dataFile: join(dir, 'related.dynaxx.yaml') }), isError);
  assert.equal(child.exitCode, null, `the trainer exited:\n${stderr}`);
  const list = await conn.sendRequest(RunListRequest.type, {});
  assert.ok(Array.isArray(list.runs));
});
