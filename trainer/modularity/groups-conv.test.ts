/**
 * Modularity with `groups` and on convolutions.
 *
 * (a) A dense two-task model with `groups: 4, subnetworks: 3` (through the session, cpu backend): a group of
 *     consecutive units (units / groups of them) is one clustered item, so every group has a single label in
 *     the report, the report's unit labels are the last clustering's item labels expanded, and the export
 *     removes whole groups. Two modular layers of different widths (8 and 5 units per group).
 * (b) A small CNN (6×6×1 synthetic blobs, two modular conv2d layers, flatten, dense logits; cpu backend, 60
 *     steps, about 4 s a run): training completes, masks multiply whole channels (every
 *     spatial position of a channel by its subnetwork's mask, soft and hard), the modularity loss is finite and
 *     in the metrics, and the export's outputs equal the masked model's; through the session the end-of-run
 *     report, the export and the metrics are on disk and the export matches the final checkpoint with the
 *     report's masks.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { MetricRecord } from '../../protocol/trainer';
import { loadModelText, parseModelText } from '../../spec';
import type { ModelFile } from '../../spec/types';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { TrainingLoop } from '../engine/loop';
import { SequentialModel } from '../engine/model';
import type { NamedArray } from '../store/checkpoint';
import { startRun } from '../session';
import { RunStore } from '../store/run-store';
import { EXPORT_MODEL_FILE, readExport } from '../surgery/export';
import { unitLabels } from './layout';
import { modularityPlugin, type ModularityPlugin } from './plugin';
import { analyzeModularity, exportDirOf, MODULARITY_HISTORY, MODULARITY_REPORT, type ModularityReport } from './report';
import type { HistoryFile } from './run-hooks';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-groups-conv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function build(model: ModelFile, weights: NamedArray[]): SequentialModel {
  const net = new SequentialModel(model.layers, model.train.seed);
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const v of [...net.trainable(), ...net.state()]) {
    const w = byName.get(v.name);
    assert.ok(w, `no weight for ${v.name}`);
    assert.deepEqual(w.shape, v.variable.shape, v.name);
    tf.tidy(() => v.variable.assign(tf.tensor(w.data, w.shape, w.dtype)));
  }
  return net;
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  assert.ok(worst <= 1e-5, `${what}: max |difference| ${worst}`);
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

// ------------------------------------------------------------------ (a) groups

const GROUPS = `name: groups
data: { source: synthetic, kind: two-task, samples: 1024, classes: 4, features: 16 }
model:
  input: [16]
  layers:
    - { type: dense, name: h1, units: 16, activation: relu }
    - { type: dense, name: h2, units: 10, activation: relu }
    - { type: dense, name: logits, units: 8 }
train: { steps: 100, batchSize: 32, optimizer: { type: adam, lr: 0.005 }, seed: 1, backend: cpu }
modularity: { groups: 4, subnetworks: 3, band: [1, 3], alarms: [1, 8], clusterEvery: 10, window: 10, samples: 16, warmup: 0.2, finetune: 0.2, maskInit: 0, maskCost: 1 }
`;

test('groups: every group of units/groups consecutive units has one label; the report and export follow the groups', async () => {
  await initBackend('cpu');
  const file = join(dir, 'groups.dynaxx.yaml');
  writeFileSync(file, GROUPS);
  const runsDir = join(dir, 'runs-groups');
  const run = await startRun(file, undefined, { runsDir });
  const perGroup: Record<string, number> = { h1: 8, h2: 5 };
  assert.equal(run.model.layers.find((n) => n.id === 'h1')!.outputShape[0], 32, 'h1 16 × 2');
  assert.equal(run.model.layers.find((n) => n.id === 'h2')!.outputShape[0], 20, 'h2 10 × 2');
  const result = await run.run();
  assert.equal(result.status, 'completed', result.error);
  const stored = new RunStore(runsDir).open(run.runId);
  const report = stored.readReport(MODULARITY_REPORT) as ModularityReport;
  const history = stored.readReport(MODULARITY_HISTORY) as HistoryFile;
  assert.ok(report && history, 'report and history written');

  assert.deepEqual(history.layers, [
    { id: 'h1', items: 4, unitsPerItem: 8, masked: true },
    { id: 'h2', items: 4, unitsPerItem: 5, masked: true },
    { id: 'logits', items: 8, unitsPerItem: 1, masked: false },
  ]);
  assert.ok(history.clusterings.length >= 2, 'clustered during the run');
  const last = history.clusterings[history.clusterings.length - 1]!;
  assert.equal(last.labels.length, 4 + 4 + 8, 'one label per group (and per logit)');
  assert.ok(history.clusterings.every((c) => c.labels.every((l) => Number.isInteger(l) && l >= 0 && l < 3)));

  let offset = 0;
  for (const id of ['h1', 'h2']) {
    const layer = report.layers.find((l) => l.id === id)!;
    const g = perGroup[id]!;
    assert.equal(layer.units, 4 * g);
    assert.ok(layer.masked);
    assert.equal(layer.labels.length, layer.units);
    for (let group = 0; group < 4; group++) {
      const labels = new Set(layer.labels.slice(group * g, (group + 1) * g));
      assert.equal(labels.size, 1, `${id} group ${group} has labels ${[...labels]}: ${layer.labels.join('')}`);
      // the report's labels are the (fixed since hardening) last clustering's item labels
      assert.equal([...labels][0], last.labels[offset + group], `${id} group ${group}`);
    }
    offset += 4;
    // every subnetwork holds whole groups of this layer
    for (const s of report.subnetworks) {
      const idx = s.indices[id]!;
      assert.equal(s.units[id], idx.length);
      assert.equal(idx.length % g, 0, `subnetwork ${s.id} holds part of a group of ${id}: ${idx}`);
      for (const u of idx) assert.equal(layer.labels[u], s.id);
    }
    const total = report.subnetworks.reduce((a, s) => a + s.units[id]!, 0);
    assert.equal(total, layer.units, `${id}: the subnetworks partition the units`);
  }
  assert.deepEqual(report.layers.find((l) => l.id === 'logits')!.labels, last.labels.slice(8), 'logits: one item per unit');

  // hard masks: the export removes whole groups, exactly those of closed subnetworks
  assert.ok(report.hardened && report.export);
  const ex = readExport(exportDirOf(run.runDir));
  const exported = loadModelText(ex.yaml, join(exportDirOf(run.runDir), EXPORT_MODEL_FILE));
  for (const id of ['h1', 'h2']) {
    const layer = report.layers.find((l) => l.id === id)!;
    const kept = report.subnetworks.filter((s) => s.kept).reduce((a, s) => a + s.units[id]!, 0);
    assert.equal(exported.layers.find((n) => n.id === id)!.outputShape[0], kept, `${id}: exported units`);
    assert.equal(ex.manifest.removed[id], layer.units - kept);
    assert.equal((layer.units - kept) % perGroup[id]!, 0);
  }
  assert.equal(report.export.params, exported.params);
});

// ------------------------------------------------------------------ (b) conv2d

/**
 * 6×6×1 inputs (blobs of 36 features reshaped), two conv2d layers of 4 filters (8 after ×2, padding same),
 * flatten, logits. warmup 0.2 and finetune 0.2 of 60 steps: masks from step 12, hard from step 48. Mask cost 1
 * from maskInit 0 closes one of the three subnetworks (seed 2: hard masks 1, 1, 0).
 */
