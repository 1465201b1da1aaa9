/**
 * Growth planning (seed 000): the parent run read back (a completed modular run with hardened masks and its
 * model text), and the grown model: every modular layer gains the units of `add` average-sized subnetworks,
 * new tasks get new logits, the data section is the new data's. Nothing here trains; growth.ts is the
 * technique that trains it, trainer/run/grow.ts starts the run.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import type { LayerNode, ModelFile, ModularitySpec } from '../../spec/types';
import { loadModelText } from '../../spec';
import { readModelText } from '../../spec/parse';
import { loadDataset } from '../data/load';
import type { Dataset, TaskInfo } from '../data/types';
import { UserError } from '../errors';
import type { NamedArray } from '../store/checkpoint';
import type { RunStore } from '../store/run-store';
import { writePrunedYaml } from '../surgery/model-file';
import { storedResult, type ModularityResult } from './plugin';
import { MODULARITY_REPORT, type ModularityReport } from './report';

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

export interface Parent {
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

/** A growth run's model and what growth needs to train it. */
export interface GrowthPlan {
  parent: Parent;
  add: number;
  /** Units added per modular layer. */
  unitsAdded: Map<string, number>;
  oldTasks: TaskInfo[];
  newTasks: TaskInfo[];
  /** Logits added for the new tasks. */
  newClasses: number;
  /** The grown model, its modularity block the parent's with `add` more subnetworks (no warm-up, no controller). */
  model: ModelFile;
  /** The grown model's text (stored with the run). */
  text: string;
  jointSteps: number;
}

/** `--add`: the new subnetworks (default 2), a positive integer. */
export function subnetworksToAdd(o: GrowOptions): number {
  const add = o.add ?? 2;
  if (!Number.isInteger(add) || add < 1) throw new UserError(`--add must be a positive integer, got ${add}`);
  return add;
}

export function readParent(store: RunStore, runId: string): Parent {
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

/**
 * The grown model for `dataset` (the new data, whose tasks must start with the parent's, in order), from the
 * parent and its data file `dataFile`.
 */
export function planGrowth(parent: Parent, add: number, dataset: Dataset, dataFile: string, o: GrowOptions): GrowthPlan {
  const { layout: oldLayout, labels: parentLabels } = parent.result;
  const used = new Set<number>();
  for (const l of oldLayout.layers) if (l.masked) for (let i = l.offset; i < l.offset + l.items; i++) used.add(parentLabels[i]!);
  const unitsAdded = new Map<string, number>();
  for (const l of oldLayout.layers) {
    if (!l.masked) continue;
    const per = Math.max(1, Math.round(l.items / Math.max(1, used.size)));
    unitsAdded.set(l.id, per * add * l.unitsPerItem);
  }
  const parentTasks = parent.tasks;
  const oldTasks = dataset.tasks.slice(0, parentTasks.length);
  if (oldTasks.length !== parentTasks.length || oldTasks.some((t, i) => t.name !== parentTasks[i]!.name || t.classes !== parentTasks[i]!.classes)) {
    throw new UserError(`the new data's tasks (${dataset.tasks.map((t) => `${t.name}:${t.classes}`).join(', ')}) must start with the run's tasks `
      + `(${parentTasks.map((t) => `${t.name}:${t.classes}`).join(', ')}), in that order; list them first with data.tasks in ${dataFile}`);
  }
  const newTasks = dataset.tasks.slice(parentTasks.length);
  const newClasses = newTasks.reduce((a, t) => a + t.classes, 0);
  const grown = grownModel(parent, unitsAdded, newClasses, dataFile, o);
  const spec: ModularitySpec = { ...parent.spec, subnetworks: parent.spec.subnetworks + add, warmup: 0, controller: false };
  return {
    parent, add, unitsAdded, oldTasks, newTasks, newClasses,
    model: { ...grown.model, modularity: spec }, text: grown.text, jointSteps: o.jointSteps ?? 0,
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
