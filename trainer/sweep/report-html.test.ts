/** A sweep's HTML report: one self-contained page with the sweep's data and its runs found on disk (two real tiny runs). */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PointResult, SweepRecord } from '../../protocol/sweep';
import type { DashboardData } from '../../protocol/webview';
import { initBackend } from '../backend/backends';
import { startRun } from '../session';
import { sweepDashboardData, writeSweepReport } from './report-html';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-sweep-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const runs = join(dir, 'runs');

const MODEL = (seed: number) => [
  'name: tiny',
  'data: { source: synthetic, kind: two-task, samples: 256, classes: 4, features: 8, validation: 0.25 }',
  'model:',
  '  input: [8]',
  '  layers:',
  '    - { type: dense, name: h, units: 8, activation: relu }',
  '    - { type: dense, name: logits, units: 8 }',
  `train: { steps: 12, batchSize: 32, seed: ${seed}, backend: cpu, statsEvery: 4 }`,
  '',
].join('\n');

const ids: string[] = [];
let record: SweepRecord;
const dist = join(dir, 'dist');

before(async () => {
  await initBackend('cpu');
  for (const seed of [1, 2]) {
    const file = join(dir, `seed${seed}.dynaxx.yaml`);
    writeFileSync(file, MODEL(seed));
    const run = await startRun(file, undefined, { runsDir: runs });
    assert.equal((await run.run()).status, 'completed');
    ids.push(run.runId);
  }
  mkdirSync(join(dist, 'webviews'), { recursive: true });
  writeFileSync(join(dist, 'webviews', 'dashboard.js'), 'console.log("bundle")');
  writeFileSync(join(dist, 'webviews', 'dashboard.css'), 'body{}');
  const points = [0, 1, 2, 3].map((index) => ({ index, values: { 'train.seed': 1 + (index % 2), 'stabilize': index < 2 ? 'off' : 'auto' }, jobId: `sw-${index}` }));
  const results: PointResult[] = [
    { point: 0, jobId: 'sw-0', status: 'completed', attempts: 1, runId: ids[0], worker: 'here:1', metric: 0.5, final: { valAccuracy: 0.5 } },
    { point: 1, jobId: 'sw-1', status: 'completed', attempts: 1, runId: ids[1], worker: 'here:2', metric: 0.7, final: { valAccuracy: 0.7 } },
    // ran on another machine without a shared runs directory
    { point: 2, jobId: 'sw-2', status: 'completed', attempts: 1, runId: '20261201-000000-tiny-ffff', worker: 'there:9', metric: 0.9, final: { valAccuracy: 0.9 } },
    { point: 3, jobId: 'sw-3', status: 'failed', attempts: 2, worker: 'there:9', error: 'value </script><script>alert(1)</script> refused' },
  ];
  record = {
    def: {
      id: 'sw', name: 'tiny </script> sweep', file: 'tiny.sweep.yaml', modelName: 'tiny.dynaxx.yaml', modelPath: join(dir, 'tiny.dynaxx.yaml'), command: 'train',
      metric: { name: 'valAccuracy', goal: 'max' }, axes: ['stabilize', 'train.seed'], seedAxes: ['train.seed'], points, attempts: 2, createdAt: '2026-12-01T00:00:00Z',
    },
    executor: 'redis://host:6379', status: 'completed', results, updatedAt: '2026-12-01T00:10:00Z',
  };
});

function embedded(html: string): DashboardData {
  const m = /<script type="application\/json" id="dashboard-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the data element');
  assert.ok(!m[1]!.includes('<'));
  return JSON.parse(m[1]!, (_k, v: unknown) => (v === 'NaN' ? Number.NaN : v)) as DashboardData;
}

test('the data: the local runs overlaid (best first, named by their axis values), the missing one listed', () => {
  const data = sweepDashboardData(runs, record);
  assert.deepEqual(data.runs.map((r) => r.runId), [ids[1], ids[0]], 'the best metric of the runs here first (the best of all is elsewhere)');
  assert.deepEqual(data.runs.map((r) => r.name), ['#1 stabilize=off seed=2', '#0 stabilize=off seed=1']);
  assert.ok(data.runs.every((r) => r.metrics.some((m) => m.split === 'train')));
  assert.deepEqual(data.sweep?.missingRuns, ['20261201-000000-tiny-ffff']);
  assert.equal(data.sweep?.rows.length, 4);
  assert.equal(data.sweep?.pareto, undefined);
  assert.equal(data.standalone, true);
});

test('one self-contained HTML file: no remote URLs, a CSP nonce, the sweep and its runs inside', () => {
  const out = join(dir, 'out', 'sweep.html');
  const w = writeSweepReport(runs, record, out, dist);
  assert.equal(w.file, out);
  const html = readFileSync(out, 'utf8');
  assert.equal(Buffer.byteLength(html), w.bytes);
  assert.doesNotMatch(html, /https?:\/\//, 'no http(s) URL anywhere');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(csp);
  assert.match(csp[1]!, /default-src 'none'/);
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp[1]!)?.[1];
  assert.ok(nonce && nonce.length >= 16);
  assert.match(html, new RegExp(`<script nonce="${nonce.replace(/[+/=]/g, '\\$&')}"`));
  assert.match(html, /console\.log\("bundle"\)/);
  assert.equal((html.match(/<\/script>/gi) ?? []).length, (html.match(/<script\b/gi) ?? []).length, 'no string closes an element early');
  const data = embedded(html);
  assert.equal(data.sweep?.name, 'tiny </script> sweep');
  assert.equal(data.sweep?.rows[3]?.error, 'value </script><script>alert(1)</script> refused');
  assert.deepEqual(data.runs.map((r) => r.runId).sort(), [...ids].sort());
  assert.deepEqual(data.sweep?.perAxis.map((a) => a.values.map((v) => [v.value, v.n, v.failed])), [[['off', 2, 0], ['auto', 1, 1]]]);
  assert.throws(() => writeSweepReport(runs, record, out, join(dir, 'nowhere')), /npm run build/);
});

test('no run on this machine: still a report, every run listed as missing', () => {
  const data = sweepDashboardData(join(dir, 'empty-runs'), record);
  assert.deepEqual(data.runs, []);
  assert.equal(data.sweep?.missingRuns.length, 3);
  const w = writeSweepReport(join(dir, 'empty-runs'), record, join(dir, 'empty.html'), dist);
  assert.ok(w.bytes > 0);
});

test('with the real dashboard bundle: the sweep view is in it', (t) => {
  const real = join(__dirname, '..', '..', 'dist');
  if (!existsSync(join(real, 'webviews', 'dashboard.js'))) return void t.skip('no dist/webviews bundle: run `npm run build`');
  const html = readFileSync(writeSweepReport(runs, record, join(dir, 'real.html')).file, 'utf8');
  assert.match(html, /Sweep/);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
});
