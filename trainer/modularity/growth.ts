/**
 * Growth (seed 000): a trained modular run gets `add` new subnetworks for new data or new tasks. Every
 * modular layer gains the units of `add` average-sized subnetworks; new tasks get new logits. The old
 * subnetworks, their masks and every other old weight are frozen (bit-identical: gradients zeroed and the
 * frozen entries restored after each update); the weights from new units into old units are 0 and frozen
 * (the gates from new subnetworks into old ones stay closed), so old tasks compute exactly what they did.
 * Old units feed the new ones (reuse). When the new data has no new task, the new units' weights into the
 * old logits are trained (new data for old tasks needs them). New subnetworks carry learnable mask gates.
 * An optional joint fine-tune unfreezes everything for the last `jointSteps` steps.
 *
 * The result is a new run (`reports/growth.json`: old tasks' accuracy before and after, new tasks'
 * accuracy, and whether the frozen weights stayed bit-identical).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { GROWTH_REPORT, type GrowthReport } from '../../protocol/reports';
import type { LayerNode, ModelFile, ModularitySpec } from '../../spec/types';
import { loadModelFile, loadModelText } from '../../spec';
import { readModelText } from '../../spec/parse';
import { checkResources } from '../resources';
import { initBackend } from '../backend/backends';
import { evaluationSplit } from '../data/eval-split';
import { loadDataset } from '../data/load';
import { requireOnePositionPerTask } from '../data/positions';
import type { Dataset, Split, TaskInfo } from '../data/types';
import { TrainingLoop } from '../engine/loop';
import { netWith, readWeights } from '../engine/weights';
import { UserError } from '../errors';
import { checkCompatible, wire, type PreparedRun, type SessionOptions } from '../session';
import type { NamedArray } from '../store/checkpoint';
import { RunStore } from '../store/run-store';
import { evaluateMasked } from './analysis/masked-eval';
import { writePrunedYaml } from '../surgery/model-file';
import { modularityPlugin, ModularityPlugin, storedResult, type GrowthSetup, type ModularityResult } from './plugin';
import { buildLayout } from './layout';
import { analyzeModularity, exportDirOf, MODULARITY_REPORT, partitionOf, summarize, type ModularityReport } from './report';

export interface GrowOptions {
  /** New subnetworks (default 2). */
  add?: number;
  epochs?: number;
  steps?: number;
  lr?: number;
  /** Unfreeze everything for the last N steps (joint fine-tune; default 0). */
  jointSteps?: number;
  backend?: ModelFile['train']['backend'];
}

export type { GrowthReport } from '../../protocol/reports';

interface Parent {
  id: string;
  dir: string;
  model: ModelFile;
  spec: ModularitySpec;
  sourceText: string;
  weights: NamedArray[];
  /** The parent's subnetworks with their hard masks. */
  result: ModularityResult;
  /** The parent's tasks (from its modularity report; its dataset only when the report lacks them). */
  tasks: Array<{ name: string; classes: number }>;
}

function readParent(store: RunStore, runId: string): Parent {
  const dir = store.open(runId);
  const meta = dir.meta();
  if (meta.status !== 'completed') throw new UserError(`run ${dir.id} is ${meta.status}; growth needs a completed modular run`);
  const model = dir.readSpec();
  if (!model.modularity) throw new UserError(`run ${dir.id} has no 'modularity:' block: only modular runs can grow. Train a model with a modularity: section first.`);
  const ckpt = dir.readCheckpoint();
  if (!ckpt) throw new UserError(`run ${dir.id} has no readable checkpoint`);
  const stored = storedResult(model.modularity, model.layers, ckpt.state);
  const report = dir.readReport(MODULARITY_REPORT) as Pick<ModularityReport, 'subnetworks' | 'tasks'> | undefined;
  if (!stored) throw new UserError(`run ${dir.id}'s checkpoint has no modularity state`);
  const hard = stored.hardened ? stored.masks : report?.subnetworks.map((s) => (s.kept ? 1 : 0));
  if (!hard) throw new UserError(`run ${dir.id} never hardened its masks; let it complete first`);
  let sourceText: string;
  try {
    sourceText = readFileSync(join(dir.dir, 'model.dynaxx.yaml'), 'utf8');
  } catch {
    throw new UserError(`run ${dir.id} has no model.dynaxx.yaml (runs from a model.json cannot grow)`);
  }
  return {
    id: dir.id, dir: dir.dir, model, spec: model.modularity, sourceText, weights: ckpt.weights,
    result: { ...stored, masks: Float32Array.from(hard), hardened: true },
    tasks: report?.tasks ?? loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) }).tasks,
  };
}

