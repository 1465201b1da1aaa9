/** `dynaxx report`: the dashboard data of real runs on disk (a plain run with layer statistics and a modular one). */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DnaReport } from '../../protocol/dna';
import * as reports from '../../protocol/reports';
import { DNA_REPORT, REPORT_NAMES, reportFile } from '../../protocol/reports';
import { dnaFixture } from '../../webviews/dashboard/fixture';
import { initBackend } from '../backend/backends';
import { startRun } from '../session';
import type { NamedArray } from '../store/checkpoint';
import { RunStore } from '../store/run-store';
import * as dnaReport from '../dna/report';
import * as modularityReport from '../modularity/report';
import * as pruneCommand from '../pruning/command';
import { collectDashboardData, decimate, dnaData, edgeMass, MAX_METRICS_PER_SPLIT } from './collect';
import { writeReport } from './command';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = [
  'data: { source: synthetic, kind: two-task, samples: 512, classes: 4, features: 16, validation: 0.2 }',
  'model:',
  '  input: [16]',
  '  layers:',
  '    - { type: dense, name: h1, units: 12, activation: relu }',
  '    - { type: dense, name: h2, units: 12, activation: relu }',
  '    - { type: dense, name: logits, units: 8 }',
  'train: { steps: 60, batchSize: 32, seed: 3, backend: cpu, statsEvery: 5 }',
  '',
].join('\n');

let plainId = '';
let modularId = '';
let modelPath = '';

before(async () => {
  await initBackend('cpu');
  modelPath = join(dir, 'plain.dynaxx.yaml');
  writeFileSync(modelPath, `name: plain\n${MODEL}`);
  const plain = await startRun(modelPath, undefined, { runsDir: join(dir, 'runs') });
  assert.equal((await plain.run()).status, 'completed');
  plainId = plain.runId;
  const modularPath = join(dir, 'modular.dynaxx.yaml');
  writeFileSync(modularPath, `name: modular\n${MODEL}modularity: { subnetworks: 3, band: [2, 3] }\n`);
  const modular = await startRun(modularPath, undefined, { runsDir: join(dir, 'runs') });
  assert.equal((await modular.run()).status, 'completed');
  modularId = modular.runId;
  // an alert whose text could break out of the page's script element
  const d = new RunStore(join(dir, 'runs')).open(modularId);
  d.appendAlert({ kind: 'other', step: 10, severity: 'warning', message: 'odd </script><script>alert(1)</script>' });
  d.close();
});

test('runs: name, status, model file, metrics per split, layer statistics rows and alerts', () => {
  const data = collectDashboardData(join(dir, 'runs'), [plainId, modularId]);
  assert.equal(data.standalone, true);
  assert.ok(!Number.isNaN(Date.parse(data.generatedAt)));
  assert.deepEqual(data.runs.map((r) => r.runId), [plainId, modularId]);
  const [plain, modular] = data.runs;
  assert.equal(plain!.name, 'plain');
  assert.equal(plain!.status, 'completed');
  assert.equal(plain!.modelFile, modelPath);
  assert.ok(plain!.metrics.some((m) => m.split === 'train' && typeof m.loss === 'number'));
  assert.ok(plain!.metrics.some((m) => m.split === 'validation'));
  assert.ok(plain!.layerStats.length >= 10, `layer statistics every 5 steps, got ${plain!.layerStats.length} rows`);
  const row = plain!.layerStats[0]!;
  assert.deepEqual(row.layers.map((l) => l.layerId).sort(), ['h1', 'h2', 'logits']);
  assert.equal(typeof row.layers[0]!.gradNorm, 'number');
  assert.ok(plain!.layerStats.every((r, i, a) => i === 0 || a[i - 1]!.step <= r.step), 'in step order');
  assert.ok(modular!.alerts.some((a) => a.message.includes('</script>')));
  // the first run has no reports: no subnetwork, Pareto, routing or routing-paths view
  assert.equal(data.subnetworks, undefined);
  assert.equal(data.pareto, undefined);
  assert.equal(data.routing, undefined);
  assert.equal(data.paths, undefined);
});

test('subnetworks of the first run: report fields, k × k symmetric edge mass, clustering history', () => {
  const data = collectDashboardData(join(dir, 'runs'), [modularId.slice(0, 22)]);
  const s = data.subnetworks;
  assert.ok(s, 'the modular run has a subnetwork view');
  assert.equal(s.k, 3);
  assert.deepEqual(s.layers.map((l) => l.id), ['h1', 'h2', 'logits']);
  assert.equal(s.layers[0]!.labels.length, s.layers[0]!.units);
  assert.equal(s.subnetworks.length, 3);
  assert.ok(!('indices' in s.subnetworks[0]!), 'per-unit indices stay out of the page');
  assert.ok(s.edgeMass, 'edge mass from the latest checkpoint');
  assert.equal(s.edgeMass.length, 3);
  for (let a = 0; a < 3; a++) {
    assert.equal(s.edgeMass[a]!.length, 3);
    for (let b = 0; b < 3; b++) assert.equal(s.edgeMass[a]![b], s.edgeMass[b]![a]);
  }
  assert.ok(s.edgeMass.flat().every((v) => Number.isFinite(v) && v >= 0));
  assert.ok(s.edgeMass.flat().reduce((x, y) => x + y) > 0);
  assert.ok(s.history && s.history.length >= 1);
  assert.ok(s.historyLayers && s.historyLayers.length === 3);
  const items = s.historyLayers.reduce((n, l) => n + l.items, 0);
  assert.ok(s.history.every((h) => h.labels.length === items && typeof h.changed === 'number' && typeof h.active === 'number'));
});

