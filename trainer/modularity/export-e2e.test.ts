/**
 * End to end: a small two-task modular MLP trained with a mask cost that closes subnetworks at hardening (and
 * fine-tuned after it), then the kept subnetworks exported. The export is physically smaller by exactly the
 * units of closed subnetworks, its weights loaded into a `SequentialModel` built from its own model file give
 * the masked model's outputs (`loop.evalContext()`), and the report's parameter counts are the export's.
 * The same through the session (`startRun`): `reports/modularity.json` and `export/modules/` on disk, the
 * export against the final checkpoint with the report's masks. cpu backend (exact), about 100 steps each.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { loadModelText, parseModelText } from '../../spec';
import type { ModelFile } from '../../spec/types';
import { initBackend } from '../backend/backends';
import { reportOnly } from '../data/eval-split';
import { loadDataset } from '../data/load';
import { TrainingLoop } from '../engine/loop';
import { SequentialModel } from '../engine/model';
import type { NamedArray } from '../store/checkpoint';
import { startRun } from '../session';
import { RunStore } from '../store/run-store';
import { EXPORT_MODEL_FILE, readExport } from '../surgery/export';
import { unitLabels } from './layout';
import { modularityPlugin, type ModularityPlugin, type ModularityResult } from './plugin';
import { analyzeModularity, exportDirOf, MODULARITY_REPORT, type ModularityReport } from './report';

const dir = mkdtempSync(join(tmpdir(), 'dynaxx-export-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FILE = join(dir, 'e2e.dynaxx.yaml');
const HIDDEN = ['h1', 'h2'];

/**
 * Inputs 8 = [a | b], 4 classes per task (logits 0..3 task `left`, 4..7 `right`); hidden 16 → 32 units after
 * over-parameterisation. warmup 0.2 and finetune 0.2 of 100 steps: masks from step 20, hard from step 80, then
 * 20 steps of training with the masks fixed. `maskInit: 0` with mask cost 2 closes some masks during the soft phase (seeds 1 and 2: 2 and 1 of 4).
 */
function source(maskCost: number, seed: number): string {
  return `name: e2e
data: { source: synthetic, kind: two-task, samples: 1024, classes: 4, features: 8 }
model:
  input: [8]
  layers:
    - { type: dense, name: h1, units: 16, activation: relu }
    - { type: dense, name: h2, units: 16, activation: relu }
    - { type: dense, name: logits, units: 8 }
train: { steps: 100, batchSize: 32, optimizer: { type: adam, lr: 0.005 }, seed: ${seed}, backend: cpu }
modularity: { subnetworks: 4, band: [1, 4], alarms: [1, 8], clusterEvery: 10, window: 10, samples: 16, warmup: 0.2, finetune: 0.2, maskInit: 0, maskCost: ${maskCost} }
`;
}

/** Units of each masked layer whose subnetwork's hard mask is 1. */
function keptUnits(r: ModularityResult): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const l of r.layout.layers) {
    if (!l.masked) continue;
    const labels = unitLabels(l, r.labels);
    const kept: number[] = [];
    labels.forEach((s, u) => {
      if (r.masks[s] === 1) kept.push(u);
    });
    out.set(l.id, kept);
  }
  return out;
}

