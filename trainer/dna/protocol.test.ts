/**
 * dna/report through the trainer's JSON-RPC server (trainer/main.ts over stdio, from the sources through tsx):
 * run/start on a small patch-routed model, its metrics carry the routing metrics, then dna/report returns the
 * stored path statistics; a run without routed layers answers null.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  DnaReportRequest,
  InitializeRequest,
  RunFinishedNotification,
  RunMetricsNotification,
  RunStartRequest,
  type RunFinishedParams,
} from '../../protocol/trainer';

const ROOT = join(__dirname, '..', '..');

const model = (name: string, layer: string) => `name: ${name}
data: { source: synthetic, kind: blobs, samples: 512, classes: 3, features: 64, validation: 0.2, shape: [8, 8, 1] }
model:
  input: [8, 8, 1]
  layers:
    - { type: patchEmbed, name: patches, patch: 2, dim: 8 }
    - ${layer}
    - { type: tokenPool }
    - { type: dense, name: logits, units: 3 }
train: { steps: 12, batchSize: 32, seed: 2, backend: cpu }
`;

let dir: string;
let conn: MessageConnection;
let child: ReturnType<typeof spawn>;
let stderr = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dynaxx-dna-rpc-'));
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'trainer', 'main.ts'), '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => { stderr += String(d); });
  conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, { clientName: 'test', runsDir: join(dir, 'runs') });
});

after(() => {
  conn?.dispose();
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function train(name: string, layer: string): Promise<{ runId: string; metrics: Array<Record<string, unknown>> }> {
  const file = join(dir, `${name}.dynaxx.yaml`);
  writeFileSync(file, model(name, layer));
  const metrics: Array<Record<string, unknown>> = [];
  const sub = conn.onNotification(RunMetricsNotification.type, (p) => {
    metrics.push(...(p.records as unknown as Array<Record<string, unknown>>));
  });
  const finished = new Promise<RunFinishedParams>((r) => {
    const d = conn.onNotification(RunFinishedNotification.type, (p) => {
      d.dispose();
      r(p);
    });
  });
  const { runId } = await conn.sendRequest(RunStartRequest.type, { modelFile: file, metricsIntervalMs: 20 });
  const done = await finished;
  sub.dispose();
  assert.equal(done.status, 'completed', `${done.error ?? ''}\n${stderr}`);
  return { runId, metrics };
}

test('dna/report returns the path statistics of a routed run; its metrics carry the routed FLOPs', async () => {
  const { runId, metrics } = await train('routed', '{ type: dna, name: dna, hops: 2, attention: 1, mlp: 1, identity: 1, heads: 2, mlpRatio: 2, computeWeight: 0.1 }');
  assert.ok(metrics.some((m) => m.split === 'train' && typeof m.flopsPerSample === 'number'), 'no routing metrics in run/metrics');
  const { report } = await conn.sendRequest(DnaReportRequest.type, { runId });
  assert.ok(report, 'no report');
  assert.equal(report.layers[0]!.layerId, 'dna');
  assert.equal(report.tokensPerSample, 16);
  assert.deepEqual(report.layers[0]!.trained.associations.map((a) => a.by), ['class', 'position']);
  assert.equal(report.layers[0]!.trained.associations[1]!.groups[0]!.label, 'row 0 col 0');
});

test('dna/report of a run without routed layers is null', async () => {
  const { runId } = await train('dense', '{ type: transformer, name: block, heads: 2, mlpRatio: 2 }');
  const { report } = await conn.sendRequest(DnaReportRequest.type, { runId });
  assert.equal(report, null);
});