test('the writers name their reports from protocol/reports.ts; every report is reports/<name>.json', () => {
  assert.equal(modularityReport.MODULARITY_REPORT, reports.MODULARITY_REPORT);
  assert.equal(modularityReport.MODULARITY_HISTORY, reports.MODULARITY_HISTORY);
  assert.equal(pruneCommand.PARETO_REPORT, reports.PARETO_REPORT);
  assert.equal(pruneCommand.ROUTING_REPORT, reports.ROUTING_REPORT);
  assert.equal(dnaReport.DNA_REPORT, reports.DNA_REPORT);
  assert.deepEqual([...REPORT_NAMES].sort(), ['dna', 'growth', 'modularity', 'modularity-history', 'pareto', 'routing', 'transfer']);
  for (const name of REPORT_NAMES) assert.equal(reportFile(name), `${name}.json`);
  const stored = new RunStore(join(dir, 'runs')).open(modularId);
  assert.ok(existsSync(join(stored.dir, 'reports', reportFile(reports.MODULARITY_REPORT))));
  assert.ok(existsSync(join(stored.dir, 'reports', reportFile(reports.MODULARITY_HISTORY))));
  assert.deepEqual(stored.listReports(), [reports.MODULARITY_REPORT, reports.MODULARITY_HISTORY]);
});

test('run/dashboard\'s options: data for an editor, and only the reports of a finished run', () => {
  const editor = collectDashboardData(join(dir, 'runs'), [modularId, plainId], { standalone: false });
  assert.equal(editor.standalone, false);
  assert.equal(editor.runs.length, 2);
  const only = collectDashboardData(join(dir, 'runs'), [modularId, plainId], { reportsOnly: true });
  assert.deepEqual(only.runs, []);
  assert.deepEqual(only.subnetworks, editor.subnetworks);
});

test('edge mass: dense rows map to units directly or through a flatten (row mod C); unmappable shapes give undefined', () => {
  const k = (name: string, shape: number[], data: number[]): NamedArray => ({ name, shape, dtype: 'float32', data: Float32Array.from(data) });
  const layers = [{ id: 'a', labels: [0, 1] }, { id: 'b', labels: [1, 0] }];
  // b's kernel [2, 2]: rows = a's units (labels 0, 1), cols = b's units (labels 1, 0)
  const m = edgeMass(layers, 2, new Map([['b/kernel', k('b/kernel', [2, 2], [1, -2, 3, 4])]]));
  // row 0 (sub 0) → col 0 (sub 1): 1, col 1 (sub 0): 2; row 1 (sub 1) → col 0 (sub 1): 3, col 1 (sub 0): 4
  assert.deepEqual(m, [[2, 5], [5, 3]]);
  // after a flatten of [2 positions, 2 channels]: rows 0..3 map to channels 0, 1, 0, 1
  const f = edgeMass(layers, 2, new Map([['b/kernel', k('b/kernel', [4, 2], [1, 0, 0, 0, 1, 0, 0, 0])]]));
  assert.deepEqual(f, [[0, 2], [2, 0]]);
  assert.equal(edgeMass(layers, 2, new Map([['b/kernel', k('b/kernel', [3, 2], [0, 0, 0, 0, 0, 0])]])), undefined);
  assert.equal(edgeMass(layers, 2, new Map()), undefined);
});