/** A `SequentialModel` of `model` holding `weights`; every variable must be given with its exact shape. */
function build(model: ModelFile, weights: NamedArray[]): SequentialModel {
  const net = new SequentialModel(model.layers, model.train.seed);
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const v of [...net.trainable(), ...net.state()]) {
    const w = byName.get(v.name);
    assert.ok(w, `the export has no weight for ${v.name}`);
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

/** Dense params of in → widths... → out, written out by hand (kernel + bias per layer). */
function mlpParams(widths: number[]): number {
  let p = 0;
  for (let i = 1; i < widths.length; i++) p += widths[i - 1]! * widths[i]! + widths[i]!;
  return p;
}

test('a trained modular MLP: the export drops exactly the closed subnetworks\' units and computes the masked model', async () => {
  await initBackend('cpu');
  const text = source(2, 1);
  writeFileSync(FILE, text);
  const parsed = parseModelText(text, FILE);
  assert.ok(parsed.model?.modularity, JSON.stringify(parsed.diagnostics));
  const model = parsed.model;
  const dataset = loadDataset(model.data, { seed: model.train.seed });
  const hardens: Array<{ step: number; hard: number[] }> = [];
  const loop = new TrainingLoop({
    model, dataset, logEvery: 10,
    plugins: [modularityPlugin(model.modularity!, { events: { onHarden: (h) => hardens.push(h) } })],
  });
  const plugin = loop.plugins[0] as ModularityPlugin;
  try {
    const res = await loop.run({});
    assert.equal(res.status, 'completed', res.error);
    assert.equal(loop.currentStep, 100);
    assert.deepEqual(hardens.map((h) => h.step), [80], 'hardened once, at 1 − finetune, with 20 steps of training after');

    const r = await plugin.result(loop.currentStep);
    assert.ok(r.hardened);
    assert.ok(Array.from(r.masks).every((m) => m === 0 || m === 1), `hard masks ${r.masks}`);
    const kept = keptUnits(r);
    const total = HIDDEN.map((id) => r.layout.layers.find((l) => l.id === id)!.units);
    assert.deepEqual(total, [32, 32], 'over-parameterised ×2');
    const keptCount = HIDDEN.map((id) => kept.get(id)!.length);
    assert.ok(keptCount.every((n) => n > 0), `every modular layer keeps a unit: ${keptCount}`);
    assert.ok(keptCount.some((n, i) => n < total[i]!), `some units are in closed subnetworks: masks ${r.masks}, kept ${keptCount}`);

    // the report (and the export it writes) on the run's weights
    const snap = await loop.snapshot();
    const exportDir = exportDirOf(join(dir, 'loop-run'));
    const report = await analyzeModularity(loop.net, model, dataset, r, snap.weights, loop.currentStep, {
      exportDir, sourceText: text, shapleyPermutations: 0,
    });
    assert.ok(report.hardened && report.export, 'a hardened run has an export');
    // the most specialised subnetwork is chosen off the reported split: no test split, so the numbers are on
    // validation and the choice on a training sample; with a (guarded) test split, the choice is on validation
    assert.equal(report.split, 'validation');
    assert.ok(report.best);
    assert.equal(report.bestChosenOn, 'training sample');
    const withTest = await analyzeModularity(loop.net, model, { ...dataset, test: reportOnly(dataset.validation, 'test') }, r, snap.weights, loop.currentStep, { shapleyPermutations: 0 });
    assert.equal(withTest.split, 'test');
    assert.equal(withTest.bestChosenOn, 'validation');
    assert.deepEqual(withTest.best!.drops, withTest.subnetworks[withTest.best!.subnetwork]!.accuracyDrop, 'reported with the test split\'s drops');

    const ex = readExport(exportDir);
    const exported = loadModelText(ex.yaml, join(exportDir, EXPORT_MODEL_FILE));
    assert.equal(exported.modularity, undefined, 'the export is a plain model');
    const exUnits = HIDDEN.map((id) => exported.layers.find((n) => n.id === id)!.outputShape[0]!);
    assert.deepEqual(exUnits, keptCount, 'exported units = units whose subnetwork has hard mask 1');
    assert.deepEqual(ex.manifest.removed, Object.fromEntries(HIDDEN.map((id, i) => [id, total[i]! - keptCount[i]!])));
    assert.deepEqual(report.export.removed, ex.manifest.removed);
    // kept subnetworks in the report cover exactly the exported units
    for (const [i, id] of HIDDEN.entries()) {
      const fromReport = report.subnetworks.filter((s) => s.kept).flatMap((s) => s.indices[id]!).sort((a, b) => a - b);
      assert.deepEqual(fromReport, kept.get(id), `${id}: the report's kept subnetworks hold the exported units`);
      assert.deepEqual(report.layers.find((l) => l.id === id)!.labels, Array.from(unitLabels(r.layout.layers[i]!, r.labels)));
    }
    // params: report = manifest = the export's model file = counted by hand
    const byHand = mlpParams([8, ...keptCount, 8]);
    assert.equal(exported.params, byHand);
    assert.equal(ex.manifest.params, byHand);
    assert.equal(report.export.params, byHand);
    assert.equal(report.export.fullParams, model.params);
    assert.equal(model.params, mlpParams([8, 32, 32, 8]));
    assert.equal(report.export.flops, exported.flops);
    assert.ok(exported.params < model.params);
    // the weights file holds exactly the export's variables: no mask θ, no signal ring
    assert.ok(ex.weights.every((w) => !w.name.startsWith('modularity/')), ex.weights.map((w) => w.name).join(', '));

    // outputs on real samples: export = masked model (loop.evalContext()), and the masks matter
    const n = Math.min(128, dataset.validation.n);
    assert.ok(n >= 64, `validation samples: ${dataset.validation.n}`);
    const xs = tf.tensor2d(dataset.validation.x.subarray(0, n * 8), [n, 8]);
    const net = build(exported, ex.weights);
    try {
      assert.equal(ex.weights.length, net.trainable().length + net.state().length, 'no stray arrays in the export');
      const [masked, plain, small] = tf.tidy(() => [
        loop.net.forward(xs, loop.evalContext()).dataSync() as Float32Array,
        loop.net.forward(xs, { training: false, step: loop.currentStep }).dataSync() as Float32Array,
        net.forward(xs, { training: false, step: 0 }).dataSync() as Float32Array,
      ]);
      assertClose(small, masked, 'export vs masked model');
      assert.ok(plain.some((v, i) => Math.abs(v - masked[i]!) > 1e-3), 'the closed units did contribute without the masks');
    } finally {
      net.dispose();
      xs.dispose();
    }
    // the export's measured accuracy is the masked model's (same split, the same outputs)
    const tol = 1 / report.samples + 1e-9;
    report.export.accuracy.forEach((a, t) => assert.ok(Math.abs(a - report.accuracy[t]!) <= tol, `task ${t}: export ${a}, masked ${report.accuracy[t]}`));
  } finally {
    loop.dispose();
  }
});

test('through the session: reports/modularity.json and export/modules/ of a completed run match the final checkpoint with the report\'s masks', async () => {
  await initBackend('cpu');
  const file = join(dir, 'session.dynaxx.yaml');
  writeFileSync(file, source(2, 2));
  const runsDir = join(dir, 'runs');
  const run = await startRun(file, undefined, { runsDir });
  const result = await run.run();
  assert.equal(result.status, 'completed', result.error);
  const stored = new RunStore(runsDir).open(run.runId);
  const report = stored.readReport(MODULARITY_REPORT) as ModularityReport;
  assert.ok(report, 'reports/modularity.json');
  assert.ok(report.hardened);
  const exportDir = exportDirOf(run.runDir);
  assert.ok(existsSync(join(exportDir, 'model.json')) && existsSync(join(exportDir, 'weights.bin')) && existsSync(join(exportDir, EXPORT_MODEL_FILE)));
  assert.ok(report.export, 'the report describes the export');

  const ex = readExport(exportDir);
  const exported = loadModelText(ex.yaml, join(exportDir, EXPORT_MODEL_FILE));
  assert.equal(report.export.params, exported.params);
  assert.equal(report.export.params, ex.manifest.params);
  assert.equal(report.export.fullParams, run.model.params);

  // the report's masks: units of a kept subnetwork are exported, the others are not
  const open = new Set(report.subnetworks.filter((s) => s.kept).map((s) => s.id));
  assert.ok(report.subnetworks.every((s) => s.mask === 0 || s.mask === 1), 'hard masks');
  const keep = new Map<string, number[]>();
  for (const id of HIDDEN) {
    const labels = report.layers.find((l) => l.id === id)!.labels;
    const kept = labels.flatMap((s, u) => (open.has(s) ? [u] : []));
    keep.set(id, kept);
    assert.equal(exported.layers.find((n) => n.id === id)!.outputShape[0], kept.length, `${id}: exported units`);
    assert.equal(ex.manifest.removed[id], labels.length - kept.length);
  }
  assert.equal(exported.params, mlpParams([8, ...HIDDEN.map((id) => keep.get(id)!.length), 8]));
  assert.ok(HIDDEN.some((id) => ex.manifest.removed[id]! > 0), `some units removed: ${JSON.stringify(ex.manifest.removed)}`);

  // the final checkpoint's weights with the report's hard masks = the export
  const ckpt = stored.readCheckpoint();
  assert.ok(ckpt, 'a final checkpoint');
  assert.equal(ckpt.step, 100);
  const full = build(run.model, ckpt.weights.filter((w) => !w.name.startsWith('modularity/')));
  const small = build(exported, ex.weights);
  const n = Math.min(128, run.dataset.validation.n);
  const xs = tf.tensor2d(run.dataset.validation.x.subarray(0, n * 8), [n, 8]);
  try {
    const masks = new Map(HIDDEN.map((id) => {
      const m = new Float32Array(32);
      for (const u of keep.get(id)!) m[u] = 1;
      return [id, m];
    }));
    const transformOutput = (id: string, y: tf.Tensor): tf.Tensor => (masks.has(id) ? tf.mul(y, tf.tensor1d(masks.get(id)!)) : y);
    const [want, got] = tf.tidy(() => [
      full.forward(xs, { training: false, step: 100, transformOutput }).dataSync() as Float32Array,
      small.forward(xs, { training: false, step: 0 }).dataSync() as Float32Array,
    ]);
    assertClose(got, want, 'export vs checkpoint with hard masks');
  } finally {
    xs.dispose();
    full.dispose();
    small.dispose();
  }
  assert.ok(readFileSync(join(run.runDir, 'model.dynaxx.yaml'), 'utf8').includes('maskCost: 2'));
});