const CONV = `name: conv
data: { source: synthetic, kind: blobs, samples: 256, classes: 4, features: 36, shape: [6, 6, 1] }
model:
  input: [6, 6, 1]
  layers:
    - { type: conv2d, name: c1, filters: 4, kernelSize: 3, activation: relu }
    - { type: conv2d, name: c2, filters: 4, kernelSize: 3, activation: relu }
    - { type: flatten }
    - { type: dense, name: logits, units: 4 }
train: { steps: 60, batchSize: 16, optimizer: { type: adam, lr: 0.005 }, seed: 2, backend: cpu }
modularity: { subnetworks: 3, band: [1, 3], alarms: [1, 8], clusterEvery: 10, window: 10, samples: 16, warmup: 0.2, finetune: 0.2, maskInit: 0, maskCost: 1 }
`;
const CONV_LAYERS = ['c1', 'c2'];
const C = 8;
/** Spatial size (padding same keeps it) and positions per channel after flatten. */
const H = 6;
const P = H * H;
const STEPS = 60;
const WARMUP_END = 12;

/** The eval transform of a conv layer on ones [2, H, H, C]: checks every position of channel c equals want[c]. */
function checkChannels(p: ModularityPlugin, step: number, id: string, want: (c: number) => number, tol: number, failures: string[]): void {
  const got = tf.tidy(() => p.transform(step, false)(id, tf.ones([2, H, H, C])).dataSync());
  for (let i = 0; i < got.length; i++) {
    const c = i % C;
    if (Math.abs(got[i]! - want(c)) > tol) {
      failures.push(`step ${step} ${id}: position ${Math.floor(i / C)} channel ${c}: ${got[i]} vs ${want(c)}`);
      return;
    }
  }
}