/** The grown model file: wider modular layers, more logits, the new data section, no modularity block. */
function grownModel(parent: Parent, unitsAdded: Map<string, number>, newClasses: number, dataFile: string, o: GrowOptions): { model: ModelFile; text: string } {
  const layers: LayerNode[] = parent.model.layers.map((n) => {
    const add = n.id === parent.spec.outputLayer ? newClasses : unitsAdded.get(n.id) ?? 0;
    if (add === 0) return n;
    const key = n.type === 'conv2d' ? 'filters' : 'units';
    const cfg = n.config as unknown as Record<string, number>;
    return { ...n, config: { ...n.config, [key]: cfg[key]! + add } as LayerNode['config'] };
  });
  const doc = parseDocument(writePrunedYaml(parent.sourceText, parent.model, layers));
  const dataDoc = parseDocument(readModelText(dataFile));
  const data = dataDoc.get('data', true);
  if (data === undefined) throw new UserError(`${dataFile} has no 'data:' section: growth needs the new data described there`);
  doc.set('data', data);
  doc.set('name', `${parent.model.name}-grown`);
  const train = doc.get('train', true) as { set?: (k: string, v: unknown) => void } | undefined;
  if (train?.set) {
    if (o.epochs !== undefined) { train.set('epochs', o.epochs); train.set('steps', 0); }
    if (o.steps !== undefined) train.set('steps', o.steps);
    if (o.lr !== undefined) doc.setIn(['train', 'optimizer', 'lr'], o.lr);
    if (o.backend !== undefined) train.set('backend', o.backend);
  }
  const text = doc.toString({ lineWidth: 0 });
  // the grown file sits beside the data file so that relative data paths resolve as written there
  const file = join(dirname(dataFile), `${parent.model.name}-grown.dynaxx.yaml`);
  return { model: loadModelText(text, file), text };
}