test('large runs are decimated: at most 5000 metric records per split, first and last kept', () => {
  assert.deepEqual(decimate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4), [1, 4, 7, 10]);
  assert.deepEqual(decimate([1, 2, 3], 5), [1, 2, 3]);
  const runs = join(dir, 'big');
  const run = join(runs, '20250101-000000-big-0000');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'run.json'), JSON.stringify({ id: 'x', name: 'big', modelFile: '', status: 'completed', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', backend: 'cpu', device: 'cpu', step: 12000, totalSteps: 12000 }));
  const lines: string[] = [];
  for (let s = 1; s <= 12000; s++) lines.push(JSON.stringify({ step: s, time: s, split: 'train', loss: s === 12000 ? 'NaN' : 1 / s }));
  for (let s = 100; s <= 12000; s += 100) lines.push(JSON.stringify({ step: s, time: s, split: 'validation', loss: 1 }));
  writeFileSync(join(run, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  const [big] = collectDashboardData(runs, ['20250101']).runs;
  const train = big!.metrics.filter((m) => m.split === 'train');
  assert.equal(train.length, MAX_METRICS_PER_SPLIT);
  assert.equal(train[0]!.step, 1);
  assert.equal(train.at(-1)!.step, 12000);
  assert.ok(Number.isNaN(train.at(-1)!.loss));
  assert.equal(big!.metrics.filter((m) => m.split === 'validation').length, 120, 'small splits are kept whole');
});

test('writeReport: <run dir>/report.html by default, --out elsewhere; a missing bundle says to build', () => {
  const dist = join(dir, 'dist');
  mkdirSync(join(dist, 'webviews'), { recursive: true });
  writeFileSync(join(dist, 'webviews', 'dashboard.js'), 'console.log(1)');
  writeFileSync(join(dist, 'webviews', 'dashboard.css'), 'body{}');
  const w = writeReport(join(dir, 'runs'), [modularId, plainId], undefined, dist);
  assert.equal(w.file, join(dir, 'runs', modularId, 'report.html'));
  const html = readFileSync(w.file, 'utf8');
  assert.equal(Buffer.byteLength(html), w.bytes);
  assert.match(html, /console\.log\(1\)/);
  const json = /<script type="application\/json" id="dashboard-data">([^<]*)<\/script>/.exec(html);
  assert.ok(json);
  const back = JSON.parse(json[1]!) as { runs: Array<{ runId: string; alerts: Array<{ message: string }> }>; subnetworks?: unknown };
  assert.deepEqual(back.runs.map((r) => r.runId), [modularId, plainId]);
  assert.ok(back.runs[0]!.alerts.some((a) => a.message === 'odd </script><script>alert(1)</script>'));
  assert.ok(back.subnetworks);
  const out = writeReport(join(dir, 'runs'), [plainId], join(dir, 'out', 'nested', 'r.html'), dist);
  assert.equal(out.file, join(dir, 'out', 'nested', 'r.html'));
  assert.throws(() => writeReport(join(dir, 'runs'), [plainId], undefined, join(dir, 'nowhere')), /npm run build/);
});

/** A stored run with only `reports/dna.json` (what a DNA run leaves for the dashboard). */
function dnaRun(report: unknown): { runs: string; id: string } {
  const runs = mkdtempSync(join(dir, 'dna-'));
  const id = '20250102-000000-dna-0000';
  const run = join(runs, id);
  mkdirSync(join(run, 'reports'), { recursive: true });
  const at = '2025-01-02T00:00:00.000Z';
  writeFileSync(join(run, 'run.json'), JSON.stringify({ id, name: 'dna', modelFile: '', status: 'completed', createdAt: at, updatedAt: at, backend: 'cpu', device: 'cpu', step: 10, totalSteps: 10 }));
  writeFileSync(join(run, 'metrics.jsonl'), `${JSON.stringify({ step: 10, time: 1, split: 'train', loss: 0.5 })}\n`);
  writeFileSync(join(run, 'reports', reportFile(DNA_REPORT)), JSON.stringify(report));
  return { runs, id };
}

test('reports/dna.json gives the routing-paths view its data, as stored; an unknown version or shape is left out', () => {
  const report = dnaFixture();
  const { runs, id } = dnaRun(report);
  const data = collectDashboardData(runs, [id]);
  assert.ok(data.paths, 'a run with reports/dna.json has paths');
  assert.deepEqual(data.paths, JSON.parse(JSON.stringify(report)) as DnaReport);
  assert.equal(data.paths.layers[0]!.trained.usage.length, data.paths.layers[0]!.hops);
  assert.equal(collectDashboardData(dnaRun({ ...report, version: 2 }).runs, [id]).paths, undefined);
  assert.equal(dnaData({ version: 1, layers: [{ layerId: 'x' }] }), undefined);
  assert.equal(dnaData(null), undefined);
  assert.equal(dnaData([]), undefined);
});

test('the report of a DNA run embeds the paths, and the page it ships draws the "Routing paths" view', (t) => {
  const { runs, id } = dnaRun(dnaFixture());
  const dist = join(dir, 'dist-dna');
  mkdirSync(join(dist, 'webviews'), { recursive: true });
  writeFileSync(join(dist, 'webviews', 'dashboard.js'), 'console.log(1)');
  writeFileSync(join(dist, 'webviews', 'dashboard.css'), 'body{}');
  const w = writeReport(runs, [id], join(dir, 'dna.html'), dist);
  const json = /<script type="application\/json" id="dashboard-data">([^<]*)<\/script>/.exec(readFileSync(w.file, 'utf8'));
  assert.ok(json);
  const back = JSON.parse(json[1]!) as { paths?: DnaReport };
  assert.equal(back.paths?.layers[0]?.modules.map((m) => m.label).join(), 'attn0,attn1,attn2,attn3,mlp0,mlp1,mlp2,mlp3,skip');
  // the real bundle (npm test builds it first): the view is in the page's script
  const real = join(__dirname, '..', '..', 'dist');
  if (!existsSync(join(real, 'webviews', 'dashboard.js'))) return void t.skip('no dist/webviews bundle: run `npm run build`');
  const html = readFileSync(writeReport(runs, [id], join(dir, 'dna-real.html')).file, 'utf8');
  assert.match(html, /Routing paths/);
  assert.match(html, /"paths":\{"version":1/);
});