test('conv2d: masks multiply whole channels, the modularity loss is finite and reported, the export computes the masked model', async () => {
  await initBackend('cpu');
  const file = join(dir, 'conv.dynaxx.yaml');
  const parsed = parseModelText(CONV, file);
  assert.ok(parsed.model?.modularity, JSON.stringify(parsed.diagnostics));
  const model = parsed.model;
  assert.deepEqual(model.modularity!.layers, CONV_LAYERS);
  assert.deepEqual(model.layers.find((n) => n.id === 'c2')!.outputShape, [H, H, C]);
  const dataset = loadDataset(model.data, { seed: model.train.seed });
  assert.deepEqual(dataset.sampleShape, [H, H, 1]);
  const loop = new TrainingLoop({ model, dataset, logEvery: 5, plugins: [modularityPlugin(model.modularity!)] });
  const plugin = loop.plugins[0] as ModularityPlugin;
  try {
    assert.deepEqual(plugin.layout.layers.map((l) => [l.id, l.units, l.items, l.outputRank, l.masked]), [
      ['c1', C, C, 4, true], ['c2', C, C, 4, true], ['logits', 4, 4, 2, false],
    ]);
    assert.deepEqual(plugin.layout.connections.map((c) => c.positions), [1, P], `c1 → c2 per channel; flatten spreads c2 over ${P} positions`);

    const records: MetricRecord[] = [];
    const failures: string[] = [];
    let softChecked = 0;
    const res = await loop.run({
      onMetrics: (recs) => {
        records.push(...recs);
        const step = recs[0]!.step;
        if (recs[0]!.split !== 'train' || plugin.phase(step) !== 'soft') return;
        const theta = plugin.trainable()[0]!.variable.dataSync();
        const T = plugin.temperature(step);
        const labels = (plugin.saveState() as { labels: number[] }).labels;
        for (const id of CONV_LAYERS) {
          const l = plugin.layout.layers.find((x) => x.id === id)!;
          checkChannels(plugin, step, id, (c) => 1 / (1 + Math.exp(-theta[labels[l.offset + c]!]! / T)), 1e-6, failures);
        }
        softChecked++;
      },
    });
    assert.equal(res.status, 'completed', res.error);
    assert.deepEqual(failures, []);
    assert.ok(softChecked >= 5, `soft-phase reads: ${softChecked}`);

    // the modularity loss: finite, positive, in the train metrics once masks are on
    const train = records.filter((r) => r.split === 'train');
    const withLoss = train.filter((r) => r.step > WARMUP_END);
    assert.ok(withLoss.length >= 8, `${withLoss.length}`);
    for (const r of withLoss) {
      assert.ok(finite(r.modularityLoss) && r.modularityLoss > 0, `modularityLoss at ${r.step}: ${r.modularityLoss}`);
      assert.ok(finite(r.diversityLoss) && finite(r.modularityWeight) && finite(r.loss), JSON.stringify(r));
    }

    // hard masks per channel
    const r = await plugin.result(loop.currentStep);
    assert.ok(r.hardened);
    const kept = new Map<string, number[]>();
    for (const id of CONV_LAYERS) {
      const l = plugin.layout.layers.find((x) => x.id === id)!;
      const labels = unitLabels(l, r.labels);
      const hardFails: string[] = [];
      checkChannels(plugin, loop.currentStep, id, (c) => r.masks[labels[c]!]!, 0, hardFails);
      assert.deepEqual(hardFails, []);
      kept.set(id, Array.from(labels).flatMap((s, c) => (r.masks[s] === 1 ? [c] : [])));
    }
    const removed = CONV_LAYERS.map((id) => C - kept.get(id)!.length);
    assert.ok(removed.some((n) => n > 0), `some channels closed: masks ${r.masks}, labels ${r.labels}`);
    assert.ok(CONV_LAYERS.every((id) => kept.get(id)!.length > 0));

    // report + export; the export's outputs = the masked model's
    const snap = await loop.snapshot();
    const exportDir = exportDirOf(join(dir, 'conv-loop'));
    const report = await analyzeModularity(loop.net, model, dataset, r, snap.weights, loop.currentStep, { exportDir, sourceText: CONV, shapleyPermutations: 0 });
    assert.ok(report.export);
    const ex = readExport(exportDir);
    const exported = loadModelText(ex.yaml, join(exportDir, EXPORT_MODEL_FILE));
    assert.deepEqual(CONV_LAYERS.map((id) => exported.layers.find((n) => n.id === id)!.outputShape), CONV_LAYERS.map((id) => [H, H, kept.get(id)!.length]));
    assert.equal(exported.layers.find((n) => n.id === 'logits')!.inputShape[0], P * kept.get('c2')!.length);
    assert.equal(report.export.params, exported.params);
    assert.equal(ex.manifest.params, exported.params);
    // conv 3×3: c1 9·k1 + k1, c2 9·k1·k2 + k2, logits P·k2·4 + 4
    const [k1, k2] = CONV_LAYERS.map((id) => kept.get(id)!.length) as [number, number];
    assert.equal(exported.params, 9 * k1 + k1 + 9 * k1 * k2 + k2 + P * k2 * 4 + 4);
    const n = Math.min(64, dataset.validation.n);
    const xs = tf.tensor4d(dataset.validation.x.subarray(0, n * P), [n, H, H, 1]);
    const net = build(exported, ex.weights);
    try {
      const [masked, plain, small] = tf.tidy(() => [
        loop.net.forward(xs, loop.evalContext()).dataSync() as Float32Array,
        loop.net.forward(xs, { training: false, step: loop.currentStep }).dataSync() as Float32Array,
        net.forward(xs, { training: false, step: 0 }).dataSync() as Float32Array,
      ]);
      assertClose(small, masked, 'export vs masked model');
      assert.ok(plain.some((v, i) => Math.abs(v - masked[i]!) > 1e-3), 'the closed channels did contribute without the masks');
    } finally {
      xs.dispose();
      net.dispose();
    }
  } finally {
    loop.dispose();
  }
});