/** Prepares a growth run of `runId` on the data described by `dataFile` (its `data:` section). */
export async function startGrowth(runId: string, dataFile: string, o: GrowOptions, opts: SessionOptions): Promise<PreparedRun> {
  const store = new RunStore(opts.runsDir);
  const parent = readParent(store, runId);
  const add = o.add ?? 2;
  if (!Number.isInteger(add) || add < 1) throw new UserError(`--add must be a positive integer, got ${add}`);
  const dataModel = loadModelFile(dataFile);
  const { layout: oldLayout, labels: parentLabels, masks: parentHard } = parent.result;
  const K = parent.spec.subnetworks;
  const used = new Set<number>();
  for (const l of oldLayout.layers) if (l.masked) for (let i = l.offset; i < l.offset + l.items; i++) used.add(parentLabels[i]!);
  const unitsAdded = new Map<string, number>();
  for (const l of oldLayout.layers) {
    if (!l.masked) continue;
    const per = Math.max(1, Math.round(l.items / Math.max(1, used.size)));
    unitsAdded.set(l.id, per * add * l.unitsPerItem);
  }

  const backend = await initBackend(o.backend ?? dataModel.train.backend);
  checkResources(dataModel, backend.backend); // the new data fits before it is generated
  const dataset = loadDataset(dataModel.data, { seed: dataModel.train.seed, baseDir: dirname(dataModel.file) });
  requireOnePositionPerTask(dataset, 'growth');
  const parentTasks = parent.tasks;
  const oldTasks = dataset.tasks.slice(0, parentTasks.length);
  if (oldTasks.length !== parentTasks.length || oldTasks.some((t, i) => t.name !== parentTasks[i]!.name || t.classes !== parentTasks[i]!.classes)) {
    throw new UserError(`the new data's tasks (${dataset.tasks.map((t) => `${t.name}:${t.classes}`).join(', ')}) must start with the run's tasks `
      + `(${parentTasks.map((t) => `${t.name}:${t.classes}`).join(', ')}), in that order; list them first with data.tasks in ${dataFile}`);
  }
  const newTasks = dataset.tasks.slice(parentTasks.length);
  const newClasses = newTasks.reduce((a, t) => a + t.classes, 0);
  const grown = grownModel(parent, unitsAdded, newClasses, dataFile, o);
  const spec: ModularitySpec = { ...parent.spec, subnetworks: K + add, warmup: 0, controller: false };
  const model: ModelFile = { ...grown.model, modularity: spec };
  checkCompatible(model, dataset);
  checkResources(model, backend.backend);

  const layout = buildLayout(spec, model.layers);
  const labels = new Int32Array(layout.items);
  const frozen = new Map<string, Float32Array>();
  const byName = new Map(parent.weights.map((w) => [w.name, w]));
  layout.layers.forEach((l, li) => {
    const old = oldLayout.layers[li]!;
    for (let i = 0; i < l.items; i++) {
      labels[l.offset + i] = i < old.items ? parentLabels[old.offset + i]! : K + Math.floor(((i - old.items) * add) / Math.max(1, l.items - old.items));
    }
  });
  const theta = new Float32Array(K + add);
  for (let s = 0; s < K + add; s++) theta[s] = s < K ? (parentHard[s]! > 0.5 ? 50 : -50) : spec.maskInit;
  const thetaFrozen = Float32Array.from(theta, (_, s) => (s < K ? 1 : 0));
  frozen.set('modularity/theta', thetaFrozen);

  const dir = store.create(model, { name: model.name, sourceText: grown.text, backend: backend.backend, device: backend.device, totalSteps: 0 });
  const jointSteps = o.jointSteps ?? 0;
  let parentEval: number[] = [];
  const loopRef: { loop?: TrainingLoop } = {};
  const total = () => loopRef.loop!.totalSteps;
  const growth: GrowthSetup = { labels, theta, frozen, unfreezeAt: undefined };
  const loop = new TrainingLoop({
    model, dataset, signal: opts.signal, logEvery: opts.logEvery,
    plugins: [modularityPlugin(spec, { growth })],
  });
  loopRef.loop = loop;
  growth.unfreezeAt = jointSteps > 0 ? Math.max(0, total() - jointSteps) : undefined;
  // old weights into the top-left blocks; new → old entries 0; everything not new is frozen
  const outputId = spec.outputLayer;
  for (const v of loop.net.trainable()) {
    const old = byName.get(v.name);
    const cur = (await v.variable.data()) as Float32Array;
    const shape = v.variable.shape;
    const mask = new Float32Array(cur.length).fill(1);
    if (old) {
      const next = Float32Array.from(cur);
      placeOld(next, shape, old, mask, v.layerId === outputId && newTasks.length === 0);
      const t = tf.tensor(next, shape);
      v.variable.assign(t);
      t.dispose();
    }
    frozen.set(v.name, mask);
  }
  // re-create the plugin's frozen masks now that they are filled in (they were read at construction)
  (loop.plugins[0] as ModularityPlugin).setFrozen(frozen);

  const { split, name: splitName } = evaluationSplit(dataset);
  parentEval = await parentAccuracy(parent, dataset, split, oldTasks);
  dir.updateMeta({ totalSteps: loop.totalSteps });
  dir.writeSpec(model, grown.text);
  opts.events?.onLog?.('info', `run ${dir.id}: growing ${parent.id} by ${add} subnetworks (${[...unitsAdded].map(([id, n]) => `${id} +${n}`).join(', ')}${newClasses ? `, logits +${newClasses}` : ''}); old subnetworks frozen`);

  return wire(dir, loop, model, dataset, backend, opts, async (l) => {
    const p = l.plugins[0] as ModularityPlugin;
    await p.hardenAtEnd(l.currentStep);
    const weights = await readWeights(l.net);
    const result = await p.result(l.currentStep);
    const { masks } = partitionOf(result);
    const after = await evaluateMasked(l.net, onlyTasks(split, dataset.tasks.length, [...oldTasks.keys()]), oldTasks, dataset.sampleShape, masks);
    const all = await evaluateMasked(l.net, split, dataset.tasks, dataset.sampleShape, masks);
    let maxChange = 0;
    const now = new Map(weights.map((w) => [w.name, w]));
    for (const [name, m] of frozen) {
      if (name === 'modularity/theta') continue;
      const w = now.get(name);
      const old = byName.get(name);
      if (!w || !old) continue;
      const oldFull = new Float32Array(w.data.length);
      placeOld(oldFull, w.shape, old, new Float32Array(w.data.length), false);
      for (let i = 0; i < m.length; i++) if (m[i] === 1) maxChange = Math.max(maxChange, Math.abs(w.data[i]! - oldFull[i]!));
    }
    const report: GrowthReport = {
      parent: parent.id, added: add, unitsAdded: Object.fromEntries(unitsAdded),
      oldTasks: oldTasks.map((t) => t.name), newTasks: newTasks.map((t) => t.name),
      before: parentEval, after: after.accuracy, forgetting: parentEval.map((b, i) => 100 * (b - after.accuracy[i]!)),
      newAccuracy: all.accuracy.slice(oldTasks.length), frozenIdentical: maxChange === 0, maxFrozenChange: maxChange, jointSteps, split: splitName,
    };
    dir.writeReport(GROWTH_REPORT, report);
    const analysis = await analyzeModularity(l.net, model, dataset, result, weights, l.currentStep, { exportDir: exportDirOf(dir.dir), sourceText: grown.text, shapleyPermutations: 0 });
    dir.writeReport(MODULARITY_REPORT, analysis);
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    return [
      `growth of ${parent.id}: +${add} subnetworks; old tasks ${report.oldTasks.map((t, i) => `${t} ${pct(report.before[i]!)} -> ${pct(report.after[i]!)}`).join(', ')}`
        + (newTasks.length ? `; new tasks ${newTasks.map((t, i) => `${t.name} ${pct(report.newAccuracy[i]!)}`).join(', ')}` : ''),
      `  frozen weights ${report.frozenIdentical ? 'bit-identical to the parent' : `changed by up to ${maxChange.toExponential(2)}${jointSteps ? ' (joint fine-tune)' : ''}`}`,
      ...summarize(analysis),
    ];
  });
}

