/**
 * The language-model tools' text (extension/lm-tools-text.ts) on real run directories: runs trained by the CLI,
 * their DashboardData built as the trainer's `run/dashboard` builds it (trainer/report/collect.ts). examples/
 * unstable-deep diverges with per-layer alerts within seconds; two small blobs runs differ in optimizer, learning
 * rate and stabilization, so the comparison has a clear winner.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { DIVERGENCE_REMEDY as TRAINER_REMEDY } from '../trainer/engine/train-metrics';
import { collectDashboardData } from '../trainer/report/collect';
import { compareRuns, DIVERGENCE_REMEDY, explainLayer, summarizeRun } from '../extension/lm-tools-text';
import { blobsModel, ROOT, runCli, tempDir, writeModel } from './helpers';

const MAX_CHARS = 8000;
let runsDir = '';
let unstable = '';
let good = '';
let slow = '';

function train(file: string, ...args: string[]): string {
  const before = new Set(readdirSync(runsDir));
  const r = runCli(['train', file, '--runs-dir', runsDir, '--quiet', ...args]);
  assert.ok(r.code === 0 || r.code === 1, `${r.code}: ${r.stderr}`);
  const ids = readdirSync(runsDir).filter((n) => !n.startsWith('.') && !before.has(n));
  assert.equal(ids.length, 1, ids.join(', '));
  return ids[0]!;
}

before(() => {
  const dir = tempDir('dynaxx-lm-');
  runsDir = join(dir, 'runs');
  mkdirSync(runsDir);
  unstable = train(join(ROOT, 'examples', 'unstable-deep.dynaxx.yaml'), '--backend', 'cpu');
  good = train(writeModel(dir, 'good.dynaxx.yaml', blobsModel()));
  const stabilized = blobsModel({ optimizer: 'sgd', lr: 0.0005, extra: 'stabilize: auto\n' }).replace('  seed: 7\n', '  seed: 7\n  statsEvery: 10\n');
  slow = train(writeModel(dir, 'slow.dynaxx.yaml', stabilized));
});

test('the fix is worded as the trainer words it', () => {
  assert.equal(DIVERGENCE_REMEDY, TRAINER_REMEDY);
});

test('explain a layer of unstable-deep: its alerts, its history, the fix', () => {
  const data = collectDashboardData(runsDir, [unstable], { standalone: false });
  const run = data.runs[0]!;
  const statIds = new Set(run.layerStats.flatMap((r) => r.layers.map((l) => l.layerId)));
  const alert = run.alerts.find((a) => a.layerId !== undefined && statIds.has(a.layerId) && a.kind !== 'nan' && a.kind !== 'inf');
  assert.ok(alert, JSON.stringify(run.alerts.map((a) => [a.kind, a.layerId])));
  const layer = alert.layerId!;
  const text = explainLayer(data, unstable, layer);
  assert.ok(text.length < MAX_CHARS, `${text.length} chars`);
  assert.ok(text.includes(`# Layer \`${layer}\` in run unstable-deep (${unstable}, diverged)`), text);
  assert.ok(text.includes(`step ${alert.step}: ${alert.kind} (warning) on \`${layer}\``), text);
  assert.match(text, /- gradient norm: first [\d.e+-]+ \(step 0\), last .*median/);
  assert.match(text, /- activation variance: first /);
  assert.match(text, /(NaN|Infinity) from step \d+/, 'where it went non-finite');
  assert.match(text, /The run did not use `stabilize:`/);
  assert.match(text, /Lower the learning rate to 0\.3 \(train\.optimizer\.lr, now 3\)/);
  assert.match(text, /Enable gradient clipping \(train\.clipNorm: 1\.0\)/);
  assert.match(text, /Enable stabilization for this stack \(stabilize: auto\)/);
  assert.ok(text.includes(TRAINER_REMEDY));

  const unknown = explainLayer(data, unstable, 'nope');
  assert.match(unknown, /no statistics or alerts for a layer `nope`/);
  assert.ok(unknown.includes(`\`${layer}\``), 'lists the layers it knows');
});

test('explain a layer of a stabilized run: what the stabilizer did', () => {
  const data = collectDashboardData(runsDir, [slow], { standalone: false });
  const text = explainLayer(data, slow, 'hidden');
  assert.match(text, /The run used `stabilize: auto`/);
  assert.match(text, /Spectral bound: (σ of each weight matrix rescaled to at most [\d.]+ → [\d.]+|off)/);
  assert.match(text, /Residual scaling/);
  assert.match(text, /Learning rate applied: first /);
  assert.match(text, /No alerts on this layer: nothing to fix from the data\./);
});

test('summarise a run: status, backend, steps, metrics, alerts by kind and layer', () => {
  const diverged = summarizeRun(collectDashboardData(runsDir, [unstable], { standalone: false }), unstable);
  assert.ok(diverged.length < MAX_CHARS, `${diverged.length} chars`);
  assert.match(diverged, /- Status: diverged \(/);
  assert.match(diverged, /- Backend: cpu on /);
  assert.match(diverged, /- Steps: \d+ of 300/);
  assert.match(diverged, /- Training: sgd lr 3, batch 64, seed 42, clip off/);
  assert.match(diverged, /- Training loss: first /);
  assert.match(diverged, /## Alerts \(\d+\)\n- /);
  assert.match(diverged, /- nan \(error\) ×\d+, steps \d+–\d+ on \d+ layer\(s\): /);
  assert.match(diverged, /## Reports\nNone/);

  const done = summarizeRun(collectDashboardData(runsDir, [good], { standalone: false }), good);
  assert.match(done, /- Status: completed\n/);
  assert.match(done, /- Steps: 60 of 60/);
  assert.match(done, /- Final: .*valAccuracy \d+\.\d%/);
  assert.match(done, /- Validation accuracy: last \d+\.\d% \(step \d+\), best/);
  assert.match(done, /## Alerts \(0\)\nNone\./);
});

test('compare runs: a table, the settings that differ, the best on validation', () => {
  const data = collectDashboardData(runsDir, [slow, good, unstable], { standalone: false });
  const text = compareRuns(data, [slow, good, unstable]);
  assert.ok(text.length < MAX_CHARS, `${text.length} chars`);
  assert.match(text, /\| run \| status \| steps \| backend \| lr \| seed \| stabilize \| val acc \| val loss \| alerts \|/);
  assert.ok(text.includes(`| blobs-test (${good}) | completed | 60/60 | cpu | 0.01 | 7 | off |`), text);
  assert.ok(text.includes(`| blobs-test (${slow}) | completed | 60/60 | cpu | 5e-4 | 7 | auto |`), text);
  assert.match(text, /- Architecture: the model files differ/);
  assert.match(text, /- optimizer: blobs-test sgd, blobs-test adam, unstable-deep sgd/);
  assert.match(text, /- stabilize: blobs-test auto, blobs-test off, unstable-deep off/);
  assert.ok(text.includes(`## Best on validation\nblobs-test (${good}): validation accuracy`), text);

  const same = compareRuns(collectDashboardData(runsDir, [good, slow], { standalone: false }), [good, slow, 'missing-run']);
  assert.match(same, /Not in the data: missing-run\./);
  assert.match(same, /- Architecture: the same/);
});

test('long lists are capped with "and N more"', () => {
  const alerts = Array.from({ length: 30 }, (_, i) => ({ kind: 'grad-norm' as const, step: 10, layerId: `blocks[${i}].dense`, value: 1e6, threshold: 40, severity: 'warning' as const, message: 'gradient norm' }));
  const data = { runs: [{ runId: 'r', name: 'deep', status: 'completed', metrics: [], layerStats: [], alerts }], generatedAt: '', standalone: false };
  assert.match(summarizeRun(data, 'r'), /- grad-norm \(warning\) ×30, steps 10–10 on 30 layer\(s\): `blocks\[0\]\.dense`, .* and 22 more\n/);
  assert.match(summarizeRun(data, 'r'), /Backend, steps and settings: not sent by the trainer/, 'says what is missing');
  const many = { ...data, runs: [{ ...data.runs[0]!, alerts: alerts.map((a) => ({ ...a, layerId: 'stem' })) }] };
  assert.match(explainLayer(many, 'r', 'stem'), /## Alerts \(30\)\n(- step 10: .*\n){10}- … and 20 more\n/);
});

test('an alert grouped on the first layer that crossed (Alert.others) explains each of its layers', () => {
  const alert = {
    kind: 'grad-norm' as const, step: 10, layerId: 'blocks[28].dense', value: 2e6, threshold: 40, severity: 'warning' as const,
    message: 'gradient norm of blocks[28].dense is 2e+6', others: [{ layerId: 'blocks[7].dense', value: 3.77e5 }, { layerId: 'stem', value: 1.5e5 }],
  };
  const data = { runs: [{ runId: 'r', name: 'deep', status: 'diverged', metrics: [], layerStats: [], alerts: [alert] }], generatedAt: '', standalone: false };
  const text = explainLayer(data, 'r', 'blocks[7].dense');
  assert.match(text, /- step 10: grad-norm \(warning\) on `blocks\[7\]\.dense` — value 3\.77e\+5, threshold 40 \(one alert for 3 layers at this step; `blocks\[28\]\.dense` crossed first\)/);
  assert.match(text, /No per-layer statistics were recorded for this layer/);
  assert.match(summarizeRun(data, 'r'), /- grad-norm \(warning\) ×1, steps 10–10 on 3 layer\(s\): `blocks\[28\]\.dense`, `blocks\[7\]\.dense`, `stem`/);
});