test('conv2d through the session: report, export and metrics on disk; the export matches the final checkpoint with the report\'s channel masks', async () => {
  await initBackend('cpu');
  const file = join(dir, 'conv-session.dynaxx.yaml');
  writeFileSync(file, CONV);
  const runsDir = join(dir, 'runs-conv');
  const run = await startRun(file, undefined, { runsDir });
  const result = await run.run();
  assert.equal(result.status, 'completed', result.error);
  const stored = new RunStore(runsDir).open(run.runId);
  const report = stored.readReport(MODULARITY_REPORT) as ModularityReport;
  assert.ok(report, 'reports/modularity.json');
  assert.ok(report.hardened && report.export);
  assert.deepEqual(report.layers.map((l) => [l.id, l.units, l.masked]), [['c1', C, true], ['c2', C, true], ['logits', 4, false]]);
  const exportDir = exportDirOf(run.runDir);
  for (const f of ['model.json', 'weights.bin', EXPORT_MODEL_FILE]) assert.ok(existsSync(join(exportDir, f)), f);
  const metrics = stored.readMetrics().filter((r) => r.split === 'train' && r.step > WARMUP_END);
  assert.ok(metrics.length > 0 && metrics.every((r) => finite(r.modularityLoss)), 'modularityLoss in metrics.jsonl');

  const ex = readExport(exportDir);
  const exported = loadModelText(ex.yaml, join(exportDir, EXPORT_MODEL_FILE));
  assert.equal(report.export.params, exported.params);
  const open = new Set(report.subnetworks.filter((s) => s.kept).map((s) => s.id));
  const masks = new Map(CONV_LAYERS.map((id) => [id, Float32Array.from(report.layers.find((l) => l.id === id)!.labels, (s) => (open.has(s) ? 1 : 0))]));
  for (const id of CONV_LAYERS) {
    const k = masks.get(id)!.reduce((a, b) => a + b, 0);
    assert.equal(exported.layers.find((n) => n.id === id)!.outputShape[2], k, `${id}: exported channels`);
  }
  const ckpt = stored.readCheckpoint();
  assert.ok(ckpt);
  assert.equal(ckpt.step, STEPS);
  const full = build(run.model, ckpt.weights.filter((w) => !w.name.startsWith('modularity/')));
  const small = build(exported, ex.weights);
  const n = Math.min(64, run.dataset.validation.n);
  const xs = tf.tensor4d(run.dataset.validation.x.subarray(0, n * P), [n, H, H, 1]);
  try {
    const transformOutput = (id: string, y: tf.Tensor): tf.Tensor => (masks.has(id) ? tf.mul(y, tf.tensor1d(masks.get(id)!)) : y);
    const [want, got] = tf.tidy(() => [
      full.forward(xs, { training: false, step: STEPS, transformOutput }).dataSync() as Float32Array,
      small.forward(xs, { training: false, step: 0 }).dataSync() as Float32Array,
    ]);
    assertClose(got, want, 'export vs checkpoint with the report\'s hard channel masks');
  } finally {
    xs.dispose();
    full.dispose();
    small.dispose();
  }
});