/**
 * Writes the parent's array `old` into the top-left block of `next` (shape `shape`, the grown variable) and
 * zeros the rows from new inputs into old outputs. `mask` gets 1 where frozen: the old outputs' columns
 * (all rows: old rows keep their values, new rows stay 0), except, when `openNewRows`, the new rows into old
 * outputs (new data for old tasks: the new units may feed the old logits). Kernels: [in, out] or
 * [kh, kw, in, out]; biases [out].
 */
function placeOld(next: Float32Array, shape: number[], old: NamedArray, mask: Float32Array, openNewRows: boolean): void {
  const oldShape = old.shape;
  const out = shape[shape.length - 1]!;
  const oldOut = oldShape[oldShape.length - 1]!;
  if (shape.length === 1) {
    for (let c = 0; c < out; c++) {
      if (c < oldOut) next[c] = old.data[c]!;
      mask[c] = c < oldOut ? 1 : 0;
    }
    return;
  }
  const inDim = shape[shape.length - 2]!;
  const oldIn = oldShape[oldShape.length - 2]!;
  const spatial = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  for (let s = 0; s < spatial; s++) {
    for (let r = 0; r < inDim; r++) {
      for (let c = 0; c < out; c++) {
        const i = (s * inDim + r) * out + c;
        if (c < oldOut) {
          next[i] = r < oldIn ? old.data[(s * oldIn + r) * oldOut + c]! : 0;
          mask[i] = r < oldIn || !openNewRows ? 1 : 0;
        } else {
          mask[i] = 0;
        }
      }
    }
  }
}

/** A view of a split with only some label columns. */
function onlyTasks(split: Split, taskCount: number, keep: number[]): Split {
  const y = new Int32Array(split.n * keep.length);
  for (let i = 0; i < split.n; i++) keep.forEach((t, j) => (y[i * keep.length + j] = split.y[i * taskCount + t]!));
  return { x: split.x, y, n: split.n };
}

/** The parent model (hard masks applied) on the new data's old tasks. */
async function parentAccuracy(parent: Parent, dataset: Dataset, split: Split, oldTasks: TaskInfo[]): Promise<number[]> {
  const net = netWith(parent.model, parent.weights);
  try {
    const { masks } = partitionOf(parent.result);
    const ev = await evaluateMasked(net, onlyTasks(split, dataset.tasks.length, [...oldTasks.keys()]), oldTasks, dataset.sampleShape, masks);
    return ev.accuracy;
  } finally {
    net.dispose();
  }
}