// ------------------------------------------------------------------ hardening never empties a layer

/**
 * Hard masks keep at least one subnetwork in every modular layer. Found with the model below (groups 2 on
 * conv layers, so each has 2 items): training closed both subnetworks that held c1's and c2's channels while a
 * third, with units only in `d`, stayed open; hardening kept c1 and c2 with no channel, the masked model's
 * output no longer depended on the input and the export threw ("every unit of conv2d layer 'c1' is masked out"),
 * so a session run lost its report.
 */
const POOLED = `name: pooled
data: { source: synthetic, kind: blobs, samples: 256, classes: 4, features: 64, shape: [8, 8, 1] }
model:
  input: [8, 8, 1]
  layers:
    - { type: conv2d, name: c1, filters: 4, kernelSize: 3, activation: relu }
    - { type: maxPool2d, poolSize: 2 }
    - { type: dropout, rate: 0.2 }
    - { type: conv2d, name: c2, filters: 4, kernelSize: 3, padding: valid, activation: elu }
    - { type: flatten }
    - { type: dense, name: d, units: 8, activation: tanh }
    - { type: dense, name: logits, units: 4 }
train: { steps: 40, batchSize: 16, optimizer: { type: adam, lr: 0.005 }, seed: 1, backend: cpu }
modularity: { groups: 2, subnetworks: 3, band: [1, 3], alarms: [1, 8], clusterEvery: 5, window: 5, samples: 16, warmup: 0.2, finetune: 0.2, maskInit: 0, maskCost: 1 }
`;

test('groups on conv layers with pooling, dropout and a modular dense after flatten: every modular layer keeps a unit, the export computes the masked model', async () => {
  await initBackend('cpu');
  const file = join(dir, 'pooled.dynaxx.yaml');
  const model = loadModelText(POOLED, file);
  const dataset = loadDataset(model.data, { seed: model.train.seed });
  const loop = new TrainingLoop({ model, dataset, plugins: [modularityPlugin(model.modularity!)] });
  const plugin = loop.plugins[0] as ModularityPlugin;
  try {
    const res = await loop.run({});
    assert.equal(res.status, 'completed', res.error);
    const r = await plugin.result(loop.currentStep);
    assert.ok(r.hardened);
    const ids = ['c1', 'c2', 'd'];
    assert.deepEqual(plugin.layout.layers.map((l) => [l.id, l.items, l.unitsPerItem]), [['c1', 2, 4], ['c2', 2, 4], ['d', 2, 8], ['logits', 4, 1]]);
    for (const id of ids) {
      const l = plugin.layout.layers.find((x) => x.id === id)!;
      const open = Array.from(unitLabels(l, r.labels)).filter((s) => r.masks[s] === 1).length;
      assert.ok(open > 0, `${id}: every unit closed (masks ${r.masks}, labels ${r.labels})`);
    }
    const snap = await loop.snapshot();
    const exportDir = exportDirOf(join(dir, 'pooled'));
    const report = await analyzeModularity(loop.net, model, dataset, r, snap.weights, loop.currentStep, { exportDir, sourceText: POOLED, shapleyPermutations: 0 });
    assert.ok(report.export);
    const ex = readExport(exportDir);
    const exported = loadModelText(ex.yaml, join(exportDir, EXPORT_MODEL_FILE));
    assert.equal(report.export.params, exported.params);
    const net = build(exported, ex.weights);
    const n = dataset.validation.n;
    const xs = tf.tensor4d(dataset.validation.x.subarray(0, n * 64), [n, 8, 8, 1]);
    try {
      const [masked, small] = tf.tidy(() => [
        loop.net.forward(xs, loop.evalContext()).dataSync() as Float32Array,
        net.forward(xs, { training: false, step: 0 }).dataSync() as Float32Array,
      ]);
      assertClose(small, masked, 'export vs masked model');
    } finally {
      xs.dispose();
      net.dispose();
    }
  } finally {
    loop.dispose();
  }
});

test('hardening opens the most open subnetwork of a modular layer whose units would all close (open masks elsewhere or none)', async () => {
  await initBackend('cpu');
  const model = loadModelText(`name: empty-layer
data: { source: synthetic, kind: blobs, samples: 64, classes: 4, features: 6 }
model:
  input: [6]
  layers:
    - { type: dense, name: h1, units: 4, activation: relu }
    - { type: dense, name: h2, units: 4, activation: relu }
    - { type: dense, name: logits, units: 4 }
train: { steps: 10, batchSize: 8, seed: 1, backend: cpu }
modularity: { subnetworks: 3 }
`, join(dir, 'empty-layer.dynaxx.yaml'));
  const dataset = loadDataset(model.data, { seed: 1 });
  // h1: all subnetwork 0; h2: subnetworks 1 and 2; logits 1, 1, 2, 2
  const labels = [...new Array(8).fill(0), 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2];
  for (const [theta, want] of [
    [[-5, 5, -4], [1, 1, 0]], // 1 open: h1 would lose every unit, its subnetwork 0 opens
    [[-5, -3, -4], [1, 1, 0]], // all closed: the most open (1) is kept, and h1's subnetwork 0
    [[-5, -3, 4], [1, 0, 1]], // 2 open (h2 keeps units): h1's only subnetwork 0 opens
    [[5, -3, -4], [1, 1, 0]], // 0 open (h1 keeps units): h2 would lose every unit, its most open (1) opens
  ] as Array<[number[], number[]]>) {
    const loop = new TrainingLoop({ model, dataset, plugins: [modularityPlugin(model.modularity!)] });
    const plugin = loop.plugins[0] as ModularityPlugin;
    try {
      plugin.loadState({ labels, clustered: true, scale: 1, hard: null, clusterer: null });
      tf.tidy(() => plugin.trainable()[0]!.variable.assign(tf.tensor1d(theta)));
      await plugin.hardenAtEnd(loop.currentStep);
      const r = await plugin.result(loop.currentStep);
      assert.deepEqual(Array.from(r.masks), want, `θ ${theta}`);
      for (const id of ['h1', 'h2']) {
        const f = tf.tidy(() => plugin.transform(loop.currentStep, false)(id, tf.ones([1, 8])).dataSync());
        assert.ok(f.some((v) => v === 1), `θ ${theta}: ${id} has an open unit`);
      }
    } finally {
      loop.dispose();
    }
  }
});
